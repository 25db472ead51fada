"""The orientation lesson grades as nbgrader would grade a class: full, zero, partial, no delegation."""

from autograder.samples import ORIENTATION_WRONG_K as WRONG_K
from autograder.samples import ORIENTATION_WRONG_RR as WRONG_RR
from autograder.testing import autograde_variants, notebook_with_answers, release_notebook, solution_answers

A = "00_orientation"

# Plausible mistakes (autograder.samples) and an answer that forwards to the function it is graded against.
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
