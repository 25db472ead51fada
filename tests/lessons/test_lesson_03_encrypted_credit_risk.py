"""The encrypted credit-risk lesson grades right from wrong with the real nbgrader CLI.

Eight notebooks in one grading run: the solution, the blank release and six submissions, each
answering every exercise with one variant (a plausible mistake, a cheat, or another correct answer),
so the run does not grow with the number of exercises. Cheats on the server's side decrypt or encrypt
afresh with the key owner's context; the others hand the work to the kit.
"""

import pytest

from autograder.testing import autograde_variants, notebook_with_answers, release_notebook, solution_answers

A = "03_encrypted_credit_risk"

# -- levels_for_scoring --------------------------------------------------------------------------
# Counts one level per polynomial degree instead of the log-depth evaluation.
LINEAR_DEPTH = '''
def levels_for_scoring(degree):
    if degree < 1:
        raise ValueError("degree")
    return 1 + degree
'''
# Rounds the logarithm down: right only when degree + 1 is a power of two.
FLOOR_DEPTH = '''
def levels_for_scoring(degree):
    if degree < 1:
        raise ValueError("degree")
    return 1 + math.floor(math.log2(degree + 1))
'''
# log2 of the degree, not of the number of coefficients: wrong at degree 1 and at powers of two.
LOG_DEGREE_DEPTH = '''
def levels_for_scoring(degree):
    if degree < 1:
        raise ValueError("degree")
    return 1 + math.ceil(math.log2(degree))
'''
# The kit's own depth count.
KIT_DEPTH = '''
from ppml_lab.he import polynomial_levels

def levels_for_scoring(degree):
    return 1 + polynomial_levels(degree)
'''
# ceil(log2(d + 1)) is the number of bits of d.
BITS_DEPTH = '''
def levels_for_scoring(degree):
    if degree < 1:
        raise ValueError(f"degree must be at least 1, got {degree}")
    return 1 + int(degree).bit_length()
'''
# Squarings needed until the powers reach the degree, as a NumPy integer.
LOOP_DEPTH = '''
def levels_for_scoring(degree):
    if degree < 1:
        raise ValueError("degree must be >= 1")
    levels, reach = 0, 1
    while reach < degree + 1:
        reach *= 2
        levels += 1
    return np.int64(1 + levels)
'''

# -- encrypted_scores ------------------------------------------------------------------------------
# Forgets the bias term of the score.
NO_BIAS = '''
def encrypted_scores(columns, weights, bias):
    total = columns[0] * float(weights[0])
    for col, w in zip(columns[1:], weights[1:]):
        total = total + col * float(w)
    return total
'''
# Adds the bias inside the loop: once per feature.
BIAS_EACH = '''
def encrypted_scores(columns, weights, bias):
    total = None
    for col, w in zip(columns, weights):
        term = col * float(w) + float(bias)
        total = term if total is None else total + term
    return total
'''
# Off by one: the first column gets the second weight.
SHIFTED = '''
def encrypted_scores(columns, weights, bias):
    total = columns[0] * float(weights[-1])
    for col, w in zip(columns[1:], weights[:-1]):
        total = total + col * float(w)
    return total + float(bias)
'''
# Asks the key owner: decrypts the columns, scores in the clear and encrypts the scores afresh.
FRESH_SCORES = '''
def encrypted_scores(columns, weights, bias):
    X = np.column_stack([owner.decrypt(c) for c in columns])
    return owner.encrypt(X @ np.asarray(weights) + bias)
'''
SUM_SCORES = '''
def encrypted_scores(columns, weights, bias):
    return sum(col * float(w) for col, w in zip(columns, weights)) + bias
'''
METHOD_SCORES = '''
def encrypted_scores(columns, weights, bias):
    weights = np.asarray(weights, dtype=np.float64)
    total = columns[0].mul(weights[0])
    for j in range(1, len(columns)):
        total.add_(columns[j].mul(weights[j]))
    return total.add(np.float64(bias))
'''

