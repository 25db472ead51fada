"""Bounding sensitivity: clip contributions, then release sums and means with calibrated noise.

Sensitivity depends on which datasets count as neighbours, so every release here names its
relation with ``neighbouring``:

* ``"add_remove"``: one dataset has one person more than the other (unbounded DP). The count
  itself is private: it changes by one.
* ``"replace"``: the datasets have the same size and differ in one person's value (bounded DP).
  The count is public.

For values clamped to ``[lower, upper]`` a sum moves by at most ``max(|lower|, |upper|)`` when a
value is added or removed, but by ``upper - lower`` when one is replaced; the two coincide only
when ``lower = 0`` or ``upper = 0``. A guarantee under "add_remove" implies one under "replace"
at twice the epsilon, so the relation must be stated with every epsilon.

Noise: ``sampler="continuous"`` adds float Laplace noise from ``rng`` (a PCG64 generator seeded
from the OS CSPRNG when ``rng`` is None); floats drawn that way leak through the set of doubles
they can produce (Mironov 2012). ``sampler="discrete"`` rounds every clamped value to a grid of
step ``granularity``, releases the integer sum with the exact discrete Laplace sampler of
:mod:`ppml_lab.dp.discrete` (bits from ``secrets``; ``rng`` is not used) and only then scales back,
so nothing secret-dependent ever meets floating point.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ppml_lab._checks import check_choice, check_float
from ppml_lab.dp._random import noise_generator
from ppml_lab.dp.discrete import sample_discrete_laplace
from ppml_lab.dp.mechanisms import LaplaceMechanism

NEIGHBOURING = ("add_remove", "replace")
SAMPLERS = ("continuous", "discrete")


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


def sum_sensitivity(lower: float, upper: float, neighbouring: str = "add_remove") -> float:
    """How far one person moves a sum of values clamped to ``[lower, upper]``.

    ``"add_remove"``: ``max(|lower|, |upper|)`` (the value appears or not); ``"replace"``:
    ``upper - lower`` (the value changes from one end of the range to the other).
    """
    lower, upper = _check_range(lower, upper)
    if check_choice("neighbouring", neighbouring, NEIGHBOURING) == "replace":
        return upper - lower
    return max(abs(lower), abs(upper))


def mean_sensitivity(lower: float, upper: float, n: int) -> float:
    """How far replacing one of ``n`` values in ``[lower, upper]`` moves their mean: ``(upper - lower) / n``.

    Only the "replace" relation has one: under "add_remove" the count is private and changes too.
    """
    lower, upper = _check_range(lower, upper)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    return (upper - lower) / int(n)


def bounded_sum(
    values,
    lower: float,
    upper: float,
    epsilon: float,
    rng=None,
    *,
    neighbouring: str = "add_remove",
    sampler: str = "continuous",
    granularity: float | None = None,
) -> float:
    """epsilon-DP sum of values clamped to ``[lower, upper]`` under the stated ``neighbouring``.

    Laplace noise calibrated to :func:`sum_sensitivity` (``max(|lower|, |upper|)`` for the default
    "add_remove", ``upper - lower`` for "replace"). ``sampler="discrete"`` releases the sum of the
    values rounded to multiples of ``granularity`` (default ``(upper - lower) / 1024``) with exact
    discrete Laplace noise instead of float noise.
    """
    lower, upper = _check_range(lower, upper)
    neighbouring = check_choice("neighbouring", neighbouring, NEIGHBOURING)
    x = np.clip(np.asarray(values, dtype=float), lower, upper)
    if check_choice("sampler", sampler, SAMPLERS) == "discrete":
        g, k, k_lo, k_hi = _on_grid(x, lower, upper, granularity)
        sens = k_hi - k_lo if neighbouring == "replace" else max(abs(k_lo), abs(k_hi))
        return g * (int(k.sum()) + _discrete_laplace(sens, epsilon))
    return LaplaceMechanism(epsilon, sum_sensitivity(lower, upper, neighbouring)).randomise(x.sum(), rng)


def bounded_mean(
    values,
    lower: float,
    upper: float,
    epsilon: float,
    rng=None,
    *,
    neighbouring: str = "replace",
    sampler: str = "continuous",
    granularity: float | None = None,
) -> float:
    """epsilon-DP mean of values clamped to ``[lower, upper]`` under the stated ``neighbouring``.

    ``"replace"`` (default): the count ``n`` is public and replacing one value moves the mean by
    at most ``(upper - lower) / n``, so Laplace noise of that sensitivity is added to the mean.
    ``"add_remove"``: the count is private, so half of epsilon buys a noisy sum of the values
    centred on the middle of the range (sensitivity ``(upper - lower) / 2``), the other half a
    noisy count (sensitivity 1), and the release is their ratio. Either result is clamped to the
    range. ``sampler`` and ``granularity`` as in :func:`bounded_sum`.
    """
    lower, upper = _check_range(lower, upper)
    neighbouring = check_choice("neighbouring", neighbouring, NEIGHBOURING)
    x = np.clip(np.asarray(values, dtype=float), lower, upper)
    if len(x) == 0:
        raise ValueError("values must not be empty")
    discrete = check_choice("sampler", sampler, SAMPLERS) == "discrete"
    if discrete:
        g, k, k_lo, k_hi = _on_grid(x, lower, upper, granularity)
        if neighbouring == "replace":
            mean = g * (int(k.sum()) + _discrete_laplace(k_hi - k_lo, epsilon)) / len(x)
        else:
            mid = (k_lo + k_hi) // 2
            total = int((k - mid).sum()) + _discrete_laplace(max(mid - k_lo, k_hi - mid), epsilon / 2)
            count = len(x) + _discrete_laplace(1, epsilon / 2)
            mean = g * (mid + total / max(count, 1))
    elif neighbouring == "replace":
        mean = LaplaceMechanism(epsilon, mean_sensitivity(lower, upper, len(x))).randomise(x.mean(), rng)
    else:
        gen = noise_generator(rng)
        mid = (lower + upper) / 2
        total = LaplaceMechanism(epsilon / 2, (upper - lower) / 2).randomise((x - mid).sum(), gen)
        count = LaplaceMechanism(epsilon / 2, 1.0).randomise(float(len(x)), gen)
        mean = mid + total / max(count, 1.0)
    return float(np.clip(mean, lower, upper))


def _check_range(lower: float, upper: float) -> tuple[float, float]:
    lower, upper = check_float("lower", lower), check_float("upper", upper)
    if upper <= lower:
        raise ValueError(f"upper must be > lower, got lower={lower}, upper={upper}")
    return lower, upper


def _on_grid(x: np.ndarray, lower: float, upper: float, granularity: float | None):
    """The grid step and the values, ``lower`` and ``upper`` as integer multiples of it."""
    g = (
        (upper - lower) / 1024
        if granularity is None
        else check_float("granularity", granularity, minimum=0.0, maximum=upper - lower, min_inclusive=False)
    )
    k_lo, k_hi = round(lower / g), round(upper / g)
    return g, np.rint(x / g).astype(np.int64), k_lo, k_hi


def _discrete_laplace(sensitivity: int, epsilon: float) -> int:
    """One exact discrete Laplace draw of scale ``sensitivity / epsilon`` (an epsilon-DP integer release).

    A grid so coarse that the sensitivity rounds to 0 is charged 1 (more noise, never less).
    """
    epsilon = check_float("epsilon", epsilon, minimum=0.0, min_inclusive=False)
    return int(sample_discrete_laplace(Fraction(max(int(sensitivity), 1)) / Fraction(epsilon)))
