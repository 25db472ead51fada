"""Linkage and homogeneity attacks: what a "de-identified" release gives away.

The attacker holds a public register (name plus quasi-identifiers, like a voter list). For each
person in it, the **candidates** are the released records whose — possibly generalised —
quasi-identifiers are compatible with theirs. One candidate: the person is **re-identified**. All
candidates sharing one sensitive value: that value is **disclosed** even without re-identification
(the homogeneity attack, which k-anonymity allows and l-diversity stops). Several releases of the
same people can be intersected (the composition attack): values each release leaves open may not
survive the intersection, which is why these guarantees do not compose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ppml_lab.anonymity.kanon import _check_quasi_identifiers
from ppml_lab.anonymity.mondrian import _ancestors


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


def _compatible(
    label, values: np.ndarray, numeric: bool, hierarchy: dict[str, str] | None = None
) -> np.ndarray:
    """Which exact ``values`` a released (possibly generalised) ``label`` may stand for."""
    s = str(label)
    if s.startswith("{") and s.endswith("}"):
        return np.isin(values.astype(str), s[1:-1].split(","))
    if numeric and "-" in s[1:]:
        cut = s.index("-", 1)
        lo, hi = float(s[:cut]), float(s[cut + 1 :])
        return (values >= lo) & (values <= hi)
    if numeric:
        return values == float(s)
    if hierarchy:  # a value, or an ancestor of it in the generalisation hierarchy
        return np.array([s in _ancestors(v, hierarchy) for v in values.astype(str)], dtype=bool)
    return values.astype(str) == s


def _candidates(
    release: pd.DataFrame,
    register: pd.DataFrame,
    qis: list[str],
    sensitive: str | None,
    hierarchies: dict[str, dict[str, str]] | None,
) -> tuple[np.ndarray, np.ndarray, list[frozenset]]:
    """For each register person: how many released records are compatible with their exact
    quasi-identifiers, the (first) row of the last compatible class, and the sensitive values seen."""
    n_pub = len(register)
    numeric = {q: pd.api.types.is_numeric_dtype(register[q]) for q in qis}
    # one compatibility table per QI, between distinct released labels and distinct register values
    label_codes, compat, reg_codes = {}, {}, {}
    for q in qis:
        reg_values = register[q].to_numpy(dtype=float) if numeric[q] else register[q].astype(str).to_numpy()
        reg_codes[q], reg_uniques = pd.factorize(reg_values)
        label_codes[q], labels = pd.factorize(release[q].astype(str))
        h = (hierarchies or {}).get(q)
        compat[q] = np.array([_compatible(lab, np.asarray(reg_uniques), numeric[q], h) for lab in labels])
    keys = np.column_stack([label_codes[q] for q in qis])
    classes, class_of_row = np.unique(keys, axis=0, return_inverse=True)
    class_of_row = class_of_row.ravel()
    sizes = np.bincount(class_of_row, minlength=len(classes))
    first_row = np.full(len(classes), -1)
    first_row[class_of_row[::-1]] = np.arange(len(release))[::-1]
    if sensitive:
        sens = release[sensitive].astype(str).to_numpy()
        order = np.argsort(class_of_row, kind="stable")
        bounds = np.cumsum(sizes)[:-1]
        class_values = [frozenset(v) for v in np.split(sens[order], bounds)]
    counts = np.zeros(n_pub, dtype=int)
    last_row = np.full(n_pub, -1)
    seen: list[frozenset] = [frozenset()] * n_pub
    for c, labels_of_class in enumerate(classes):
        mask = np.ones(n_pub, dtype=bool)
        for j, q in enumerate(qis):
            mask &= compat[q][labels_of_class[j]][reg_codes[q]]
        hits = np.flatnonzero(mask)
        if not len(hits):
            continue
        counts[hits] += sizes[c]
        last_row[hits] = release.index[first_row[c]]
        if sensitive:
            for i in hits:
                seen[i] = seen[i] | class_values[c]
    return counts, last_row, seen


def reidentify(release: pd.DataFrame, register: pd.DataFrame, quasi_identifiers: Sequence[str]) -> dict:
    """The register's people whom exactly one released row fits, each with that row's index label.

    A row fits a person when each of its (possibly generalised) quasi-identifiers fits their exact
    value, read as :func:`linkage_attack` reads labels: ``"lo-hi"`` fits lo <= v <= hi (both ends
    included), ``"{a,b}"`` fits the values listed, any other label only the value it spells. One row
    counts as one, whatever its class: a person whom a class of three rows fits is not re-identified.
    """
    qis = _check_quasi_identifiers(release, quasi_identifiers)
    _check_quasi_identifiers(register, qis)
    if "name" not in register.columns:
        raise ValueError("register must have a 'name' column")
    counts, last_row, _ = _candidates(release, register, qis, None, None)
    names = register["name"].to_numpy()
    return {
        str(names[i]): last_row[i].item() if hasattr(last_row[i], "item") else last_row[i]
        for i in np.flatnonzero(counts == 1)
    }


@dataclass
class LinkageResult:
    """Outcome of the attack on one release."""

    people: int
    reidentified: int
    reidentified_correctly: int
    sensitive_disclosed: int

    @property
    def reidentification_rate(self) -> float:
        """Share of the register's people whose name was attached to their own record."""
        return self.reidentified_correctly / self.people if self.people else 0.0


