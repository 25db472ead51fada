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

The server clips whatever it aggregates, noisy or not, to ``server_clip_norm`` (``clip_norm``
unless given) and calibrates its noise to that bound. The central accountant needs exactly this:
one client's presence must move the sum by a vector of norm at most the bound, with noise of a
fixed variance on top (a report that is random but always within the bound, like a clipped noisy
one, is a mixture of fixed contributions, each covered by the same Renyi bound). A report that was only clipped by its sender does not qualify: local noise
makes it longer than ``clip_norm`` (about ``clip_norm * sqrt(1 + d * local_noise_multiplier^2)``
in ``d`` coordinates), and a client that skips clipping can move the sum without limit. Because
the server's clip also scales honest noisy reports down, local noise usually wants a larger
``server_clip_norm``, paid for with proportionally more server noise.

The server's noise comes from a PCG64 generator seeded with 128 bits from the OS CSPRNG unless
``noise_seed`` is given (tests and teaching only).
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
        server_clip_norm: float | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.noise_multiplier = check_float("noise_multiplier", noise_multiplier, minimum=0.0)
        self.clip_norm = check_float("clip_norm", clip_norm, minimum=0.0, min_inclusive=False)
        self.server_clip_norm = (
            self.clip_norm
            if server_clip_norm is None
            else check_float("server_clip_norm", server_clip_norm, minimum=0.0, min_inclusive=False)
        )
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
        """``delta`` scaled down to L2 norm at most ``server_clip_norm`` (whole model, all arrays together)."""
        norm = float(np.sqrt(sum(float((d.astype(np.float64) ** 2).sum()) for d in delta)))
        factor = min(1.0, self.server_clip_norm / max(norm, 1e-12))
        return [d * factor for d in delta]

    def aggregate_fit(self, server_round, current, results):
        """Noisy mean of updates the server clipped itself; noise is added even when no client reported.

        Every update is clipped here, with or without local noise: the server's guarantee cannot
        rest on clients having clipped, and a noisy report is longer than ``clip_norm`` anyway.
        """
        total = [np.zeros(c.shape, dtype=np.float64) for c in current]
        for params, _ in results:
            delta = [np.asarray(p, np.float64) - np.asarray(c, np.float64) for p, c in zip(params, current, strict=True)]
            total = [t + d for t, d in zip(total, self.clip(delta), strict=True)]
        std = self.noise_multiplier * self.server_clip_norm
        noisy = [t + self._rng.normal(0.0, std, t.shape) for t in total] if std > 0 else total
        return [(c + n / self._expected).astype(c.dtype) for c, n in zip(current, noisy, strict=True)]

    def epsilon(self, delta: float) -> float:
        """Client-level epsilon (add/remove one client) of the server's release so far.

        Valid whatever clients send, since the server clips every update to ``server_clip_norm``
        and its noise is ``noise_multiplier * server_clip_norm``; infinite without noise.
        """
        if self.noise_multiplier == 0 and self.accountant.history:
            return math.inf
        return self.accountant.get_epsilon(delta)

    def local_epsilon(self, delta: float) -> float:
        """Epsilon of one client's noisy reports against the server itself (local noise only)."""
        if self.local_noise_multiplier == 0:
            return math.inf
        return self.local_accountant.get_epsilon(delta)
