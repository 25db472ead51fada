"""The hospital consortium lesson grades full, zero and partial marks with the real nbgrader CLI."""

from autograder.testing import autograde_variants, notebook_with_answers, release_notebook, solution_answers

A = "05_hospital_mri_consortium"

# Plain mean: ignores how many scans each hospital trained on.
UNWEIGHTED = '''
def fedavg_aggregate(results):
    n_arrays = len(results[0][0])
    return [sum(params[i] for params, _ in results) / len(results) for i in range(n_arrays)]
'''


def test_hospital_lesson_grades_full_zero_partial(tmp_path):
    answers = solution_answers(A)
    results = autograde_variants(
        A,
        {
            "solution": notebook_with_answers(A, answers),
            "blank": release_notebook(A),
            "unweighted": notebook_with_answers(A, {**answers, "fedavg": UNWEIGHTED}),
        },
        tmp_path,
    )
    full = results["solution"]
    assert full.max_score == 3 and full.score == 3, full.cells
    assert results["blank"].score == 0, results["blank"].cells
    wrong = results["unweighted"]
    assert wrong.cells["test_fedavg_values"] == (2.0, 2.0)  # equal sizes: the plain mean agrees
    assert wrong.cells["test_fedavg_weights"] == (0.0, 1.0)
