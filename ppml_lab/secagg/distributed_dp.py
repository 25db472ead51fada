"""Distributed DP: each client adds a share of the noise, so the securely aggregated sum is private.

Every client adds discrete Gaussian noise of variance sigma^2 / n to its quantized vector before
masking it. The server, which sees only the sum, receives the true sum plus noise of variance
sigma^2 — the amount one trusted curator would have added — while no party ever holds the
un-noised sum. We account the sum as a Gaussian mechanism with noise multiplier
sigma / sensitivity (sensitivity: one client's quantized L2 norm bound) through the RDP accountant;
the sum of independent discrete Gaussians is close to, but not exactly, a discrete Gaussian, a
small slack that Kairouz et al. (2021) quantify and that this teaching kit neglects.
Arithmetic is modulo 2^bits: the decoded sum is read as a signed number, so the modulus must
exceed twice the largest |sum + noise| (checked).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ppml_lab._checks import check_float, check_int
from ppml_lab.dp import RDPAccountant, sample_discrete_gaussian


def client_noise_variance(sigma: float, n_clients: int) -> float:
    """Per-client variance so that n clients' noise sums to variance sigma^2."""
    sigma = check_float("sigma", sigma, minimum=0.0, min_inclusive=False)
    return sigma**2 / check_int("n_clients", n_clients, minimum=1)


def add_distributed_noise(quantized: np.ndarray, variance: float, bits: int) -> np.ndarray:
    """``quantized`` + discrete Gaussian noise (OS CSPRNG, exact sampler), modulo 2^bits."""
    noise = sample_discrete_gaussian(Fraction(variance).limit_denominator(10**6), size=len(quantized))
    return (quantized.astype(np.int64) + noise).astype(np.uint64) & np.uint64((1 << bits) - 1)


def decode_signed(total: np.ndarray, bits: int) -> np.ndarray:
    """Read a sum modulo 2^bits as a signed integer (noise may push it below zero)."""
    t = total.astype(np.int64)
    return np.where(t >= (1 << (bits - 1)), t - (1 << bits), t)


def distributed_dp_epsilon(sigma: float, sensitivity: float, delta: float) -> float:
    """Epsilon of releasing the sum once with total noise std ``sigma`` and L2 ``sensitivity``."""
    acc = RDPAccountant()
    acc.step(
        noise_multiplier=check_float("sigma", sigma, minimum=0.0, min_inclusive=False)
        / check_float("sensitivity", sensitivity, minimum=0.0, min_inclusive=False),
        sample_rate=1.0,
    )
    return acc.get_epsilon(delta)
