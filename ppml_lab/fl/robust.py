"""Robust aggregation: combine client models so that a minority of poisoned ones cannot steer the result.

FedAvg's weighted mean moves as far as the largest update pushes it: one hospital that sends a model
scaled by 20 decides the average. The rules here look at the updates coordinate by coordinate, or as
points, and leave outliers out (all unweighted: a poisoner could lie about its number of examples):

* :func:`coordinate_median` — the median of each coordinate over the clients (for an even number of
  clients, the mean of the two middle values, as ``np.median``);
* :func:`trimmed_mean` — per coordinate, drop the ``floor(beta * n)`` smallest and largest values and
  average the rest (Yin et al. 2018);
* :func:`krum` — the one client model whose ``n - f - 2`` nearest other models are closest to it
  (sum of squared Euclidean distances; Blanchard et al. 2017), ties to the lowest client index.

Server momentum (FedAvgM) is none of these: it smooths the mean over rounds and follows a poisoner.
All rules need to see individual updates, so they do not combine with secure aggregation.
"""

from __future__ import annotations

import math

import numpy as np

from ppml_lab._checks import check_choice, check_float, check_int
from ppml_lab.fl.parameters import Parameters

RULES = ("median", "trimmed_mean", "krum")


def _stacked(updates: list[Parameters]) -> list[np.ndarray]:
    """Array i of every client, stacked along a new first axis (float64), after checking the shapes."""
    if not updates:
        raise ValueError("updates must not be empty")
    n_arrays = len(updates[0])
    for k, u in enumerate(updates):
        if len(u) != n_arrays:
            raise ValueError(f"updates[{k}] has {len(u)} arrays, updates[0] has {n_arrays}")
    out = []
    for i in range(n_arrays):
        shapes = {np.shape(u[i]) for u in updates}
        if len(shapes) != 1:
            raise ValueError(f"updates disagree on the shape of array {i}: {sorted(shapes)}")
        out.append(np.stack([np.asarray(u[i], dtype=np.float64) for u in updates]))
    return out


def coordinate_median(updates: list[Parameters]) -> Parameters:
    """Coordinate-wise median of the client models (even count: mean of the two middle values)."""
    return [np.median(s, axis=0) for s in _stacked(updates)]


def trimmed_mean(updates: list[Parameters], beta: float) -> Parameters:
    """Coordinate-wise mean after dropping the ``floor(beta * n)`` smallest and largest values."""
    beta = check_float("beta", beta, minimum=0.0, maximum=0.5, max_inclusive=False)
    stacked = _stacked(updates)
    n = len(updates)
    cut = math.floor(beta * n)
    return [np.sort(s, axis=0)[cut : n - cut].mean(axis=0) for s in stacked]


def krum_scores(updates: list[Parameters], f: int) -> np.ndarray:
    """Krum score of every client: the sum of its squared distances to its ``n - f - 2`` nearest others."""
    f = check_int("f", f, minimum=0)
    n = len(updates)
    k = n - f - 2
    if k < 1:
        raise ValueError(f"krum needs n - f - 2 >= 1 (n = {n} clients, f = {f})")
    flat = np.concatenate([s.reshape(n, -1) for s in _stacked(updates)], axis=1)
    d = ((flat[:, None, :] - flat[None, :, :]) ** 2).sum(-1)
    others = [np.sort(np.delete(d[i], i))[:k] for i in range(n)]
    return np.array([float(o.sum()) for o in others])


def krum(updates: list[Parameters], f: int) -> Parameters:
    """The client model with the lowest Krum score (ties: the lowest client index), as a copy."""
    best = int(np.argmin(krum_scores(updates, f)))
    return [np.asarray(a, dtype=np.float64).copy() for a in updates[best]]


def robust_aggregate(updates: list[Parameters], rule: str, *, beta: float = 0.2, f: int = 1) -> Parameters:
    """Aggregate ``updates`` with ``rule`` (``"median"``, ``"trimmed_mean"`` with ``beta``, ``"krum"`` with ``f``)."""
    rule = check_choice("rule", rule, RULES)
    if rule == "median":
        return coordinate_median(updates)
    if rule == "trimmed_mean":
        return trimmed_mean(updates, beta)
    return krum(updates, f)
