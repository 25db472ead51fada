"""DP-FedAvg: client-level differential privacy by clipping updates and adding Gaussian noise.

Central DP (McMahan et al. 2018): each round every client joins independently with probability
``fraction_fit`` (Poisson sampling, which the accountant assumes); each update (the client's model
minus the global model) is clipped to L2 norm ``clip_norm``; the server adds Gaussian noise of
standard deviation ``noise_multiplier * clip_norm`` to the sum and divides by the expected number
of clients ``fraction_fit * n``. Every client counts the same (no weighting by data size), which is
what bounds one client's influence. :class:`ppml_lab.dp.RDPAccountant` turns
``(noise_multiplier, fraction_fit, rounds)`` into epsilon for a whole client's participation.

Local noise (optional, ``local_noise_multiplier > 0``): clients clip their own update and add
noise ``local_noise_multiplier * clip_norm`` before sending, so the server never sees an exact
update; :meth:`DPFedAvg.local_epsilon` gives each round's local guarantee composed over rounds.

The server's noise comes from the OS CSPRNG unless ``noise_seed`` is given (tests and teaching only).
"""

from __future__ import annotations

import math

import numpy as np

from ppml_lab._checks import check_float
from ppml_lab.dp import RDPAccountant, noise_generator
from ppml_lab.fl.strategy import FedAvg


class DPFedAvg(FedAvg):
    """FedAvg with Poisson client sampling, per-client update clipping and Gaussian noise."""

    def __init__(
        self,
        noise_multiplier: float = 1.0,
        clip_norm: float = 1.0,
        local_noise_multiplier: float = 0.0,
        noise_seed: int | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.noise_multiplier = check_float("noise_multiplier", noise_multiplier, minimum=0.0)
        self.clip_norm = check_float("clip_norm", clip_norm, minimum=0.0, min_inclusive=False)
        self.local_noise_multiplier = check_float("local_noise_multiplier", local_noise_multiplier, minimum=0.0)
        self._rng = noise_generator(noise_seed)
        self.accountant = RDPAccountant()
        self.local_accountant = RDPAccountant()
        self._expected = 1.0

    def fit_config(self, server_round: int) -> dict:
        config = super().fit_config(server_round)
        if self.local_noise_multiplier > 0:
            config.update(
                dp_clip_norm=self.clip_norm, dp_local_noise_std=self.local_noise_multiplier * self.clip_norm
            )
        return config

    def configure_fit(self, server_round, n_clients, rng):
        """Each client joins with probability ``fraction_fit`` (possibly nobody); one accountant step."""
        chosen = np.flatnonzero(rng.random(n_clients) < self.fraction_fit).tolist()
        self._expected = max(1.0, self.fraction_fit * n_clients)
        self.accountant.step(noise_multiplier=self.noise_multiplier, sample_rate=self.fraction_fit)
        if self.local_noise_multiplier > 0:
            # replacing a client's data moves its clipped update by up to 2 * clip_norm
            self.local_accountant.step(noise_multiplier=self.local_noise_multiplier / 2, sample_rate=1.0)
        return [(c, self.fit_config(server_round)) for c in chosen]

    def clip(self, delta: list[np.ndarray]) -> list[np.ndarray]:
        """``delta`` scaled down to L2 norm at most ``clip_norm`` (whole model, all arrays together)."""
        norm = float(np.sqrt(sum(float((d.astype(np.float64) ** 2).sum()) for d in delta)))
        factor = min(1.0, self.clip_norm / max(norm, 1e-12))
        return [d * factor for d in delta]

    def aggregate_fit(self, server_round, current, results):
        """Noisy mean of clipped updates; noise is added even when no client reported."""
        total = [np.zeros(c.shape, dtype=np.float64) for c in current]
        for params, _ in results:
            delta = [np.asarray(p, np.float64) - np.asarray(c, np.float64) for p, c in zip(params, current, strict=True)]
            if self.local_noise_multiplier == 0:  # with local noise the client clipped before adding noise
                delta = self.clip(delta)
            total = [t + d for t, d in zip(total, delta, strict=True)]
        std = self.noise_multiplier * self.clip_norm
        noisy = [t + self._rng.normal(0.0, std, t.shape) for t in total] if std > 0 else total
        return [(c + n / self._expected).astype(c.dtype) for c, n in zip(current, noisy, strict=True)]

    def epsilon(self, delta: float) -> float:
        """Client-level epsilon of the server's noise spent so far (infinite without noise)."""
        if self.noise_multiplier == 0 and self.accountant.history:
            return math.inf
        return self.accountant.get_epsilon(delta)

    def local_epsilon(self, delta: float) -> float:
        """Epsilon of one client's noisy reports against the server itself (local noise only)."""
        if self.local_noise_multiplier == 0:
            return math.inf
        return self.local_accountant.get_epsilon(delta)
