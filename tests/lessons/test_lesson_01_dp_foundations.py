"""The DP foundations lesson grades full, zero and partial marks with the real nbgrader CLI."""

from autograder.testing import autograde_variants, notebook_with_answers, release_notebook, solution_answers

A = "01_dp_foundations"

# A classic slip: the scale written as epsilon / sensitivity.
WRONG_LAPLACE = '''
def laplace_mechanism(value, sensitivity, epsilon, rng):
    if epsilon <= 0 or sensitivity <= 0:
        raise ValueError("epsilon and sensitivity must be > 0")
    return value + rng.laplace(0.0, epsilon / sensitivity)
'''
# Forgets to debias the reports.
WRONG_RR = '''
def rr_estimate(reports, epsilon):
    return float(np.mean(reports))
'''


def test_dp_foundations_grades_full_zero_partial(tmp_path):
    answers = solution_answers(A)
    results = autograde_variants(
        A,
        {
            "solution": notebook_with_answers(A, answers),
            "blank": release_notebook(A),
            "wrong": notebook_with_answers(A, {**answers, "laplace": WRONG_LAPLACE, "rr_estimate": WRONG_RR}),
        },
        tmp_path,
    )
    full = results["solution"]
    assert full.max_score == 9 and full.score == full.max_score, full.cells
    assert results["blank"].score == 0, results["blank"].cells
    wrong = results["wrong"]
    assert wrong.cells["test_laplace_distribution"] == (0.0, 2.0)
    assert wrong.cells["test_laplace_errors"] == (1.0, 1.0)
    assert wrong.cells["test_rr_estimate"] == (0.0, 2.0)
    assert wrong.score == 5, wrong.cells