# -- encrypted_gradient ----------------------------------------------------------------------------
# Sums the error alone: every entry is sum(e), the columns never enter.
ERROR_ONLY = '''
def encrypted_gradient(gradient_columns, error):
    return [error.sum() for _ in gradient_columns]
'''
# Forgets the rotation-sum: slot 0 holds the first applicant's product only.
NO_SUM = '''
def encrypted_gradient(gradient_columns, error):
    return [error * col for col in gradient_columns]
'''
# One ciphertext for everything: sums the products of all features together.
ONE_TOTAL = '''
def encrypted_gradient(gradient_columns, error):
    total = error * gradient_columns[0]
    for col in gradient_columns[1:]:
        total = total + error * col
    return total.sum()
'''
# Decrypts with the key owner's secret key, computes in the clear and encrypts the answer afresh.
DECRYPTING_GRADIENT = '''
def encrypted_gradient(gradient_columns, error):
    secret = owner._context.secret_key()
    e = np.array(error.decrypt(secret))
    return [ts.ckks_vector(owner._context, [float(np.array(col.decrypt(secret)) @ e)]) for col in gradient_columns]
'''
DOT_GRADIENT = '''
def encrypted_gradient(gradient_columns, error):
    return [error.dot(col) for col in gradient_columns]
'''
INPLACE_GRADIENT = '''
def encrypted_gradient(gradient_columns, error):
    out = []
    for col in gradient_columns:
        product = col * error
        product.sum_()
        out.append(product)
    return tuple(out)
'''

CELLS = ("test_depth", "test_scores", "test_gradient")
VARIANTS = {
    # name: {answer cell: (code, marks of its test cell)}
    "wrong1": {"depth": (LINEAR_DEPTH, 0), "scores": (NO_BIAS, 0), "gradient": (ERROR_ONLY, 0)},
    "wrong2": {"depth": (FLOOR_DEPTH, 0), "scores": (BIAS_EACH, 0), "gradient": (NO_SUM, 0)},
    "wrong3": {"depth": (LOG_DEGREE_DEPTH, 0), "scores": (SHIFTED, 0), "gradient": (ONE_TOTAL, 0)},
    "cheat": {"depth": (KIT_DEPTH, 0), "scores": (FRESH_SCORES, 0), "gradient": (DECRYPTING_GRADIENT, 0)},
    "alt1": {"depth": (BITS_DEPTH, 2), "scores": (SUM_SCORES, 3), "gradient": (DOT_GRADIENT, 3)},
    "alt2": {"depth": (LOOP_DEPTH, 2), "scores": (METHOD_SCORES, 3), "gradient": (INPLACE_GRADIENT, 3)},
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    answers = solution_answers(A)
    assert set(answers) == {"depth", "scores", "gradient"}
    notebooks = {"solution": notebook_with_answers(A, answers), "blank": release_notebook(A)}
    for name, variant in VARIANTS.items():
        notebooks[name] = notebook_with_answers(A, {cell: code for cell, (code, _) in variant.items()})
    assert len(notebooks) <= 8
    return autograde_variants(A, notebooks, tmp_path_factory.mktemp("grading"), timeout=2400)


@pytest.mark.timeout(2400)
def test_solution_full_and_blank_zero(results):
    full = results["solution"]
    assert full.max_score == 8 and full.score == 8, full.cells
    assert results["blank"].score == 0 and results["blank"].max_score == 8, results["blank"].cells


@pytest.mark.timeout(2400)
def test_wrong_answers_lose_cheats_earn_nothing_alternatives_earn_full(results):
    marks = {name: {c: results[name].cells[c][0] for c in CELLS} for name in VARIANTS}
    expected = {
        name: {f"test_{cell}": float(m) for cell, (_, m) in variant.items()} for name, variant in VARIANTS.items()
    }
    assert marks == expected


@pytest.mark.timeout(2400)
def test_cheats_are_named(results):
    cheat = results["cheat"]
    assert "ppml_lab.he.polynomial_levels" in cheat.outputs_text("test_depth")
    scores = cheat.outputs_text("test_scores")
    assert "the server never decrypts" in scores and "ppml_lab.he.KeyOwner.decrypt" in scores
    gradient = cheat.outputs_text("test_gradient")
    assert "the server never decrypts" in gradient and "Context.secret_key" in gradient