def _row_of(name: str) -> int:
    """The population row a register name stands for (``person-<i>``; -1 when the name is not of that form)."""
    head, _, tail = str(name).rpartition("-")
    return int(tail) if head == "person" and tail.isdigit() else -1


def linkage_attack(
    release: pd.DataFrame,
    register: pd.DataFrame,
    quasi_identifiers: Sequence[str],
    sensitive: str | None = None,
    *,
    hierarchies: dict[str, dict[str, str]] | None = None,
) -> LinkageResult:
    """Attack ``release`` (same row order as the population: row i is ``person-<i>``) with ``register``.

    Released labels are read as :func:`~ppml_lab.anonymity.mondrian` writes them: an exact value, a
    numeric range ``"lo-hi"``, a set ``"{a,b}"``, or an ancestor from ``hierarchies``; any other
    label matches only itself, so a release coarsened by other means needs its own hierarchy.
    ``hierarchies``: the generalisation hierarchies the release was made with (see
    :func:`~ppml_lab.anonymity.mondrian`), so an ancestor label matches every value under it.
    """
    qis = _check_quasi_identifiers(release, quasi_identifiers)
    _check_quasi_identifiers(register, qis)
    if sensitive is not None and sensitive not in release.columns:
        raise ValueError(f"sensitive column {sensitive!r} is not in the release")
    counts, last_row, seen = _candidates(release, register, qis, sensitive, hierarchies)
    names = register["name"].to_numpy()
    unique = counts == 1
    correct = sum(1 for i in np.flatnonzero(unique) if _row_of(names[i]) == last_row[i])
    in_release = np.array([_row_of(n) < len(release) for n in names], dtype=bool)
    disclosed = sum(1 for i in np.flatnonzero((counts > 0) & in_release) if sensitive and len(seen[i]) == 1)
    return LinkageResult(len(register), int(unique.sum()), int(correct), int(disclosed))


def composition_attack(
    releases: Sequence[pd.DataFrame],
    register: pd.DataFrame,
    quasi_identifiers: Sequence[str],
    sensitive: str,
    *,
    hierarchies: dict[str, dict[str, str]] | None = None,
) -> int:
    """How many register people have their sensitive value pinned down by intersecting releases.

    For each person and each release, the attacker collects the sensitive values of the records
    compatible with the person's quasi-identifiers; the person's own value lies in every such set
    (every release holds everyone in the register), so when the intersection over the releases
    holds a single value, that is their value, even if each release alone is l-diverse.
    """
    if not releases:
        raise ValueError("releases must hold at least one table")
    qis = _check_quasi_identifiers(register, quasi_identifiers)
    common: list[frozenset | None] = [None] * len(register)
    for release in releases:
        _check_quasi_identifiers(release, qis)
        if sensitive not in release.columns:
            raise ValueError(f"sensitive column {sensitive!r} is not in every release")
        counts, _, seen = _candidates(release, register, qis, sensitive, hierarchies)
        for i in np.flatnonzero(counts > 0):
            common[i] = seen[i] if common[i] is None else common[i] & seen[i]
    return sum(1 for values in common if values is not None and len(values) == 1)
