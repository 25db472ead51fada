"""The anonymization lesson grades full, zero, partial and refuses delegation, with the real nbgrader CLI."""

from autograder.testing import autograde_variants, notebook_with_answers, release_notebook, solution_answers

A = "09_anonymization"

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
# Counts the rows of each class (that is k again), not the distinct sensitive values.
ROW_COUNT_L = """
def distinct_l_diversity(df, quasi_identifiers, sensitive):
    if len(df) == 0:
        return 0
    return int(df.groupby(list(quasi_identifiers), dropna=False)[sensitive].count().min())
"""
DELEGATING_L = """
from ppml_lab.anonymity import distinct_l_diversity as _forward

def distinct_l_diversity(df, quasi_identifiers, sensitive):
    return _forward(df, quasi_identifiers, sensitive)
"""


def _cells_with_errors(result):
    return [
        cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", f"cell {i}")
        for i, cell in enumerate(result.notebook.cells)
        if any(out.get("output_type") == "error" for out in cell.get("outputs", []))
    ]


def test_anonymization_lesson_grades_full_zero_partial_and_refuses_delegation(tmp_path):
    answers = solution_answers(A)
    assert set(answers) == {"k_anonymity", "l_diversity"}
    results = autograde_variants(
        A,
        {
            "solution": notebook_with_answers(A, answers),
            "blank": release_notebook(A),
            "classcount": notebook_with_answers(A, {**answers, "k_anonymity": CLASS_COUNT_K}),
            "naive": notebook_with_answers(A, {"k_anonymity": NAIVE_K, "l_diversity": ROW_COUNT_L}),
            "delegates": notebook_with_answers(A, {**answers, "l_diversity": DELEGATING_L}),
        },
        tmp_path,
    )
    full = results["solution"]
    assert full.max_score == 10 and full.score == 10, full.cells
    assert results["blank"].score == 0 and results["blank"].max_score == 10, results["blank"].cells
    # The lesson runs top to bottom in fast mode; a blank answer fails only its own graded cells.
    assert _cells_with_errors(full) == []
    assert _cells_with_errors(results["blank"]) == [
        "test_k_anonymity_values",
        "test_k_anonymity_edges",
        "test_l_diversity_values",
        "test_l_diversity_edges",
    ]

    # Counting classes: nothing for k, everything for l.
    classcount = results["classcount"]
    assert classcount.cells["test_k_anonymity_values"] == (0.0, 3.0), classcount.cells
    assert classcount.cells["test_k_anonymity_edges"] == (0.0, 2.0), classcount.cells
    assert classcount.score == 5

    # pandas defaults: the values are right, the blank and empty cases are not; rows are not values.
    naive = results["naive"]
    assert naive.cells["test_k_anonymity_values"] == (3.0, 3.0), naive.cells
    assert naive.cells["test_k_anonymity_edges"] == (0.0, 2.0), naive.cells
    assert naive.cells["test_l_diversity_values"] == (0.0, 3.0), naive.cells
    assert naive.cells["test_l_diversity_edges"] == (0.0, 2.0), naive.cells
    assert naive.score == 3

    # Forwarding to the reference earns nothing for that question, and says why.
    delegated = results["delegates"]
    assert delegated.cells["test_l_diversity_values"] == (0.0, 3.0), delegated.cells
    assert delegated.cells["test_l_diversity_edges"] == (0.0, 2.0), delegated.cells
    assert delegated.score == 5
    assert "the reference implementation it is graded against" in delegated.outputs_text(
        "test_l_diversity_values"
    )
