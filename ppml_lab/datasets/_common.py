"""Helpers shared by the generators: design matrices and splits (NumPy and pandas only)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ppml_lab._checks import check_float, check_int


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, computed without overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def intercept_for_rate(logits: np.ndarray, rate: float) -> float:
    """The intercept that makes the mean of ``sigmoid(logits + b)`` equal ``rate`` (bisection)."""
    lo, hi = -30.0, 30.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if sigmoid(logits + mid).mean() < rate:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def design_matrix(
    df: pd.DataFrame, numeric: list[str], categorical: list[str], *, standardize: bool = True
) -> tuple[np.ndarray, list[str]]:
    """Numeric columns (standardized) followed by one-hot categoricals (first level dropped)."""
    missing = [c for c in [*numeric, *categorical] if c not in df.columns]
    if missing:
        raise ValueError(f"df is missing the columns {missing}")
    blocks, names = [], []
    num = df[numeric].to_numpy(dtype=np.float64)
    if standardize and len(num):
        std = num.std(axis=0)
        num = (num - num.mean(axis=0)) / np.where(std > 0, std, 1.0)
    blocks.append(num)
    names.extend(numeric)
    for col in categorical:
        cat = df[col].astype("category")
        for level in list(cat.cat.categories)[1:]:
            blocks.append((cat == level).to_numpy(dtype=np.float64)[:, None])
            names.append(f"{col}={level}")
    return np.hstack(blocks), names


def train_test_split_arrays(
    X: np.ndarray, y: np.ndarray, test_fraction: float = 0.25, seed: int = 0, stratify: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split ``(X, y)`` into train and test parts, stratified by label by default."""
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    test_fraction = check_float(
        "test_fraction", test_fraction, minimum=0.0, maximum=1.0, min_inclusive=False, max_inclusive=False
    )
    check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if stratify else [np.arange(len(y))]
    test = []
    for idx in groups:
        idx = rng.permutation(idx)
        test.extend(idx[: int(round(test_fraction * len(idx)))])
    mask = np.zeros(len(y), dtype=bool)
    mask[test] = True
    return X[~mask], X[mask], y[~mask], y[mask]
