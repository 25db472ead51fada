"""Checks shared by the federated-learning and telemetry lessons (05, 07).

* ``as_param_list`` turns a learner's list of parameter arrays into plain float arrays of the expected
  shapes (``as_plain`` for each one), before any comparison;
* ``assert_params_close`` compares two such lists array by array with a stated tolerance;
* ``assert_frequencies`` is a chi-square goodness-of-fit test of discrete reports, computed with
  NumPy and ``math`` only (both restored by the grader's guard before every test cell), so patching a
  statistics library cannot make it pass.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograder.values import as_plain

# The standard normal quantile at 1 - 1e-4: the chi-square tests below fail an honest answer with
# probability about 1e-4 per test at a fixed seed.
_Z_1E4 = 3.719016485455709


def as_param_list(value: Any, like: Sequence[Any], *, name: str = "the answer") -> list[np.ndarray]:
    """``value`` as a list of plain float arrays, one per array of ``like`` and with its shape.

    A list or tuple is accepted (of NumPy arrays, or anything ``as_plain`` reads as an array); an
    object of any other type, a subclass, a wrong length or a wrong shape fails with a message.
    """
    if type(value) not in (list, tuple):
        as_plain(value, list, name=name)  # refuses disguises and says what was expected
    if len(value) != len(like):
        raise AssertionError(f"{name} must hold {len(like)} arrays, one per parameter array; got {len(value)}")
    out = []
    for i, (got, want) in enumerate(zip(value, like, strict=True)):
        shape = tuple(np.shape(want))
        out.append(as_plain(got, "array", dtype=float, shape=shape, name=f"{name}[{i}]"))
    return out


def assert_params_close(got: Sequence[np.ndarray], want: Sequence[Any], *, atol: float, name: str = "the answer") -> None:
    """Every array of ``got`` (plain, from ``as_param_list``) is within ``atol`` of ``want``'s."""
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        w = np.asarray(w, dtype=float)
        worst = float(np.max(np.abs(g - w))) if w.size else 0.0
        if not worst <= atol:
            raise AssertionError(f"{name}[{i}] is off by up to {worst:.3g} (tolerance {atol:g})")


def chi_square_critical(dof: int) -> float:
    """The 1 - 1e-4 quantile of a chi-square distribution with ``dof`` degrees of freedom, by the
    Wilson-Hilferty approximation (within 1% of the exact quantile from 2 degrees of freedom on)."""
    if dof < 1:
        raise ValueError(f"dof must be at least 1, got {dof}")
    h = 2.0 / (9.0 * dof)
    return dof * (1.0 - h + _Z_1E4 * math.sqrt(h)) ** 3


def assert_frequencies(samples: Any, probabilities: Sequence[float], *, name: str = "the reports") -> float:
    """Chi-square goodness of fit of integer ``samples`` against ``probabilities`` of 0, 1, 2, ...

    A sample outside ``0 .. len(probabilities)-1`` fails at once; values expected fewer than 5 times
    are pooled. Fails when the statistic exceeds the 1 - 1e-4 quantile (p < 1e-4); returns it.
    """
    arr = as_plain(samples, "array", dtype="int64", name=name).ravel()
    probs = np.asarray(probabilities, dtype=float)
    if probs.ndim != 1 or abs(float(probs.sum()) - 1.0) > 1e-9 or np.any(probs < 0):
        raise ValueError(f"probabilities must be a 1-D distribution summing to 1, got {probabilities!r}")
    if arr.size and (int(arr.min()) < 0 or int(arr.max()) >= probs.size):
        bad = int(arr.min()) if int(arr.min()) < 0 else int(arr.max())
        raise AssertionError(f"{name} include {bad}, a value outside 0 .. {probs.size - 1}")
    counts = np.bincount(arr, minlength=probs.size).astype(float)
    expected = probs * arr.size
    big = expected >= 5
    observed = list(counts[big])
    wanted = list(expected[big])
    if np.any(~big) and expected[~big].sum() > 0:
        observed.append(float(counts[~big].sum()))
        wanted.append(float(expected[~big].sum()))
    if len(observed) < 2:
        raise ValueError("a chi-square test needs at least two bins expected 5 or more times: draw more samples")
    stat = float(sum((o - e) ** 2 / e for o, e in zip(observed, wanted, strict=True)))
    limit = chi_square_critical(len(observed) - 1)
    if not stat <= limit:
        shares = ", ".join(f"{c / max(arr.size, 1):.3f}" for c in counts)
        raise AssertionError(
            f"{name} do not follow the expected distribution: chi-square {stat:.1f} > {limit:.1f} "
            f"(p < 1e-4) over {arr.size} samples; observed shares {shares}, expected "
            + ", ".join(f"{p:.3f}" for p in probs)
        )
    return stat


def masked_vectors(fn: Any, reference: Any, xs: Sequence[Any], seeds: Sequence[dict], bits: int, *,
                   allowed: Sequence[Any] = ()) -> list[np.ndarray]:
    """What each client of a secure-aggregation round sends: ``fn(x_i, i, seeds[i], bits)`` for every
    client, called through ``assert_own_implementation`` on copies, as plain ``uint64`` arrays of the
    inputs' shapes with every entry in ``[0, 2^bits)``."""
    from autograder.checks import assert_own_implementation

    out = []
    for i, x in enumerate(xs):
        name = f"what client {i} sends"
        y = assert_own_implementation(fn, reference, np.array(x, copy=True), i, dict(seeds[i]), bits, allowed=allowed)
        y = as_plain(y, "array", dtype="uint64", shape=np.shape(x), name=name)
        if y.size and int(y.max()) >= 2**bits:
            raise AssertionError(f"{name} holds {int(y.max())}, not a value in [0, 2^{bits}): reduce modulo 2^bits")
        out.append(y)
    return out


def assert_not_revealed(xs: Sequence[np.ndarray], ys: Sequence[np.ndarray], *, max_equal: float = 0.01,
                        what: str = "its update") -> None:
    """No client's message ``ys[i]`` shows ``xs[i]``: at most ``max_equal`` of its coordinates are equal."""
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        same = float(np.mean(np.asarray(x) == np.asarray(y))) if np.size(x) else 0.0
        if same > max_equal:
            raise AssertionError(
                f"what client {i} sends equals {what} in {same:.0%} of its coordinates: the server would see it"
            )
