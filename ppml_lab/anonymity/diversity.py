"""Beyond k-anonymity: l-diversity and t-closeness of the sensitive attribute within each class.

k-anonymity hides *who* a record is among k; it does not stop an attacker learning a sensitive
value shared by the whole class (homogeneity) or skewed within it. l-diversity (Machanavajjhala et
al. 2007) asks each equivalence class to hold at least l distinct (or "entropy-l" diverse) values;
t-closeness (Li et al. 2007) asks each class's distribution of the sensitive value to lie within
earth mover's distance t of the whole table's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ppml_lab._checks import check_int
from ppml_lab.anonymity.kanon import _check_quasi_identifiers


def _groups(df: pd.DataFrame, quasi_identifiers: Sequence[str], sensitive: str):
    qis = _check_quasi_identifiers(df, quasi_identifiers)
    if sensitive not in df.columns:
        raise ValueError(f"sensitive column {sensitive!r} is not in the table")
    return df.groupby(qis, dropna=False, observed=True)[sensitive]


def distinct_l_diversity(df: pd.DataFrame, quasi_identifiers: Sequence[str], sensitive: str) -> int:
    """The l the table achieves: fewest distinct sensitive values in any class (0 if empty)."""
    counts = _groups(df, quasi_identifiers, sensitive).nunique()
    return int(counts.min()) if len(counts) else 0


def entropy_l_diversity(df: pd.DataFrame, quasi_identifiers: Sequence[str], sensitive: str) -> float:
    """exp of the smallest class entropy of the sensitive value: the table is entropy-l-diverse for l up to this."""

    def entropy(s: pd.Series) -> float:
        p = s.value_counts(normalize=True).to_numpy()
        p = p[p > 0]  # a categorical column also lists its unused categories, with count 0
        return float(-(p * np.log(p)).sum())

    ents = _groups(df, quasi_identifiers, sensitive).apply(entropy)
    return float(np.exp(ents.min())) if len(ents) else 0.0


def is_l_diverse(
    df: pd.DataFrame, quasi_identifiers: Sequence[str], sensitive: str, l: int, kind: str = "distinct"
) -> bool:
    """Whether every class is l-diverse (``kind`` "distinct" or "entropy")."""
    l = check_int("l", l, minimum=1)
    if kind == "distinct":
        return distinct_l_diversity(df, quasi_identifiers, sensitive) >= l
    if kind == "entropy":
        return entropy_l_diversity(df, quasi_identifiers, sensitive) >= l - 1e-12
    raise ValueError(f"kind must be 'distinct' or 'entropy', got {kind!r}")


def earth_movers_distance(p: np.ndarray, q: np.ndarray, ordered: bool) -> float:
    """EMD between two distributions over the same m values.

    Unordered (categorical, every pair of values at distance 1): half the L1 distance.
    Ordered (numeric, values sorted, adjacent values at distance 1/(m-1)): the normalised sum of
    absolute cumulative differences.
    """
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if p.shape != q.shape:
        raise ValueError("p and q must have the same length")
    if not ordered:
        return float(0.5 * np.abs(p - q).sum())
    if len(p) < 2:
        return 0.0
    return float(np.abs(np.cumsum(p - q))[:-1].sum() / (len(p) - 1))


def t_closeness(
    df: pd.DataFrame, quasi_identifiers: Sequence[str], sensitive: str, ordered: bool | None = None
) -> float:
    """The largest EMD between a class's sensitive distribution and the table's (the t achieved).

    ``ordered`` (default: whether the column is numeric) picks the ordered EMD, in which moving mass
    between the i-th and j-th smallest values costs |i - j| / (m - 1), over the unordered one."""
    groups = _groups(df, quasi_identifiers, sensitive)
    if ordered is None:
        ordered = pd.api.types.is_numeric_dtype(df[sensitive])
    values = np.sort(df[sensitive].unique()) if ordered else df[sensitive].unique()
    overall = df[sensitive].value_counts(normalize=True).reindex(values, fill_value=0.0).to_numpy()
    worst = 0.0
    for _, s in groups:
        dist = s.value_counts(normalize=True).reindex(values, fill_value=0.0).to_numpy()
        worst = max(worst, earth_movers_distance(dist, overall, ordered))
    return worst
