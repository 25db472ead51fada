"""The encrypted credit-risk lesson grades full, zero and partial marks with the real nbgrader CLI."""

from autograder.testing import autograde_variants, notebook_with_answers, release_notebook, solution_answers

A = "03_encrypted_credit_risk"

# Forgets the bias term of the score.
NO_BIAS = '''
def encrypted_scores(columns, weights, bias):
    total = columns[0] * float(weights[0])
    for col, w in zip(columns[1:], weights[1:]):
        total = total + col * float(w)
    return total
'''
# Counts one level per polynomial degree instead of the log-depth evaluation.
LINEAR_DEPTH = '''
def levels_for_scoring(degree):
    if degree < 1:
        raise ValueError("degree")
    return 1 + degree
'''


def test_encrypted_credit_risk_grades_full_zero_partial(tmp_path):
    answers = solution_answers(A)
    results = autograde_variants(
        A,
        {
            "solution": notebook_with_answers(A, answers),
            "blank": release_notebook(A),
            "wrong": notebook_with_answers(A, {**answers, "scores": NO_BIAS, "depth": LINEAR_DEPTH}),
        },
        tmp_path,
    )
    full = results["solution"]
    assert full.max_score == 8 and full.score == 8, full.cells
    assert results["blank"].score == 0, results["blank"].cells
    wrong = results["wrong"]
    assert wrong.cells["test_scores"] == (0.0, 3.0)
    assert wrong.cells["test_depth"] == (0.0, 2.0)
    assert wrong.cells["test_gradient"] == (3.0, 3.0)
    assert wrong.score == 3
