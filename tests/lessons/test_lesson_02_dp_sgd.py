"""The DP-SGD lesson: full marks for the solution, zero for the blank, and batch clipping loses marks."""

from autograder.testing import autograde_variants, notebook_with_answers, release_notebook, solution_answers

A = "02_dp_sgd"

# The mistake the lesson warns about: clipping the batch gradient instead of each example's.
BATCH_CLIPPING = '''
def clip_gradients(per_example_grads, max_norm):
    g = np.asarray(per_example_grads, dtype=float)
    norm = np.linalg.norm(g.sum(axis=0))
    return g * min(1.0, max_norm / max(norm, 1e-12))
'''
# Noise scaled by the noise multiplier alone, forgetting the clipping norm.
WRONG_NOISE = '''
def noisy_sum(clipped, noise_multiplier, max_norm, rng):
    total = np.asarray(clipped, dtype=float).sum(axis=0)
    return total + rng.normal(0.0, noise_multiplier, size=total.shape)
'''


def test_dp_sgd_lesson_grades_full_zero_partial(tmp_path):
    answers = solution_answers(A)
    results = autograde_variants(
        A,
        {
            "solution": notebook_with_answers(A, answers),
            "blank": release_notebook(A),
            "batchclip": notebook_with_answers(A, {**answers, "clip": BATCH_CLIPPING}),
            "wrongnoise": notebook_with_answers(A, {**answers, "noise": WRONG_NOISE}),
        },
        tmp_path,
    )
    full = results["solution"]
    assert full.max_score == 6 and full.score == 6, full.cells
    assert results["blank"].score == 0, results["blank"].cells
    assert results["batchclip"].cells["test_clip"] == (0.0, 2.0)
    assert results["batchclip"].score == 4
    assert results["wrongnoise"].cells["test_noise"] == (0.0, 2.0)
    assert results["wrongnoise"].score == 4
