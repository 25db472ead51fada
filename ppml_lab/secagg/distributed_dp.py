"""Distributed DP: each client adds a share of the noise, so the securely aggregated sum is private.

Every client adds discrete Gaussian noise to its quantized vector before masking it, so no party
ever holds the un-noised sum. Clients drop out, and a dropped client's noise never reaches the sum:
each client therefore adds variance sigma^2 / min_survivors, and the sum carries at least sigma^2
whenever at least ``min_survivors`` clients' inputs are in it. Epsilon is accounted at that stated
minimum (the Gaussian mechanism with noise multiplier sigma / sensitivity, RDP accountant), and the
sum is not decoded when fewer survived. With all n clients the noise is n / min_survivors times
larger than needed: the price of tolerating dropouts.

Collusion bound: a client knows its own noise, so clients colluding with the server can subtract
theirs. With s survivors of which c collude, the noise left is (s - c) * sigma^2 / min_survivors:
the stated epsilon holds only while s - c >= min_survivors; :meth:`DistributedDP.epsilon` gives the
weaker epsilon for any (s, c).

The ring must hold the sum and its noise (Kairouz et al. 2021 budget it the same way): the
encoding keeps ``tail_sigmas`` standard deviations of the largest possible noise (all n clients'
shares) on top of n clipped values; a discrete Gaussian is sub-Gaussian, so one coordinate leaves
that room with probability at most 2 exp(-tail_sigmas^2 / 2) (below 2^-45 at the default 8).
Parameters that cannot hold the sum raise. The sum of independent discrete Gaussians is close to,
but not exactly, a discrete Gaussian; Kairouz et al. quantify that slack and this kit neglects it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ppml_lab._checks import check_float, check_int
from ppml_lab.dp import RDPAccountant, sample_discrete_gaussian
from ppml_lab.secagg.encoding import decode_sum, quantize, ring_levels

TAIL_SIGMAS = 8.0


def client_noise_variance(sigma: float, min_survivors: int) -> float:
    """Per-client variance so that any ``min_survivors`` clients' noise sums to variance sigma^2."""
    sigma = check_float("sigma", sigma, minimum=0.0, min_inclusive=False)
    return sigma**2 / check_int("min_survivors", min_survivors, minimum=1)


def add_distributed_noise(quantized: np.ndarray, variance: float, bits: int) -> np.ndarray:
    """``quantized`` + discrete Gaussian noise (OS CSPRNG, exact sampler), modulo 2^bits."""
    variance = check_float("variance", variance, minimum=0.0, min_inclusive=False)
    noise = sample_discrete_gaussian(Fraction(variance).limit_denominator(10**6), size=len(quantized))
    mask = np.uint64((1 << bits) - 1)
    return (np.asarray(quantized, dtype=np.uint64) + (np.asarray(noise, dtype=np.int64).astype(np.uint64))) & mask


def distributed_dp_epsilon(sigma: float, sensitivity: float, delta: float) -> float:
    """Epsilon of releasing the sum once with total noise std ``sigma`` and L2 ``sensitivity``."""
    acc = RDPAccountant()
    acc.step(
        noise_multiplier=check_float("sigma", sigma, minimum=0.0, min_inclusive=False)
        / check_float("sensitivity", sensitivity, minimum=0.0, min_inclusive=False),
        sample_rate=1.0,
    )
    return acc.get_epsilon(delta)


@dataclass(frozen=True)
class DistributedDP:
    """One distributed-DP sum: encoding with a noise margin, per-client noise, decoding and accounting.

    ``noise_std`` is the standard deviation of the noise in the released sum, in the data's units,
    once ``min_survivors`` clients have added theirs. Every coordinate is clipped to [-clip, clip].
    """

    clip: float
    noise_std: float
    n_clients: int
    min_survivors: int
    bits: int = 48
    tail_sigmas: float = TAIL_SIGMAS
    levels: int = field(init=False)

    def __post_init__(self) -> None:
        check_float("clip", self.clip, minimum=0.0, min_inclusive=False)
        check_float("noise_std", self.noise_std, minimum=0.0, min_inclusive=False)
        n = check_int("n_clients", self.n_clients, minimum=2)
        check_int("min_survivors", self.min_survivors, minimum=1, maximum=n)
        check_float("tail_sigmas", self.tail_sigmas, minimum=0.0)
        object.__setattr__(self, "levels", ring_levels(self.clip, self.bits, n, margin=self.margin))

    @property
    def margin(self) -> float:
        """Room kept for noise, in data units: tail_sigmas std of all n clients' noise."""
        return self.tail_sigmas * self.noise_std * math.sqrt(self.n_clients / self.min_survivors)

    @property
    def client_variance(self) -> float:
        """Variance of one client's noise in ring units (sigma^2 / min_survivors)."""
        return client_noise_variance(self.noise_std * self.levels / self.clip, self.min_survivors)

    def replace_one_sensitivity(self, dim: int) -> float:
        """L2 change of the sum, in data units, when one client's vector of ``dim`` coordinates is
        replaced by any other: 2 * clip * sqrt(dim). Secure aggregation tells the server who took
        part, so neighbouring inputs differ in one client's data, not in its presence."""
        return 2 * self.clip * math.sqrt(check_int("dim", dim, minimum=1))

    def privatize(self, x: np.ndarray) -> np.ndarray:
        """A client's input for the protocol: clipped, quantized, plus its share of the noise."""
        q = quantize(x, self.clip, self.bits, self.n_clients, margin=self.margin)
        return add_distributed_noise(q, self.client_variance, self.bits)

    def decode(self, total: np.ndarray, n_survivors: int) -> np.ndarray:
        """The noisy real-valued sum; refuses when fewer than ``min_survivors`` inputs are in it
        (the noise would then be below what epsilon was accounted for)."""
        n_survivors = check_int("n_survivors", n_survivors, minimum=0, maximum=self.n_clients)
        if n_survivors < self.min_survivors:
            raise ValueError(
                f"n_survivors={n_survivors} is below min_survivors={self.min_survivors}: the sum holds "
                "less noise than the accounted epsilon assumes, so it must not be released"
            )
        return decode_sum(total, self.levels, self.clip, self.bits)

    def noise_std_left(self, survivors: int, colluders: int = 0) -> float:
        """Std of the noise the server and ``colluders`` cannot remove, with ``survivors`` inputs in
        the sum (colluding clients subtract their own shares)."""
        survivors = check_int("survivors", survivors, minimum=0, maximum=self.n_clients)
        colluders = check_int("colluders", colluders, minimum=0, maximum=survivors)
        return self.noise_std * math.sqrt((survivors - colluders) / self.min_survivors)

    def epsilon(
        self, sensitivity: float, delta: float, *, survivors: int | None = None, colluders: int = 0
    ) -> float:
        """Epsilon of the released sum. By default at the stated minimum (``min_survivors`` honest
        survivors: noise std exactly ``noise_std``); give ``survivors`` and ``colluders`` for the
        guarantee against clients who collude with the server (inf when none of the noise is left)."""
        left = self.noise_std_left(self.min_survivors if survivors is None else survivors, colluders)
        return math.inf if left == 0 else distributed_dp_epsilon(left, sensitivity, delta)


__all__ = [
    "TAIL_SIGMAS",
    "DistributedDP",
    "add_distributed_noise",
    "client_noise_variance",
    "distributed_dp_epsilon",
]
