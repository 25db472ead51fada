"""The anonymization lesson grades full, zero, partial and refuses delegation, with the real nbgrader CLI.

Each submission answers every exercise (graded in separate cells) with one variant, so one grading run
of eight notebooks covers three wrong answers, one cheat and two other correct answers per exercise.
"""

import pytest

from autograder.testing import autograde_variants, notebook_with_answers, release_notebook, solution_answers

A = "09_anonymization"

# -- k_anonymity: plausible mistakes -----------------------------------------------------------
# Counts the equivalence classes instead of measuring the smallest one.
CLASS_COUNT_K = """
def k_anonymity(df, quasi_identifiers):
    return int(df.groupby(list(quasi_identifiers), dropna=False).ngroups)
"""
# Right idea, pandas defaults: rows with a blank quasi-identifier vanish, and an empty table crashes.
NAIVE_K = """
def k_anonymity(df, quasi_identifiers):
    return int(df.groupby(list(quasi_identifiers)).size().min())
"""
# value_counts lists unused categories with a count of 0: a categorical column gives k = 0.
VALUE_COUNTS_K = """
def k_anonymity(df, quasi_identifiers):
    if len(df) == 0:
        return 0
    return int(df.value_counts(subset=list(quasi_identifiers), dropna=False).min())
"""
# -- k_anonymity: cheat (a result built to pass any comparison) --------------------------------
DISHONEST_K = """
class _AnyK(np.int64):
    def __eq__(self, other):
        return True

def k_anonymity(df, quasi_identifiers):
    return _AnyK(0)
"""
# -- k_anonymity: other correct answers ---------------------------------------------------------
LOOP_K = """
def k_anonymity(df, quasi_identifiers):
    counts = {}
    for row in df[list(quasi_identifiers)].itertuples(index=False):
        key = tuple("<missing>" if pd.isna(v) else v for v in row)
        counts[key] = counts.get(key, 0) + 1
    return min(counts.values()) if counts else 0
"""
VALUE_COUNTS_FIXED_K = """
def k_anonymity(df, quasi_identifiers):
    counts = df.value_counts(subset=list(quasi_identifiers), dropna=False)
    counts = counts[counts > 0]  # unused categories are listed with 0
    return counts.min() if len(counts) else 0  # a NumPy integer
"""

# -- distinct_l_diversity: plausible mistakes ---------------------------------------------------
# Counts the rows of each class (that is k again), not the distinct sensitive values.
ROW_COUNT_L = """
def distinct_l_diversity(df, quasi_identifiers, sensitive):
    if len(df) == 0:
        return 0
    return int(df.groupby(list(quasi_identifiers), dropna=False)[sensitive].count().min())
"""
# Distinct values in the whole table: the table's diversity, not its weakest class's.
TABLE_WIDE_L = """
def distinct_l_diversity(df, quasi_identifiers, sensitive):
    return int(df[sensitive].nunique())
"""
# pandas defaults: blank quasi-identifiers vanish and the empty table crashes.
NAIVE_L = """
def distinct_l_diversity(df, quasi_identifiers, sensitive):
    return int(df.groupby(list(quasi_identifiers))[sensitive].nunique().min())
"""
# -- distinct_l_diversity: cheat (the classes from a sibling function of the kit) ----------------
SIBLING_L = """
def distinct_l_diversity(df, quasi_identifiers, sensitive):
    sizes = anon.equivalence_class_sizes(df, quasi_identifiers)  # the classes from the kit, the count by hand
    if len(sizes) == 0:
        return 0
    groups = df.groupby(list(quasi_identifiers), dropna=False, observed=True)
    return min(len(set(g[sensitive])) for _, g in groups)
"""
# -- distinct_l_diversity: other correct answers ------------------------------------------------
SETS_L = """
def distinct_l_diversity(df, quasi_identifiers, sensitive):
    values = {}
    for _, row in df.iterrows():
        key = tuple("<missing>" if pd.isna(row[q]) else row[q] for q in quasi_identifiers)
        values.setdefault(key, set()).add(row[sensitive])
    return min(len(v) for v in values.values()) if values else 0
"""
DEDUP_L = """
def distinct_l_diversity(df, quasi_identifiers, sensitive):
    if df.empty:
        return 0
    pairs = df.drop_duplicates(subset=list(quasi_identifiers) + [sensitive])
    return pairs.groupby(list(quasi_identifiers), dropna=False, observed=True).size().min()
"""

