"""The two-bank SMPC lesson grades full, zero and partial marks with the real nbgrader CLI."""

from autograder.testing import autograde_variants, notebook_with_answers, release_notebook, solution_answers

A = "04_two_bank_fraud"

# Forgets the public d*e term.
WRONG_LOCAL = '''
def beaver_local_share(d, e, a_i, b_i, c_i, party):
    return c_i + d * b_i + e * a_i
'''
# Correct, but opens d and e in two separate rounds.
TWO_ROUNDS = '''
def beaver_multiply_shares(x_shares, y_shares, triple, transport):
    dd = transport.exchange([x_shares[i] - triple.a[i] for i in range(2)])
    ee = transport.exchange([y_shares[i] - triple.b[i] for i in range(2)])
    d, e = dd[0] + dd[1], ee[0] + ee[1]
    return [beaver_local_share(d, e, triple.a[i], triple.b[i], triple.c[i], i) for i in range(2)]
'''
# The unbatched loop the lab warns about.
LOOPED = '''
def batched_scores(X, w):
    from ppml_lab.smpc import SharedTensor
    parts = [(X[i] * w).sum() for i in range(X.shape[0])]
    return SharedTensor([np.array([p.shares[k] for p in parts]) for k in range(2)], X.session)
'''


def test_two_bank_lesson_grades_full_zero_partial(tmp_path):
    answers = solution_answers(A)
    results = autograde_variants(
        A,
        {
            "solution": notebook_with_answers(A, answers),
            "blank": release_notebook(A),
            "wronglocal": notebook_with_answers(A, {**answers, "beaver_local": WRONG_LOCAL}),
            "tworounds": notebook_with_answers(A, {**answers, "beaver_protocol": TWO_ROUNDS, "batched": LOOPED}),
        },
        tmp_path,
    )
    full = results["solution"]
    assert full.max_score == 7 and full.score == 7, full.cells
    assert results["blank"].score == 0, results["blank"].cells
    wrong = results["wronglocal"]
    assert wrong.cells["test_beaver_local"] == (0.0, 2.0)
    assert wrong.score < 7
    two = results["tworounds"]
    assert two.cells["test_beaver_protocol"] == (2.0, 2.0)
    assert two.cells["test_beaver_rounds"] == (0.0, 1.0)
    assert two.cells["test_batched"] == (0.0, 2.0)
    assert two.score == 4
