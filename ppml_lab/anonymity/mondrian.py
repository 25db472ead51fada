"""Mondrian multidimensional k-anonymity (LeFevre, DeWitt & Ramakrishnan, 2006).

Recursively split the table at the median of the quasi-identifier with the widest normalised range,
as long as both halves keep at least k records (and, if asked, stay l-diverse in the sensitive
attribute). Each final partition becomes an equivalence class whose numeric quasi-identifiers are
generalised to their range ("30-39") and categorical ones to the set of values it holds ("{F,M}"),
or to a common ancestor when a generalisation hierarchy is given.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ppml_lab._checks import check_int
from ppml_lab.anonymity.kanon import _check_quasi_identifiers


def _format_range(lo, hi) -> str:
    fmt = (
        (lambda v: f"{int(v)}")
        if float(lo).is_integer() and float(hi).is_integer()
        else (lambda v: f"{v:.4g}")
    )
    return fmt(lo) if lo == hi else f"{fmt(lo)}-{fmt(hi)}"


def mondrian(
    df: pd.DataFrame,
    quasi_identifiers: Sequence[str],
    k: int,
    *,
    sensitive: str | None = None,
    l: int | None = None,
    hierarchies: dict[str, dict[str, str]] | None = None,
) -> pd.DataFrame:
    """A k-anonymous copy of ``df`` (row order kept) with generalised quasi-identifiers.

    ``l`` with ``sensitive``: also require at least l distinct sensitive values per class.
    ``hierarchies``: for a categorical column, a child -> parent map used to name a class's values by
    their lowest common ancestor (e.g. ZIP code -> 3-digit prefix -> region).
    """
    qis = _check_quasi_identifiers(df, quasi_identifiers)
    k = check_int("k", k, minimum=1)
    if len(df) < k:
        raise ValueError(f"k must be <= the number of rows ({len(df)}), got {k}")
    if l is not None:
        if sensitive is None or sensitive not in df.columns:
            raise ValueError("l needs the sensitive column (sensitive=...) present in the table")
        check_int("l", l, minimum=1)
        if df[sensitive].nunique() < l:
            raise ValueError(
                f"l must be <= the number of distinct sensitive values ({df[sensitive].nunique()})"
            )
    numeric = {q: pd.api.types.is_numeric_dtype(df[q]) for q in qis}
    codes = {}
    for q in qis:
        if numeric[q]:
            codes[q] = df[q].to_numpy(dtype=float)
        else:  # categorical: order values by frequency so a median split groups similar-sized sets
            cats = df[q].astype(str)
            order = cats.value_counts().index.tolist()
            codes[q] = cats.map({v: i for i, v in enumerate(order)}).to_numpy(dtype=float)
    span = {q: max(codes[q].max() - codes[q].min(), 1e-12) for q in qis}
    sens = pd.factorize(df[sensitive])[0] if l is not None else None

    def allowed(idx: np.ndarray) -> bool:
        return len(idx) >= k and (sens is None or len(np.unique(sens[idx])) >= l)

    partitions: list[np.ndarray] = []
    stack = [np.arange(len(df))]
    while stack:
        idx = stack.pop()
        widths = sorted(qis, key=lambda q: -(codes[q][idx].max() - codes[q][idx].min()) / span[q])
        for q in widths:
            vals = codes[q][idx]
            if vals.max() == vals.min():
                continue
            median = np.median(vals)
            left = idx[vals <= median]
            right = idx[vals > median]
            if len(right) == 0:  # many values equal to the median: split just below it instead
                left, right = idx[vals < median], idx[vals >= median]
            if allowed(left) and allowed(right):
                stack.extend([left, right])
                break
        else:
            partitions.append(idx)

    out = df.copy()
    for q in qis:
        out[q] = out[q].astype(object)
    col = {q: df[q].to_numpy() for q in qis}
    for idx in partitions:
        for q in qis:
            vals = col[q][idx]
            if numeric[q]:
                label = _format_range(np.min(vals), np.max(vals))
            else:
                uniq = sorted(set(map(str, vals)))
                label = _generalise(uniq, (hierarchies or {}).get(q))
            out.iloc[idx, out.columns.get_loc(q)] = label
    return out


def _generalise(values: list[str], hierarchy: dict[str, str] | None) -> str:
    if len(values) == 1:
        return values[0]
    if hierarchy:

        def ancestors(v):
            chain = [v]
            while chain[-1] in hierarchy:
                chain.append(hierarchy[chain[-1]])
            return chain

        common = set(ancestors(values[0]))
        for v in values[1:]:
            common &= set(ancestors(v))
        if common:
            # the lowest common ancestor: the first in the first value's chain that all share
            return next(a for a in ancestors(values[0]) if a in common)
    return "{" + ",".join(values) + "}"


def discernibility(df: pd.DataFrame, quasi_identifiers: Sequence[str]) -> int:
    """Sum over classes of class size squared: each record is charged the size of its class."""
    sizes = df.groupby(list(quasi_identifiers), observed=True, dropna=False).size()
    return int((sizes**2).sum())


def _range_width(label: str) -> float:
    """Width of a generalised numeric label "lo-hi" (0 for an exact value)."""
    if "-" not in label[1:]:
        return 0.0
    cut = label.index("-", 1)
    return float(label[cut + 1 :]) - float(label[:cut])


def normalized_certainty_penalty(
    original: pd.DataFrame, released: pd.DataFrame, quasi_identifiers: Sequence[str]
) -> float:
    """Average over records and quasi-identifiers of the share of the domain a generalised value covers
    (0 = no generalisation, 1 = fully suppressed)."""
    penalties = []
    for q in quasi_identifiers:
        rel = released[q].astype(str)
        if pd.api.types.is_numeric_dtype(original[q]):
            domain = float(original[q].max() - original[q].min()) or 1.0
            penalties.append(rel.map(_range_width).to_numpy() / domain)
        else:
            m = original[q].nunique()
            per_class = original.groupby(rel.to_numpy(), observed=True)[q].nunique()
            penalties.append((per_class.reindex(rel.to_numpy()).to_numpy() - 1) / max(m - 1, 1))
    return float(np.mean(np.column_stack(penalties)))
