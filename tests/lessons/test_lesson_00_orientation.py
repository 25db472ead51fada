"""The orientation lesson grades as nbgrader would grade a class: full, zero, partial, no delegation."""

from autograder.testing import autograde_variants, notebook_with_answers, release_notebook, solution_answers

A = "00_orientation"

# Plausible mistakes: the number of classes instead of the smallest class; epsilon of "flip the answer".
WRONG_K = """
def k_anonymity_level(df, quasi_identifiers):
    return int(df.groupby(list(quasi_identifiers)).ngroups)
"""
WRONG_RR = """
def randomized_response_epsilon(p_truth):
    if not 0.0 <= p_truth <= 1.0:
        raise ValueError("p_truth")
    if p_truth in (0.0, 1.0):
        return 0.0 if p_truth == 0.0 else math.inf
    return abs(math.log(p_truth / (1 - p_truth)))
"""
DELEGATING_RR = """
from ppml_lab.dp import randomized_response_epsilon as _forward

def randomized_response_epsilon(p_truth):
    return _forward(p_truth)
"""


def test_orientation_grades_full_zero_partial_and_refuses_delegation(tmp_path):
    answers = solution_answers(A)
    assert set(answers) == {"rr_epsilon", "k_anonymity"}
    results = autograde_variants(
        A,
        {
            "solution": notebook_with_answers(A, answers),
            "blank": release_notebook(A),
            "wrongk": notebook_with_answers(A, {**answers, "k_anonymity": WRONG_K}),
            "wrongrr": notebook_with_answers(A, {**answers, "rr_epsilon": WRONG_RR}),
            "delegates": notebook_with_answers(A, {**answers, "rr_epsilon": DELEGATING_RR}),
        },
        tmp_path,
    )
    solution, blank = results["solution"], results["blank"]
    assert solution.max_score == 6
    assert solution.score == solution.max_score, solution.cells
    assert blank.score == 0 and blank.max_score == 6, blank.cells

    # Wrong k-anonymity: the randomized-response marks only.
    assert results["wrongk"].score == 3, results["wrongk"].cells
    assert results["wrongk"].cells["test_k_anonymity"] == (0.0, 3.0)

    # Wrong epsilon formula: edge cases still right, values wrong.
    assert results["wrongrr"].cells["test_rr_epsilon_values"] == (0.0, 2.0)
    assert results["wrongrr"].cells["test_rr_epsilon_edges"] == (1.0, 1.0)
    assert 0 < results["wrongrr"].score < 6

    # Forwarding to the reference earns nothing for that question, and says why.
    delegated = results["delegates"]
    assert delegated.cells["test_rr_epsilon_values"] == (0.0, 2.0), delegated.cells
    assert "the reference implementation it is graded against" in delegated.outputs_text(
        "test_rr_epsilon_values"
    )
