"""Polynomial approximations of the sigmoid for encrypted evaluation.

CKKS evaluates only additions and multiplications, so the encrypted model replaces the logistic
function by a polynomial: :func:`sigmoid_poly` fits it by least squares on ``[-a, a]``; a degree-k
polynomial costs ``ceil(log2(k + 1))`` levels (:func:`~ppml_lab.he.depth.polynomial_levels`).
"""

from __future__ import annotations

import numpy as np

GRID_POINTS = 4001  # evenly spaced points of [-a, a] the least-squares fit is taken over


def _check(degree: int, interval: float, max_degree: int) -> None:
    if isinstance(degree, bool) or not isinstance(degree, int | np.integer) or not 1 <= degree <= max_degree:
        raise ValueError(f"degree must be an integer between 1 and {max_degree}, got {degree!r}")
    if not np.isfinite(interval) or interval <= 0:
        raise ValueError(f"interval must be a finite number > 0, got {interval!r}")


def sigmoid_poly(degree: int, interval: float) -> np.ndarray:
    """Coefficients, constant term first (as TenSEAL's ``polyval`` takes them), of the degree-``degree``
    least-squares fit of the logistic function on ``[-interval, interval]``.

    Least squares over the whole symmetric interval, not a Taylor series at 0 (which diverges long
    before the interval's ends) and not a fit on ``[0, interval]`` only. The even terms vanish by
    symmetry (sigma(x) - 1/2 is odd) and are returned as exact zeros.
    """
    _check(degree, interval, 15)
    x = np.linspace(-interval, interval, GRID_POINTS)
    coeffs = np.polynomial.polynomial.polyfit(x, 1.0 / (1.0 + np.exp(-x)), degree)
    coeffs[2::2] = 0.0
    return coeffs


def fit_sigmoid_polynomial(degree: int = 3, interval: float = 4.0) -> tuple[np.ndarray, float]:
    """:func:`sigmoid_poly` and the maximum absolute error of the polynomial on the interval.

    Outside the interval the polynomial diverges, so choose it from the range the scores actually take
    (standardized features keep it small).
    """
    _check(degree, interval, 9)
    coeffs = sigmoid_poly(degree, interval)
    x = np.linspace(-interval, interval, GRID_POINTS)
    error = float(np.abs(np.polynomial.polynomial.polyval(x, coeffs) - 1.0 / (1.0 + np.exp(-x))).max())
    return coeffs, error


def sigmoid_polynomial_plain(z: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """The same polynomial on plaintext values."""
    return np.polynomial.polynomial.polyval(np.asarray(z, dtype=float), coefficients)
