"""k-anonymity: equivalence classes over quasi-identifiers and the k a table achieves."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ppml_lab._checks import check_int


def _check_quasi_identifiers(df: pd.DataFrame, quasi_identifiers: Sequence[str]) -> list[str]:
    if isinstance(quasi_identifiers, str):
        quasi_identifiers = [quasi_identifiers]
    qis = list(quasi_identifiers)
    if not qis:
        raise ValueError("quasi_identifiers must name at least one column")
    missing = [c for c in qis if c not in df.columns]
    if missing:
        raise ValueError(f"quasi_identifiers not in the table: {missing}")
    return qis


def equivalence_class_sizes(df: pd.DataFrame, quasi_identifiers: Sequence[str]) -> pd.Series:
    """Size of every equivalence class: the groups of rows sharing all quasi-identifier values."""
    qis = _check_quasi_identifiers(df, quasi_identifiers)
    return df.groupby(qis, dropna=False, observed=True).size()


def k_anonymity(df: pd.DataFrame, quasi_identifiers: Sequence[str]) -> int:
    """The k the table achieves: the size of its smallest equivalence class (0 for an empty table)."""
    sizes = equivalence_class_sizes(df, quasi_identifiers)
    return int(sizes.min()) if len(sizes) else 0


def is_k_anonymous(df: pd.DataFrame, quasi_identifiers: Sequence[str], k: int) -> bool:
    """True when every record shares its quasi-identifiers with at least ``k - 1`` others."""
    k = check_int("k", k, minimum=1)
    return k_anonymity(df, quasi_identifiers) >= k
