"""The device-telemetry lesson grades full, zero and partial marks with the real nbgrader CLI."""

from autograder.testing import autograde_variants, notebook_with_answers, release_notebook, solution_answers

A = "07_device_telemetry"

# Returns the raw report frequencies: biased towards uniform.
NO_DEBIAS = '''
def krr_estimate(reports, epsilon, d):
    return np.bincount(np.asarray(reports), minlength=d) / len(reports)
'''
# Keeps the true value with probability e^eps / (e^eps + 1), the binary formula, whatever d is.
BINARY_P = '''
def krr_privatize(values, epsilon, d, rng):
    values = np.asarray(values)
    p = math.exp(epsilon) / (math.exp(epsilon) + 1)
    keep = rng.random(values.shape) < p
    other = (values + rng.integers(1, d, values.shape)) % d
    return np.where(keep, values, other)
'''


def test_telemetry_lesson_grades_full_zero_partial(tmp_path):
    answers = solution_answers(A)
    results = autograde_variants(
        A,
        {
            "solution": notebook_with_answers(A, answers),
            "blank": release_notebook(A),
            "nodebias": notebook_with_answers(A, {**answers, "krr_estimate": NO_DEBIAS}),
            "binaryp": notebook_with_answers(A, {**answers, "krr_privatize": BINARY_P}),
        },
        tmp_path,
    )
    full = results["solution"]
    assert full.max_score == 4 and full.score == 4, full.cells
    assert results["blank"].score == 0, results["blank"].cells
    assert results["nodebias"].cells["test_krr_estimate"] == (0.0, 2.0)
    assert results["nodebias"].score == 2
    assert results["binaryp"].cells["test_krr_privatize"] == (0.0, 2.0)
    assert results["binaryp"].score == 2
