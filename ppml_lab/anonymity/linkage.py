"""Linkage and homogeneity attacks: what a "de-identified" release gives away.

The attacker holds a public register (name plus quasi-identifiers, like a voter list). For each
person in it, the **candidates** are the released records whose — possibly generalised —
quasi-identifiers are compatible with theirs. One candidate: the person is **re-identified**. All
candidates sharing one sensitive value: that value is **disclosed** even without re-identification
(the homogeneity attack, which k-anonymity allows and l-diversity stops).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ppml_lab.anonymity.kanon import _check_quasi_identifiers


def public_register(
    df: pd.DataFrame, quasi_identifiers: Sequence[str], fraction: float = 0.8, seed: int = 0
) -> pd.DataFrame:
    """A voter-list-like table: a ``name`` for each of a random ``fraction`` of the people, with their
    exact quasi-identifiers. ``df``'s row ``i`` is the person named ``person-<i>``."""
    qis = _check_quasi_identifiers(df, quasi_identifiers)
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(df), size=int(round(fraction * len(df))), replace=False))
    out = df.iloc[rows][qis].copy()
    out.insert(0, "name", [f"person-{i:06d}" for i in rows])
    return out.reset_index(drop=True)


def _compatible(label, values: np.ndarray, numeric: bool) -> np.ndarray:
    s = str(label)
    if s.startswith("{") and s.endswith("}"):
        return np.isin(values.astype(str), s[1:-1].split(","))
    if numeric and "-" in s[1:]:
        cut = s.index("-", 1)
        lo, hi = float(s[:cut]), float(s[cut + 1 :])
        return (values >= lo) & (values <= hi)
    if numeric:
        return values == float(s)
    return values.astype(str) == s


@dataclass
class LinkageResult:
    """Outcome of the attack on one release."""

    people: int
    reidentified: int
    reidentified_correctly: int
    sensitive_disclosed: int

    @property
    def reidentification_rate(self) -> float:
        return self.reidentified_correctly / self.people if self.people else 0.0


def linkage_attack(
    release: pd.DataFrame,
    register: pd.DataFrame,
    quasi_identifiers: Sequence[str],
    sensitive: str | None = None,
) -> LinkageResult:
    """Attack ``release`` (same row order as the population: row i is ``person-<i>``) with ``register``."""
    qis = _check_quasi_identifiers(release, quasi_identifiers)
    _check_quasi_identifiers(register, qis)
    n_pub = len(register)
    numeric = {q: pd.api.types.is_numeric_dtype(register[q]) for q in qis}
    pub = {
        q: register[q].to_numpy(dtype=float) if numeric[q] else register[q].astype(str).to_numpy()
        for q in qis
    }
    keys = release[qis].astype(str).agg("\x1f".join, axis=1)
    classes = release.groupby(keys.to_numpy(), sort=False)
    counts = np.zeros(n_pub, dtype=int)
    last_row = np.full(n_pub, -1)
    values_seen: list[set] = [set() for _ in range(n_pub)] if sensitive else []
    for _, members in classes:
        first = members.iloc[0]
        mask = np.ones(n_pub, dtype=bool)
        for q in qis:
            mask &= _compatible(first[q], pub[q], numeric[q])
        if not mask.any():
            continue
        counts[mask] += len(members)
        last_row[mask] = members.index[0]
        if sensitive:
            vals = set(members[sensitive].astype(str))
            for i in np.flatnonzero(mask):
                values_seen[i] |= vals
    names = register["name"].to_numpy()
    unique = counts == 1
    correct = sum(1 for i in np.flatnonzero(unique) if names[i] == f"person-{last_row[i]:06d}")
    in_release = np.array([int(n.split("-")[1]) < len(release) for n in names])
    disclosed = int(
        sum(
            1
            for i in range(n_pub)
            if sensitive and counts[i] > 0 and in_release[i] and len(values_seen[i]) == 1
        )
    )
    return LinkageResult(n_pub, int(unique.sum()), int(correct), disclosed)
