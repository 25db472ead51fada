"""Mondrian multidimensional k-anonymity (LeFevre, DeWitt & Ramakrishnan, 2006).

Recursively split the table at the median of the quasi-identifier with the widest normalised range,
as long as both halves keep at least k records (and, if asked, stay l-diverse or t-close in the
sensitive attribute). Each final partition becomes an equivalence class whose numeric
quasi-identifiers are generalised to their range ("30-39") and categorical ones to the set of values
it holds ("{F,M}"), or to a common ancestor when a generalisation hierarchy is given.

Categorical values are split in a fixed order in which neighbours belong together: the hierarchy's
order when one is given (siblings side by side), the categories' order for an ordered categorical,
and otherwise sorted order, which keeps codes with a common prefix (ZIP codes) contiguous.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ppml_lab._checks import check_float, check_int
from ppml_lab.anonymity.kanon import _check_quasi_identifiers


def _format_number(v) -> str:
    """Shortest text that reads back as exactly ``v``, never in exponent notation (so "-" only
    ever separates a range or signs a number, and a range always contains its members)."""
    v = float(v)
    return f"{int(v)}" if v.is_integer() else np.format_float_positional(v, trim="-")


def _format_range(lo, hi) -> str:
    return _format_number(lo) if lo == hi else f"{_format_number(lo)}-{_format_number(hi)}"


def _category_order(column: pd.Series, hierarchy: dict[str, str] | None) -> list[str]:
    """The order in which a categorical quasi-identifier's values are split (see the module docstring)."""
    values = sorted(set(column.astype(str)))
    if hierarchy:  # root first: values under one ancestor sort together
        return sorted(values, key=lambda v: tuple(reversed(_ancestors(v, hierarchy))))
    if isinstance(column.dtype, pd.CategoricalDtype) and column.dtype.ordered:
        present = set(values)
        return [str(c) for c in column.dtype.categories if str(c) in present]
    return values


def _emd_to(overall: np.ndarray, ordered: bool):
    """EMD from a class's value counts to the table's distribution ``overall`` (see :mod:`.diversity`)."""
    m = len(overall)

    def emd(counts: np.ndarray) -> float:
        diff = counts / counts.sum() - overall
        if not ordered:
            return float(0.5 * np.abs(diff).sum())
        return float(np.abs(np.cumsum(diff))[:-1].sum() / (m - 1)) if m > 1 else 0.0

    return emd


def _median_side(vals: np.ndarray) -> np.ndarray:
    """Which values go to the left half of a median cut: those <= the median (``np.median``, the mean of
    the two middle values for an even count), or those < it when that would leave the right half empty
    (the median is the largest value)."""
    median = np.median(vals)
    left = vals <= median
    return vals < median if left.all() else left


