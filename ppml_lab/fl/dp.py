"""DP-FedAvg: client-level differential privacy by clipping updates and adding noise at the server.

Each sampled client's update (its model minus the global model) is clipped to L2 norm ``clip_norm``;
the server adds Gaussian noise of standard deviation ``noise_multiplier * clip_norm`` to the sum and
divides by the expected number of clients (McMahan et al. 2018). With clients sampled at rate q for
T rounds, the RDP accountant of :mod:`ppml_lab.dp` gives epsilon at the level of a whole client.
Noise comes from the OS CSPRNG unless a seed is given (tests and teaching only).
"""

from __future__ import annotations

import numpy as np

from ppml_lab._checks import check_float
from ppml_lab.dp import RDPAccountant, noise_generator
from ppml_lab.fl.strategy import FedAvg


class DPFedAvg(FedAvg):
    """FedAvg with per-client update clipping and server-side Gaussian noise (central DP)."""

    def __init__(
        self, noise_multiplier: float = 1.0, clip_norm: float = 1.0, noise_seed: int | None = None, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.noise_multiplier = check_float("noise_multiplier", noise_multiplier, minimum=0.0)
        self.clip_norm = check_float("clip_norm", clip_norm, minimum=0.0, min_inclusive=False)
        self._rng = noise_generator(noise_seed)
        self.accountant = RDPAccountant()
        self._expected = None

    def configure_fit(self, server_round, n_clients, rng):
        chosen = super().configure_fit(server_round, n_clients, rng)
        self._expected = max(1.0, self.fraction_fit * n_clients)
        self.accountant.step(noise_multiplier=self.noise_multiplier, sample_rate=self.fraction_fit)
        return chosen

    def aggregate_fit(self, server_round, current, results):
        total = [np.zeros_like(c, dtype=float) for c in current]
        for params, _ in results:
            delta = [p - c for p, c in zip(params, current, strict=True)]
            norm = float(np.sqrt(sum(float((d.astype(float) ** 2).sum()) for d in delta)))
            factor = min(1.0, self.clip_norm / max(norm, 1e-12))
            total = [t + d * factor for t, d in zip(total, delta, strict=True)]
        std = self.noise_multiplier * self.clip_norm
        noisy = [t + self._rng.normal(0.0, std, t.shape) for t in total]
        return [(c + n / self._expected).astype(c.dtype) for c, n in zip(current, noisy, strict=True)]

    def epsilon(self, delta: float) -> float:
        """Client-level epsilon spent so far."""
        return self.accountant.get_epsilon(delta)