# Every graded function with its graded cells and their points.
CELLS = {
    "k_anonymity": {"test_k_anonymity_values": 3.0, "test_k_anonymity_edges": 2.0},
    "l_diversity": {"test_l_diversity_values": 3.0, "test_l_diversity_edges": 2.0},
}
# Eight notebooks in all: the solution, the blank release and six submissions. Every submission fills every
# exercise with one variant (for each exercise three wrong answers, one cheat and two other correct
# answers), each with the marks it must earn, cell by cell in the order of CELLS.
SUBMISSIONS = {
    "s1": {"k_anonymity": (CLASS_COUNT_K, (0, 0)), "l_diversity": (ROW_COUNT_L, (0, 0))},
    "s2": {"k_anonymity": (NAIVE_K, (3, 0)), "l_diversity": (TABLE_WIDE_L, (0, 0))},
    "s3": {"k_anonymity": (VALUE_COUNTS_K, (3, 0)), "l_diversity": (NAIVE_L, (3, 0))},
    "s4": {"k_anonymity": (DISHONEST_K, (0, 0)), "l_diversity": (SIBLING_L, (0, 0))},
    "s5": {"k_anonymity": (LOOP_K, (3, 2)), "l_diversity": (SETS_L, (3, 2))},
    "s6": {"k_anonymity": (VALUE_COUNTS_FIXED_K, (3, 2)), "l_diversity": (DEDUP_L, (3, 2))},
}
# Cheats: the submission, the graded cell, and what its message must name.
CHEATS = [
    ("s4", "test_k_anonymity_values", "TamperingDetected"),
    ("s4", "test_l_diversity_values", "ppml_lab.anonymity.equivalence_class_sizes, a function of the kit"),
    ("s4", "test_l_diversity_edges", "ppml_lab.anonymity.equivalence_class_sizes"),
]
TOTAL = sum(sum(cells.values()) for cells in CELLS.values())

# eight gradings of the whole lesson: more than the suite's default per-test limit
SLOW = pytest.mark.timeout(2400)


def _cells_with_errors(result):
    return [
        cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", f"cell {i}")
        for i, cell in enumerate(result.notebook.cells)
        if any(out.get("output_type") == "error" for out in cell.get("outputs", []))
    ]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One nbgrader run over all eight notebooks, shared by the tests below."""
    answers = solution_answers(A)
    assert set(answers) == set(CELLS)
    notebooks = {"solution": notebook_with_answers(A, answers), "blank": release_notebook(A)}
    for name, rows in SUBMISSIONS.items():
        notebooks[name] = notebook_with_answers(A, {fn: code for fn, (code, _) in rows.items()})
    assert len(notebooks) <= 8
    return autograde_variants(A, notebooks, tmp_path_factory.mktemp("grading09"), timeout=2400)


@SLOW
def test_solution_earns_full_marks_and_blank_zero(graded):
    full, blank = graded["solution"], graded["blank"]
    assert set(full.cells) == {cell for cells in CELLS.values() for cell in cells}
    assert full.max_score == TOTAL and full.score == TOTAL, full.cells
    assert blank.score == 0 and blank.max_score == TOTAL, blank.cells
    # The lesson runs top to bottom in fast mode; a blank answer fails only its own graded cells.
    assert _cells_with_errors(full) == []
    assert _cells_with_errors(blank) == [cell for cells in CELLS.values() for cell in cells]


@SLOW
def test_wrong_answers_lose_marks_cheats_earn_none_and_other_answers_earn_all(graded):
    for student, rows in SUBMISSIONS.items():
        got = graded[student].cells
        for fn, (_, marks) in rows.items():
            want = {cell: (float(m), pts) for (cell, pts), m in zip(CELLS[fn].items(), marks, strict=True)}
            assert {cell: got[cell] for cell in CELLS[fn]} == want, (student, fn)
    # Delegation names what was called, sibling functions of the kit included; tampering is named too.
    for student, cell, called in CHEATS:
        assert called in graded[student].outputs_text(cell), (student, cell)
    # every exercise is tried with at least three wrong answers, one cheat and two other correct ones
    for fn, cells in CELLS.items():
        full = sum(cells.values())
        totals = [sum(SUBMISSIONS[s][fn][1]) for s in SUBMISSIONS]
        assert sum(t < full for t in totals) >= 4 and sum(t == full for t in totals) >= 2, fn