def median_cut(
    partition: pd.DataFrame,
    quasi_identifiers: Sequence[str],
    k: int,
    domain: dict[str, float],
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """One step of :func:`mondrian` on numeric quasi-identifiers: split ``partition`` in two at a median.

    The quasi-identifiers are tried widest first, width being the partition's range (max - min) divided
    by ``domain[q]``, the width of the whole table's range of ``q`` (so years and euros compare); equal
    widths keep the order of ``quasi_identifiers``, and a column holding one value is never cut. The
    first cut whose halves both keep at least ``k`` rows is returned as ``(left, right)``, rows in the
    partition's order with its index (left: values <= the median, or < it when the median is the
    largest value); None when no quasi-identifier can be cut so.
    """
    qis = _check_quasi_identifiers(partition, quasi_identifiers)
    k = check_int("k", k, minimum=1)
    for q in qis:
        if not pd.api.types.is_numeric_dtype(partition[q]):
            raise ValueError(f"quasi_identifiers must be numeric columns; {q!r} is {partition[q].dtype}")
        if q not in domain or not float(domain[q]) > 0:
            raise ValueError(f"domain must give a positive range width for {q!r}, got {domain.get(q)!r}")
    if len(partition) == 0:
        return None
    values = {q: partition[q].to_numpy(dtype=float) for q in qis}
    widths = {q: (values[q].max() - values[q].min()) / float(domain[q]) for q in qis}
    for q in sorted(qis, key=lambda q: -widths[q]):  # a stable sort: ties keep the given order
        if widths[q] == 0:
            continue
        goes_left = _median_side(values[q])
        if goes_left.sum() >= k and (~goes_left).sum() >= k:
            return partition[goes_left], partition[~goes_left]
    return None


def mondrian(
    df: pd.DataFrame,
    quasi_identifiers: Sequence[str],
    k: int,
    *,
    sensitive: str | None = None,
    l: int | None = None,
    t: float | None = None,
    hierarchies: dict[str, dict[str, str]] | None = None,
) -> pd.DataFrame:
    """A k-anonymous copy of ``df`` (row order kept) with generalised quasi-identifiers.

    ``l`` with ``sensitive``: also require at least l distinct sensitive values per class.
    ``t`` with ``sensitive``: also require every class's distribution of the sensitive value to lie
    within earth mover's distance t of the whole table's (ordered EMD for a numeric column, as in
    :func:`~ppml_lab.anonymity.t_closeness`).
    ``hierarchies``: for a categorical column, a child -> parent map used to order its values and to
    name a class's values by their lowest common ancestor (e.g. ZIP code -> 3-digit prefix -> region).
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
    if t is not None:
        if sensitive is None or sensitive not in df.columns:
            raise ValueError("t needs the sensitive column (sensitive=...) present in the table")
        t = check_float("t", t, minimum=0.0, maximum=1.0)
    numeric = {q: pd.api.types.is_numeric_dtype(df[q]) for q in qis}
    codes = {}
    for q in qis:
        if numeric[q]:
            codes[q] = df[q].to_numpy(dtype=float)
        else:
            cats = df[q].astype(str)
            order = _category_order(df[q], (hierarchies or {}).get(q))
            codes[q] = cats.map({v: i for i, v in enumerate(order)}).to_numpy(dtype=float)
    span = {q: max(codes[q].max() - codes[q].min(), 1e-12) for q in qis}
    sens = None
    if l is not None or t is not None:
        ordered_sensitive = pd.api.types.is_numeric_dtype(df[sensitive])
        sens, uniques = pd.factorize(df[sensitive], sort=ordered_sensitive, use_na_sentinel=False)
        n_values = len(uniques)
        emd = _emd_to(np.bincount(sens, minlength=n_values) / len(sens), ordered_sensitive)

    def allowed(idx: np.ndarray) -> bool:
        if len(idx) < k:
            return False
        if sens is None:
            return True
        counts = np.bincount(sens[idx], minlength=n_values)
        if l is not None and np.count_nonzero(counts) < l:
            return False
        return t is None or emd(counts) <= t + 1e-12

    partitions: list[np.ndarray] = []
    stack = [np.arange(len(df))]
    while stack:
        idx = stack.pop()
        widths = sorted(qis, key=lambda q: -(codes[q][idx].max() - codes[q][idx].min()) / span[q])
        for q in widths:
            vals = codes[q][idx]
            if vals.max() == vals.min():
                continue
            goes_left = _median_side(vals)
            left, right = idx[goes_left], idx[~goes_left]
            if allowed(left) and allowed(right):
                stack.extend([left, right])
                break
        else:
            partitions.append(idx)

    out = df.copy()
    for q in qis:
        vals_all = df[q].to_numpy()
        labels = np.empty(len(df), dtype=object)
        for idx in partitions:
            vals = vals_all[idx]
            if numeric[q]:
                labels[idx] = _format_range(np.min(vals), np.max(vals))
            else:
                labels[idx] = _generalise(sorted(set(map(str, vals))), (hierarchies or {}).get(q))
        out[q] = pd.Series(labels, index=df.index, dtype=object)
    return out


def _generalise(values: list[str], hierarchy: dict[str, str] | None) -> str:
    if len(values) == 1:
        return values[0]
    if hierarchy:
        common = set(_ancestors(values[0], hierarchy))
        for v in values[1:]:
            common &= set(_ancestors(v, hierarchy))
        if common:
            # the lowest common ancestor: the first in the first value's chain that all share
            return next(a for a in _ancestors(values[0], hierarchy) if a in common)
    return "{" + ",".join(values) + "}"


def _ancestors(value: str, hierarchy: dict[str, str]) -> list[str]:
    """``value`` followed by its parent, grandparent, ... up to the root (a cycle stops the walk)."""
    chain = [value]
    while chain[-1] in hierarchy and hierarchy[chain[-1]] not in chain:
        chain.append(hierarchy[chain[-1]])
    return chain


def discernibility(df: pd.DataFrame, quasi_identifiers: Sequence[str]) -> int:
    """Sum over classes of class size squared: each record is charged the size of its class."""
    qis = _check_quasi_identifiers(df, quasi_identifiers)
    sizes = df.groupby(qis, observed=True, dropna=False).size()
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
