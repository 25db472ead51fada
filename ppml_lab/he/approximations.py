"""Polynomial approximations of the sigmoid for encrypted evaluation."""

from __future__ import annotations

import numpy as np


def fit_sigmoid_polynomial(degree: int = 3, interval: float = 4.0) -> tuple[np.ndarray, float]:
    """Least-squares fit of the logistic function on ``[-interval, interval]``.

    Returns the coefficients from the constant term up (as TenSEAL's ``polyval`` takes them) and
    the maximum absolute error on the interval. Outside the interval the polynomial diverges, so
    choose it from the range the scores actually take (standardized features keep it small).
    """
    if degree < 1 or degree > 9:
        raise ValueError(f"degree must be between 1 and 9, got {degree}")
    if interval <= 0:
        raise ValueError(f"interval must be > 0, got {interval}")
    x = np.linspace(-interval, interval, 4001)
    target = 1.0 / (1.0 + np.exp(-x))
    coeffs = np.polynomial.polynomial.polyfit(x, target, degree)
    coeffs[1:][np.abs(coeffs[1:]) < 1e-9] = 0.0  # even terms vanish by symmetry: make them exactly 0
    error = float(np.abs(np.polynomial.polynomial.polyval(x, coeffs) - target).max())
    return coeffs, error


def sigmoid_polynomial_plain(z: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """The same polynomial on plaintext values."""
    return np.polynomial.polynomial.polyval(np.asarray(z, dtype=float), coefficients)
