"""Bounding sensitivity: clip contributions, then release sums and means with calibrated noise."""

from __future__ import annotations

import numpy as np

from ppml_lab._checks import check_float
from ppml_lab.dp._random import noise_generator
from ppml_lab.dp.mechanisms import LaplaceMechanism


def clip_l2(vectors, max_norm: float) -> np.ndarray:
    """Scale each row down to L2 norm at most ``max_norm`` (rows already inside are unchanged)."""
    max_norm = check_float("max_norm", max_norm, minimum=0.0, min_inclusive=False)
    v = np.atleast_2d(np.asarray(vectors, dtype=float))
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return v * np.minimum(1.0, max_norm / np.maximum(norms, 1e-300))


def clip_l1(vectors, max_norm: float) -> np.ndarray:
    """Scale each row down to L1 norm at most ``max_norm``."""
    max_norm = check_float("max_norm", max_norm, minimum=0.0, min_inclusive=False)
    v = np.atleast_2d(np.asarray(vectors, dtype=float))
    norms = np.abs(v).sum(axis=1, keepdims=True)
    return v * np.minimum(1.0, max_norm / np.maximum(norms, 1e-300))


def bounded_sum(values, lower: float, upper: float, epsilon: float, rng=None) -> float:
    """epsilon-DP sum of values clamped to ``[lower, upper]`` (sensitivity ``max(|lower|, |upper|)``)."""
    lower, upper = check_float("lower", lower), check_float("upper", upper)
    if upper <= lower:
        raise ValueError(f"upper must be > lower, got lower={lower}, upper={upper}")
    x = np.clip(np.asarray(values, dtype=float), lower, upper)
    return LaplaceMechanism(epsilon, max(abs(lower), abs(upper))).randomise(x.sum(), rng)


def bounded_mean(values, lower: float, upper: float, epsilon: float, rng=None) -> float:
    """epsilon-DP mean of values clamped to ``[lower, upper]``, the count treated as public.

    Replacing one value moves the clamped mean by at most ``(upper - lower) / n``.
    """
    lower, upper = check_float("lower", lower), check_float("upper", upper)
    if upper <= lower:
        raise ValueError(f"upper must be > lower, got lower={lower}, upper={upper}")
    x = np.clip(np.asarray(values, dtype=float), lower, upper)
    if len(x) == 0:
        raise ValueError("values must not be empty")
    mech = LaplaceMechanism(epsilon, (upper - lower) / len(x))
    return float(np.clip(mech.randomise(x.mean(), noise_generator(rng)), lower, upper))
