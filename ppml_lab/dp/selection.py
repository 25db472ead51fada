"""Private selection: report-noisy-max and AboveThreshold (the sparse vector technique).

Both answer "which one?" rather than "how much?" and pay for the choice only:

* **report-noisy-max** (Dwork & Roth 2014, Claim 3.9): add independent ``Laplace(1/epsilon)`` noise
  to every count (counting queries, sensitivity 1) and report only the index of the largest noisy
  count: epsilon-DP however many candidates there are.
* **AboveThreshold** (Dwork & Roth 2014, Algorithm 1): noise the threshold once with
  ``Laplace(2/epsilon)``, each sensitivity-1 query with fresh ``Laplace(4/epsilon)``, and stop at the
  first query whose noisy value reaches the noisy threshold: epsilon-DP for an unbounded stream of
  queries answered "below" before it.

The ``*_probabilities`` functions give each outcome's exact probability by numerical integration,
the reference the samplers' distributions are tested against.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import integrate

from ppml_lab._checks import check_float
from ppml_lab.dp._random import noise_generator

__all__ = ["above_threshold", "above_threshold_probabilities", "report_noisy_max", "report_noisy_max_probabilities"]


def _values(name: str, values: Sequence[float]) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be a non-empty 1-D sequence of finite numbers, got {values!r}")
    return arr


def _epsilon(epsilon: float) -> float:
    return check_float("epsilon", epsilon, minimum=0.0, min_inclusive=False)


def _lap_cdf(x: float, scale: float) -> float:
    return 0.5 * np.exp(x / scale) if x < 0 else 1.0 - 0.5 * np.exp(-x / scale)


def _lap_pdf(x: float, scale: float) -> float:
    return np.exp(-abs(x) / scale) / (2.0 * scale)


def report_noisy_max(counts: Sequence[float], epsilon: float, rng: np.random.Generator | int | None = None) -> int:
    """Index of the largest count after independent ``Laplace(1/epsilon)`` noise on each (epsilon-DP)."""
    c = _values("counts", counts)
    noisy = c + noise_generator(rng).laplace(0.0, 1.0 / _epsilon(epsilon), c.shape)
    return int(np.argmax(noisy))


def report_noisy_max_probabilities(counts: Sequence[float], epsilon: float) -> np.ndarray:
    """The probability that report-noisy-max returns each index: for candidate ``i``,
    ``P(i) = integral of f_i(x) * prod_{j != i} F_j(x) dx`` with ``f``, ``F`` the Laplace density and CDF
    centred on each count."""
    c = _values("counts", counts)
    b = 1.0 / _epsilon(epsilon)
    lo, hi = c.min() - 60.0 * b, c.max() + 60.0 * b
    probs = []
    for i in range(len(c)):
        others = np.delete(c, i)

        def density(x: float, i: int = i, others: np.ndarray = others) -> float:
            return _lap_pdf(x - c[i], b) * float(np.prod([_lap_cdf(x - o, b) for o in others]))

        value, _ = integrate.quad(density, lo, hi, points=sorted(set(c.tolist())), limit=500, epsabs=1e-13)
        probs.append(value)
    p = np.array(probs)
    return p / p.sum()


def above_threshold(
    queries: Sequence[float], threshold: float, epsilon: float, rng: np.random.Generator | int | None = None
) -> int | None:
    """Index of the first query whose noisy value reaches the noisy threshold, or ``None`` (epsilon-DP).

    The threshold gets ``Laplace(2/epsilon)`` noise once; every query fresh ``Laplace(4/epsilon)``."""
    q = _values("queries", queries)
    eps = _epsilon(epsilon)
    gen = noise_generator(rng)
    noisy_threshold = float(threshold) + gen.laplace(0.0, 2.0 / eps)
    for i, value in enumerate(q):
        if value + gen.laplace(0.0, 4.0 / eps) >= noisy_threshold:
            return i
    return None


def above_threshold_probabilities(queries: Sequence[float], threshold: float, epsilon: float) -> np.ndarray:
    """Probabilities of AboveThreshold's outcomes: entry ``i`` for "query i is the first above", the last
    entry (index ``len(queries)``) for "none is above". Given the noisy threshold ``t``, the queries'
    noise is independent, so ``P(i) = integral of p_T(t) * prod_{j<i} F(t - q_j) * (1 - F(t - q_i)) dt``."""
    q = _values("queries", queries)
    eps = _epsilon(epsilon)
    bt, bq = 2.0 / eps, 4.0 / eps
    t0 = float(threshold)

    def outcome(i: int, t: float) -> float:
        below = float(np.prod([_lap_cdf(t - v, bq) for v in q[:i]]))
        return below if i == len(q) else below * (1.0 - _lap_cdf(t - q[i], bq))

    lo, hi = min(t0, q.min()) - 60.0 * bq, max(t0, q.max()) + 60.0 * bq
    probs = [
        integrate.quad(lambda t, i=i: _lap_pdf(t - t0, bt) * outcome(i, t), lo, hi,
                       points=sorted({t0, *q.tolist()}), limit=500, epsabs=1e-13)[0]
        for i in range(len(q) + 1)
    ]
    p = np.array(probs)
    return p / p.sum()
