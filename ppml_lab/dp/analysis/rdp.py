"""Renyi differential privacy of the Poisson-subsampled Gaussian mechanism.

Pure functions, no state (the accountants in ``ppml_lab.dp.accountants`` keep the history).
One step of DP-SGD samples each example with probability ``q`` and adds Gaussian noise of
standard deviation ``sigma`` times the clipping norm. Its RDP at order ``alpha`` is
``log(A_alpha) / (alpha - 1)`` where ``A_alpha`` is the ``alpha``-th moment of the likelihood
ratio between the mixture ``(1 - q) N(0, sigma^2) + q N(1, sigma^2)`` and ``N(0, sigma^2)``
(Mironov, Talwar and Zhang, 2019). Integer orders use the binomial expansion; fractional orders
an infinite series split at the point ``z0`` where the two Gaussians' weighted densities cross.
RDP composes by addition, and converts to ``(epsilon, delta)`` with the bound of Balle et al.
(2020, "Hypothesis testing interpretations and Renyi DP").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import special

# Orders at which RDP is tracked: fine near 1 (small epsilon) and integers up to 63.
DEFAULT_ALPHAS: list[float] = [1 + k / 10.0 for k in range(1, 100)] + [float(a) for a in range(12, 64)]


def _logaddexp(a: float, b: float) -> float:
    """log(exp(a) + exp(b)) without overflow."""
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    hi, lo = max(a, b), min(a, b)
    return hi + math.log1p(math.exp(lo - hi))


def _logsubexp(a: float, b: float) -> float:
    """log(exp(a) - exp(b)) for a >= b."""
    if b == -math.inf:
        return a
    if a < b:
        raise ValueError("log-subtraction of a larger term")
    if a == b:
        return -math.inf
    try:
        return b + math.log(math.expm1(a - b))
    except OverflowError:
        return a


def _log_erfc(x: float) -> float:
    """log(erfc(x)), stable for large x."""
    return math.log(2.0) + float(special.log_ndtr(-x * math.sqrt(2.0)))


def _log_moment_integer(q: float, sigma: float, alpha: int) -> float:
    """log A_alpha for an integer order, by the binomial expansion of the mixture."""
    total = -math.inf
    log_q, log_1mq = math.log(q), math.log1p(-q)
    for k in range(alpha + 1):
        term = (
            math.log(special.binom(alpha, k))
            + k * log_q
            + (alpha - k) * log_1mq
            + (k * k - k) / (2.0 * sigma * sigma)
        )
        total = _logaddexp(total, term)
    return total


def _log_moment_fractional(q: float, sigma: float, alpha: float) -> float:
    """log A_alpha for a fractional order: two series, summed until their terms are negligible."""
    lower, upper = -math.inf, -math.inf
    z0 = sigma * sigma * math.log(1.0 / q - 1.0) + 0.5
    log_q, log_1mq = math.log(q), math.log1p(-q)
    k = 0
    while True:
        coef = special.binom(alpha, k)
        log_coef = math.log(abs(coef))
        j = alpha - k
        t_low = log_coef + k * log_q + j * log_1mq + (k * k - k) / (2 * sigma * sigma)
        t_low += math.log(0.5) + _log_erfc((k - z0) / (math.sqrt(2.0) * sigma))
        t_up = log_coef + j * log_q + k * log_1mq + (j * j - j) / (2 * sigma * sigma)
        t_up += math.log(0.5) + _log_erfc((z0 - j) / (math.sqrt(2.0) * sigma))
        if coef > 0:
            lower, upper = _logaddexp(lower, t_low), _logaddexp(upper, t_up)
        else:
            lower, upper = _logsubexp(lower, t_low), _logsubexp(upper, t_up)
        k += 1
        if max(t_low, t_up) < -30:
            return _logaddexp(lower, upper)


def rdp_subsampled_gaussian(q: float, noise_multiplier: float, alpha: float) -> float:
    """RDP at order ``alpha`` of one step with sampling rate ``q`` and noise multiplier ``sigma``."""
    if q == 0:
        return 0.0
    if noise_multiplier == 0:
        return math.inf
    if math.isinf(alpha):
        return math.inf
    if q == 1.0:
        return alpha / (2.0 * noise_multiplier**2)
    if float(alpha).is_integer():
        log_moment = _log_moment_integer(q, noise_multiplier, int(alpha))
    else:
        log_moment = _log_moment_fractional(q, noise_multiplier, alpha)
    return log_moment / (alpha - 1.0)


def compute_rdp(q: float, noise_multiplier: float, steps: int, orders: Sequence[float]) -> np.ndarray:
    """RDP of ``steps`` compositions of the subsampled Gaussian, one value per order."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q must be a sampling rate in [0, 1], got {q}")
    if noise_multiplier < 0:
        raise ValueError(f"noise_multiplier must be >= 0, got {noise_multiplier}")
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    return np.array([rdp_subsampled_gaussian(q, noise_multiplier, a) for a in orders]) * steps


def get_privacy_spent(orders: Sequence[float], rdp: Sequence[float], delta: float) -> tuple[float, float]:
    """Convert an RDP curve to ``(epsilon, best_order)`` at the given ``delta``.

    Uses epsilon = rdp - (log(delta) + log(alpha)) / (alpha - 1) + log((alpha - 1) / alpha),
    minimised over the tracked orders.
    """
    if not 0.0 < delta < 1.0:
        raise ValueError(f"delta must be in (0, 1), got {delta}")
    alphas = np.atleast_1d(np.asarray(orders, dtype=float))
    rdp_arr = np.atleast_1d(np.asarray(rdp, dtype=float))
    if alphas.shape != rdp_arr.shape:
        raise ValueError(f"orders and rdp must have the same length, got {alphas.shape} and {rdp_arr.shape}")
    with np.errstate(invalid="ignore"):
        eps = rdp_arr - (math.log(delta) + np.log(alphas)) / (alphas - 1) + np.log((alphas - 1) / alphas)
    if np.isnan(eps).all():
        return math.inf, math.nan
    best = int(np.nanargmin(eps))
    return float(eps[best]), float(alphas[best])
