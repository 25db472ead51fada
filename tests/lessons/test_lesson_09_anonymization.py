"""The anonymization lesson grades full, zero, partial and refuses delegation, with the real nbgrader CLI.

Each variant notebook answers both exercises (graded in separate cells), so one grading run covers a
k-anonymity answer and an l-diversity answer at once.
"""

import pytest

from autograder.testing import autograde_variants, notebook_with_answers, release_notebook, solution_answers

A = "09_anonymization"
K_CELLS = ("test_k_anonymity_values", "test_k_anonymity_edges")
L_CELLS = ("test_l_diversity_values", "test_l_diversity_edges")

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
# The largest class: how many people a row could be at most, not at least.
LARGEST_K = """
def k_anonymity(df, quasi_identifiers):
    if len(df) == 0:
        return 0
    return int(df.groupby(list(quasi_identifiers), dropna=False, observed=True).size().max())
"""
# -- k_anonymity: cheats ------------------------------------------------------------------------
SIBLING_K = """
def k_anonymity(df, quasi_identifiers):
    sizes = anon.equivalence_class_sizes(df, quasi_identifiers)
    return int(sizes.min()) if len(sizes) else 0
"""
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
# The most diverse class instead of the least.
MAX_L = """
def distinct_l_diversity(df, quasi_identifiers, sensitive):
    if len(df) == 0:
        return 0
    return int(df.groupby(list(quasi_identifiers), dropna=False, observed=True)[sensitive].nunique().max())
"""
# -- distinct_l_diversity: cheats ---------------------------------------------------------------
DELEGATING_L = """
from ppml_lab.anonymity import distinct_l_diversity as _forward

def distinct_l_diversity(df, quasi_identifiers, sensitive):
    return _forward(df, quasi_identifiers, sensitive)
"""
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

VARIANTS = {
    # name: (k answer, l answer, marks of the k cells, marks of the l cells)
    "wrong1": (CLASS_COUNT_K, ROW_COUNT_L, (0, 0), (0, 0)),
    "wrong2": (NAIVE_K, TABLE_WIDE_L, (3, 0), (0, 0)),
    "wrong3": (VALUE_COUNTS_K, NAIVE_L, (3, 0), (3, 0)),
    "wrong4": (LARGEST_K, MAX_L, (0, 0), (0, 0)),
    "cheat1": (SIBLING_K, DELEGATING_L, (0, 0), (0, 0)),
    "cheat2": (DISHONEST_K, SIBLING_L, (0, 0), (0, 0)),
    "alt1": (LOOP_K, SETS_L, (3, 2), (3, 2)),
    "alt2": (VALUE_COUNTS_FIXED_K, DEDUP_L, (3, 2), (3, 2)),
}


def _cells_with_errors(result):
    return [
        cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", f"cell {i}")
        for i, cell in enumerate(result.notebook.cells)
        if any(out.get("output_type") == "error" for out in cell.get("outputs", []))
    ]


# a dozen gradings of the whole lesson: more than the suite's default per-test limit
@pytest.mark.timeout(2400)
def test_anonymization_lesson_grades_full_zero_partial_refuses_delegation_and_accepts_other_answers(tmp_path):
    answers = solution_answers(A)
    assert set(answers) == {"k_anonymity", "l_diversity"}
    notebooks = {"solution": notebook_with_answers(A, answers), "blank": release_notebook(A)}
    for name, (k, ell, _, _) in VARIANTS.items():
        notebooks[name] = notebook_with_answers(A, {"k_anonymity": k, "l_diversity": ell})
    results = autograde_variants(A, notebooks, tmp_path, timeout=2400)
    full = results["solution"]
    assert full.max_score == 10 and full.score == 10, full.cells
    assert results["blank"].score == 0 and results["blank"].max_score == 10, results["blank"].cells
    # The lesson runs top to bottom in fast mode; a blank answer fails only its own graded cells.
    assert _cells_with_errors(full) == []
    assert _cells_with_errors(results["blank"]) == [*K_CELLS, *L_CELLS]

    marks = {name: tuple(results[name].cells[c][0] for c in K_CELLS + L_CELLS) for name in VARIANTS}
    expected = {name: tuple(float(m) for m in k + ell) for name, (_, _, k, ell) in VARIANTS.items()}
    assert marks == expected

    # Delegation names what was called, sibling functions of the kit included.
    cheat1, cheat2 = results["cheat1"], results["cheat2"]
    assert "the reference implementation it is graded against" in cheat1.outputs_text("test_l_diversity_values")
    assert "ppml_lab.anonymity.equivalence_class_sizes, a function of the kit" in cheat1.outputs_text(
        "test_k_anonymity_values"
    )
    assert "ppml_lab.anonymity.equivalence_class_sizes" in cheat2.outputs_text("test_l_diversity_edges")
    assert "TamperingDetected" in cheat2.outputs_text("test_k_anonymity_values")
