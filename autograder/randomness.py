"""Checks for randomized answers: use of the ``rng`` argument, independence, and the distribution.

A randomized answer (a noisy sum, a sampled mask) cannot be compared with one expected value; it is
tested as a distribution with stated tolerances:

* ``assert_rng_respected``: the same seed gives the same output and different seeds different ones
  (so the answer draws from the generator it is given, not from a fixed or global one);
* ``assert_uncorrelated``: coordinates that must get independent noise are not correlated;
* ``assert_distribution``: a Kolmogorov-Smirnov test against the expected CDF;
* ``assert_discrete_distribution``: a chi-square goodness-of-fit test for discrete outputs.

Every check fails with an ``AssertionError`` that says what was measured and what was expected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np


def _as_args(made: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    if isinstance(made, dict):
        return (), dict(made)
    if isinstance(made, tuple) and len(made) == 2 and isinstance(made[1], dict) and isinstance(made[0], tuple):
        return made[0], dict(made[1])
    if isinstance(made, tuple):
        return made, {}
    return (made,), {}


def assert_rng_respected(
    fn: Callable[..., Any],
    make_args: Callable[[int], Any],
    *,
    seeds: Sequence[int] = (20_240_901, 20_240_902),
    kind: str = "array",
    name: str = "the answer",
) -> Any:
    """Check that ``fn`` draws its randomness from the generator it is given.

    ``make_args(seed)`` builds the arguments of one call, including a fresh generator made from
    ``seed`` (for example ``lambda s: (x, np.random.default_rng(s))``); it returns a tuple of
    positional arguments, a dict of keyword arguments, or ``(args, kwargs)``. ``fn`` is called twice
    with ``seeds[0]`` (the outputs must be identical) and once with ``seeds[1]`` (the output must
    differ). Outputs are turned into plain values of ``kind`` first (see ``as_plain``). Returns the
    output of the first call.
    """
    from autograder.checks import as_plain

    if len(seeds) != 2 or seeds[0] == seeds[1]:
        raise ValueError(f"seeds must be two different integers, got {seeds!r}")

    def run(seed: int) -> Any:
        args, kwargs = _as_args(make_args(seed))
        return as_plain(fn(*args, **kwargs), kind, name=name)

    first, again, other = run(seeds[0]), run(seeds[0]), run(seeds[1])
    if not _identical(first, again):
        raise AssertionError(
            f"{name} changes between two calls with generators made from the same seed: draw every "
            "random number from the rng argument (not from np.random or a generator of your own)"
        )
    if _identical(first, other):
        raise AssertionError(
            f"{name} is the same for generators made from different seeds: the randomness must come "
            "from the rng argument"
        )
    return first


def _identical(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if hasattr(a, "equals") and type(a) is type(b):  # pandas
        return bool(a.equals(b))
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    return bool(a == b)


def _samples(samples: Any, ndim: int, what: str) -> np.ndarray:
    from autograder.checks import as_plain

    arr = as_plain(samples, "array", dtype=float, name=what)
    if arr.ndim != ndim:
        raise AssertionError(f"{what} must be a {ndim}-dimensional array; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise AssertionError(f"{what} holds NaN or infinite values")
    return arr


def assert_uncorrelated(samples: Any, max_abs_corr: float, *, name: str = "the noise") -> np.ndarray:
    """Every off-diagonal correlation of ``samples`` (shape ``(trials, d)``, one row per independent
    run, one column per coordinate) is at most ``max_abs_corr`` in absolute value; returns the
    correlation matrix. Pick the bound from the number of trials: for independent coordinates the
    sample correlation has standard deviation about ``1/sqrt(trials)``, so ``5/sqrt(trials)`` fails
    an honest answer with negligible probability at a fixed seed."""
    arr = _samples(samples, 2, "the samples")
    trials, d = arr.shape
    if d < 2 or trials < 3:
        raise ValueError(f"samples must have at least 3 rows and 2 columns, got shape {arr.shape}")
    spread = arr.std(axis=0)
    if np.any(spread == 0):
        j = int(np.flatnonzero(spread == 0)[0])
        raise AssertionError(f"{name} does not vary in coordinate {j} across {trials} runs: it is not random")
    corr = np.corrcoef(arr, rowvar=False)
    off = np.abs(corr - np.diag(np.diag(corr)))
    i, j = np.unravel_index(int(np.argmax(off)), off.shape)
    if off[i, j] > max_abs_corr:
        raise AssertionError(
            f"{name} is correlated across coordinates: corr(coordinate {i}, coordinate {j}) = "
            f"{corr[i, j]:+.3f} over {trials} runs (at most {max_abs_corr:.3f} allowed); every coordinate "
            "needs noise of its own"
        )
    return corr


def assert_distribution(
    samples: Any, cdf: Callable[[np.ndarray], Any] | Any, *, alpha: float = 1e-3, name: str = "the samples"
) -> float:
    """A one-sample Kolmogorov-Smirnov test of ``samples`` against ``cdf`` (a function, or a frozen
    SciPy distribution); fails when the p-value is below ``alpha``. Returns the p-value. With a
    fixed seed the outcome is deterministic; ``alpha`` bounds how often a correct sampler would fail
    over seeds."""
    from scipy import stats

    arr = _samples(samples, 1, name)
    if arr.size < 20:
        raise ValueError(f"a KS test needs at least 20 samples, got {arr.size}")
    fn = cdf.cdf if hasattr(cdf, "cdf") else cdf
    result = stats.kstest(arr, fn)
    if result.pvalue < alpha:
        raise AssertionError(
            f"{name} do not follow the expected distribution: Kolmogorov-Smirnov statistic "
            f"{result.statistic:.4f} over {arr.size} samples, p = {result.pvalue:.2g} < {alpha:g}"
        )
    return float(result.pvalue)


def assert_discrete_distribution(
    samples: Any,
    probabilities: Mapping[Any, float] | Sequence[float],
    *,
    alpha: float = 1e-3,
    name: str = "the samples",
) -> float:
    """A chi-square goodness-of-fit test of discrete ``samples`` against ``probabilities`` (a mapping
    value -> probability, or a sequence giving the probabilities of 0, 1, 2, ...). A sample outside
    the support fails at once. Values expected fewer than 5 times are pooled into one bin, as the
    test's approximation needs. Returns the p-value."""
    from scipy import stats

    from autograder.checks import as_plain

    probs = dict(probabilities) if isinstance(probabilities, Mapping) else dict(enumerate(probabilities))
    total_p = float(sum(probs.values()))
    if not np.isclose(total_p, 1.0, atol=1e-9):
        raise ValueError(f"probabilities must sum to 1, got {total_p}")
    arr = as_plain(samples, "array", name=name).ravel()
    values = arr.tolist()
    counts = dict.fromkeys(probs, 0)
    for v in values:
        if v not in counts:
            raise AssertionError(f"{name} include {v!r}, a value the distribution never takes")
        counts[v] += 1
    n = len(values)
    keys = sorted(probs, key=lambda k: probs[k], reverse=True)
    observed, expected, pool_o, pool_e = [], [], 0, 0.0
    for k in keys:
        if probs[k] * n >= 5:
            observed.append(counts[k])
            expected.append(probs[k] * n)
        else:
            pool_o += counts[k]
            pool_e += probs[k] * n
    if pool_e > 0:
        observed.append(pool_o)
        expected.append(pool_e)
    if len(observed) < 2:
        raise ValueError("a chi-square test needs at least two bins expected 5 or more times: draw more samples")
    result = stats.chisquare(observed, expected)
    if result.pvalue < alpha:
        raise AssertionError(
            f"{name} do not follow the expected distribution: chi-square {result.statistic:.2f} over "
            f"{len(observed)} bins and {n} samples, p = {result.pvalue:.2g} < {alpha:g}"
        )
    return float(result.pvalue)
