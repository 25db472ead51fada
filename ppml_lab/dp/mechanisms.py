"""Differential-privacy mechanisms and the privacy guarantees they carry.

Each mechanism is an object built from its privacy parameters and the query's sensitivity; it
validates them, states its ``guarantee`` as ``(epsilon, delta)``, and releases noisy values with
``randomise``. Noise comes from a PCG64 generator seeded with 128 bits from the OS CSPRNG
(:func:`ppml_lab.dp.noise_generator`) unless a seeded ``rng`` is passed (for teaching and tests
only). For releases where floating-point leakage matters, use the exact integer samplers
in :mod:`ppml_lab.dp.discrete`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from ppml_lab._checks import check_float, check_int, check_probability
from ppml_lab.dp._random import noise_generator


def randomized_response_epsilon(p_truth: float) -> float:
    """Epsilon of the coin-flip randomized response survey.

    Each respondent answers truthfully with probability ``p_truth`` and otherwise reports the
    outcome of a fair coin ("yes" or "no" with probability 1/2 each). The worst-case ratio of the
    probabilities of an answer under the two possible truths is ``(1 + p) / (1 - p)``, so the
    survey is ``ln((1 + p) / (1 - p))``-differentially private; ``p_truth = 1`` gives no privacy
    (``inf``) and ``p_truth = 0`` perfect privacy (``0``).
    """
    p = check_probability("p_truth", p_truth)
    if p == 1.0:
        return math.inf
    return math.log((1.0 + p) / (1.0 - p))


def _check_epsilon(epsilon: float) -> float:
    return check_float("epsilon", epsilon, minimum=0.0, min_inclusive=False)


def _check_delta(delta: float, *, positive: bool = False) -> float:
    return check_float(
        "delta", delta, minimum=0.0, maximum=1.0, min_inclusive=not positive, max_inclusive=False
    )


def _check_sensitivity(sensitivity: float) -> float:
    return check_float("sensitivity", sensitivity, minimum=0.0, min_inclusive=False)


@dataclass(frozen=True)
class PrivacyGuarantee:
    """An ``(epsilon, delta)`` pair; ``delta = 0`` is pure DP."""

    epsilon: float
    delta: float = 0.0

    def __str__(self) -> str:
        return f"({self.epsilon:.4g}, {self.delta:.3g})-DP" if self.delta else f"{self.epsilon:.4g}-DP"


class LaplaceMechanism:
    """Adds Laplace noise of scale ``sensitivity / epsilon``: epsilon-DP for an L1-sensitivity query."""

    def __init__(self, epsilon: float, sensitivity: float) -> None:
        self.epsilon = _check_epsilon(epsilon)
        self.sensitivity = _check_sensitivity(sensitivity)

    @property
    def scale(self) -> float:
        return self.sensitivity / self.epsilon

    @property
    def guarantee(self) -> PrivacyGuarantee:
        return PrivacyGuarantee(self.epsilon, 0.0)

    def randomise(self, value, rng: np.random.Generator | int | None = None):
        """``value`` (scalar or array) plus independent Laplace noise."""
        arr = np.asarray(value, dtype=float)
        noisy = arr + noise_generator(rng).laplace(0.0, self.scale, arr.shape)
        return float(noisy) if noisy.ndim == 0 else noisy


def classic_gaussian_sigma(epsilon: float, delta: float, sensitivity: float) -> float:
    """sigma = sqrt(2 ln(1.25/delta)) * sensitivity / epsilon (Dwork & Roth; valid for epsilon < 1)."""
    epsilon = _check_epsilon(epsilon)
    delta = _check_delta(delta, positive=True)
    if epsilon >= 1.0:
        raise ValueError(
            f"epsilon must be < 1 for the classic Gaussian bound, got {epsilon}; use method='analytic'"
        )
    return math.sqrt(2.0 * math.log(1.25 / delta)) * _check_sensitivity(sensitivity) / epsilon


def gaussian_delta(sigma: float, epsilon: float, sensitivity: float) -> float:
    """The exact delta of the Gaussian mechanism with noise ``sigma`` at ``epsilon`` (Balle & Wang 2018, Thm 8)."""
    a = sensitivity / (2.0 * sigma)
    b = epsilon * sigma / sensitivity
    return float(special.ndtr(a - b) - math.exp(epsilon) * special.ndtr(-a - b))


def calibrate_analytic_gaussian(epsilon: float, delta: float, sensitivity: float) -> float:
    """The smallest sigma whose Gaussian mechanism is (epsilon, delta)-DP (analytic Gaussian).

    Solves the exact privacy profile of Balle & Wang (2018) numerically; valid for every epsilon,
    and tighter than the classic bound.
    """
    epsilon = _check_epsilon(epsilon)
    delta = _check_delta(delta, positive=True)
    sensitivity = _check_sensitivity(sensitivity)
    lo, hi = 1e-6 * sensitivity, sensitivity
    while gaussian_delta(hi, epsilon, sensitivity) > delta:
        hi *= 2.0
    return float(
        optimize.brentq(lambda s: gaussian_delta(s, epsilon, sensitivity) - delta, lo, hi, xtol=1e-12)
    )


class GaussianMechanism:
    """Adds Gaussian noise calibrated to an L2 sensitivity: (epsilon, delta)-DP.

    ``method="analytic"`` (default) uses the exact calibration of Balle & Wang (2018);
    ``method="classic"`` the textbook bound, valid only for epsilon < 1.
    """

    def __init__(self, epsilon: float, delta: float, sensitivity: float, method: str = "analytic") -> None:
        self.epsilon = _check_epsilon(epsilon)
        self.delta = _check_delta(delta, positive=True)
        self.sensitivity = _check_sensitivity(sensitivity)
        if method not in ("analytic", "classic"):
            raise ValueError(f"method must be 'analytic' or 'classic', got {method!r}")
        self.method = method
        if method == "analytic":
            self.sigma = calibrate_analytic_gaussian(self.epsilon, self.delta, self.sensitivity)
        else:
            self.sigma = classic_gaussian_sigma(self.epsilon, self.delta, self.sensitivity)

    @property
    def guarantee(self) -> PrivacyGuarantee:
        return PrivacyGuarantee(self.epsilon, self.delta)

    def randomise(self, value, rng: np.random.Generator | int | None = None):
        """``value`` (scalar or array) plus independent Gaussian noise of std ``sigma``."""
        arr = np.asarray(value, dtype=float)
        noisy = arr + noise_generator(rng).normal(0.0, self.sigma, arr.shape)
        return float(noisy) if noisy.ndim == 0 else noisy


class ExponentialMechanism:
    """Chooses candidate ``i`` with probability proportional to ``exp(epsilon * u_i / (2 * sensitivity))``.

    epsilon-DP when each utility changes by at most ``sensitivity`` between neighbouring datasets.
    """

    def __init__(self, epsilon: float, sensitivity: float) -> None:
        self.epsilon = _check_epsilon(epsilon)
        self.sensitivity = _check_sensitivity(sensitivity)

    @property
    def guarantee(self) -> PrivacyGuarantee:
        return PrivacyGuarantee(self.epsilon, 0.0)

    def probabilities(self, utilities: Sequence[float]) -> np.ndarray:
        """The selection probability of every candidate."""
        u = np.asarray(utilities, dtype=float)
        if u.ndim != 1 or len(u) == 0:
            raise ValueError("utilities must be a non-empty 1-D sequence")
        logits = self.epsilon * u / (2.0 * self.sensitivity)
        w = np.exp(logits - logits.max())
        return w / w.sum()

    def select(self, utilities: Sequence[float], rng: np.random.Generator | int | None = None) -> int:
        """Index of the chosen candidate."""
        p = self.probabilities(utilities)
        return int(noise_generator(rng).choice(len(p), p=p))


class RandomizedResponse:
    """k-ary randomized response: keep the true category with probability e^eps / (e^eps + k - 1),
    otherwise report one of the other ``k - 1`` uniformly. ``k = 2`` is binary randomized response."""

    def __init__(self, epsilon: float, k: int = 2) -> None:
        self.epsilon = _check_epsilon(epsilon)
        self.k = check_int("k", k, minimum=2)

    @property
    def p_keep(self) -> float:
        return math.exp(self.epsilon) / (math.exp(self.epsilon) + self.k - 1)

    @property
    def guarantee(self) -> PrivacyGuarantee:
        return PrivacyGuarantee(self.epsilon, 0.0)

    def randomise(self, values, rng: np.random.Generator | int | None = None) -> np.ndarray:
        """Randomised categories (integers in ``[0, k)``) for each true value."""
        v = np.asarray(values)
        if v.size and (v.min() < 0 or v.max() >= self.k or not np.issubdtype(v.dtype, np.integer)):
            raise ValueError(f"values must be integers in [0, {self.k}), got {values!r}")
        gen = noise_generator(rng)
        keep = gen.random(v.shape) < self.p_keep
        other = (v + gen.integers(1, self.k, v.shape)) % self.k
        return np.where(keep, v, other)

    def estimate_frequencies(self, reports) -> np.ndarray:
        """Unbiased estimate of the true category frequencies from randomised reports."""
        r = np.asarray(reports)
        observed = np.bincount(r, minlength=self.k) / max(len(r), 1)
        q = (1.0 - self.p_keep) / (self.k - 1)
        return (observed - q) / (self.p_keep - q)
