"""Answers to lesson 03's polynomial-sigmoid exercise as learners write them: wrong, cheating, correct.

Each string is one solution cell, packed by ``test_lesson_03_encrypted_credit_risk`` with the other
exercises' answers from ``corpus_03_encrypted_credit_risk``.
"""

# -- sigmoid_poly ----------------------------------------------------------------------------------
# The Taylor series of the sigmoid at 0: exact near 0, far off (and diverging) at the interval's ends.
TAYLOR_SIGMOID = '''
def sigmoid_poly(degree, interval):
    if degree < 1 or interval <= 0:
        raise ValueError("degree and interval")
    taylor = [1 / 2, 1 / 4, 0.0, -1 / 48, 0.0, 1 / 480, 0.0, -17 / 80640, 0.0, 31 / 1451520]
    return np.array((taylor + [0.0] * degree)[: degree + 1])
'''
# Fits on [0, a] only, where the scores of defaulters sit: the polynomial is not odd around 1/2.
HALF_INTERVAL_SIGMOID = '''
def sigmoid_poly(degree, interval):
    if degree < 1 or interval <= 0:
        raise ValueError("degree and interval")
    x = np.linspace(0, interval, 2001)
    V = np.vander(x, degree + 1, increasing=True)
    return np.linalg.lstsq(V, 1 / (1 + np.exp(-x)), rcond=None)[0]
'''
# np.vander(x, degree) has `degree` columns: a polynomial of degree - 1.
SHORT_VANDER_SIGMOID = '''
def sigmoid_poly(degree, interval):
    if degree < 1 or interval <= 0:
        raise ValueError("degree and interval")
    x = np.linspace(-interval, interval, 2001)
    V = np.vander(x, degree, increasing=True)
    return np.linalg.lstsq(V, 1 / (1 + np.exp(-x)), rcond=None)[0]
'''
# Hands the whole fit to NumPy's polynomial fitting.
POLYFIT_SIGMOID = '''
def sigmoid_poly(degree, interval):
    if degree < 1 or interval <= 0:
        raise ValueError("degree and interval")
    x = np.linspace(-interval, interval, 2001)
    return np.polynomial.polynomial.polyfit(x, 1 / (1 + np.exp(-x)), degree)
'''
# Least squares on a grid, in the variable t = x / a (better conditioned), then back to powers of x.
SCALED_LSTSQ_SIGMOID = '''
def sigmoid_poly(degree, interval):
    if degree < 1:
        raise ValueError(f"degree must be >= 1, got {degree}")
    if interval <= 0:
        raise ValueError(f"interval must be > 0, got {interval}")
    t = np.linspace(-1.0, 1.0, 1001)
    V = np.vander(t, degree + 1, increasing=True)
    c, *_ = np.linalg.lstsq(V, 1 / (1 + np.exp(-interval * t)), rcond=None)
    return [float(ck) / interval**k for k, ck in enumerate(c)]
'''
# Continuous least squares: the normal equations with the integrals taken by Gauss-Legendre quadrature.
GAUSS_SIGMOID = '''
def sigmoid_poly(degree, interval):
    if degree < 1 or not interval > 0:
        raise ValueError("need degree >= 1 and interval > 0")
    nodes, weights = np.polynomial.legendre.leggauss(64)
    x = interval * nodes
    V = np.column_stack([x**k for k in range(degree + 1)])
    gram = V.T @ (weights[:, None] * V)
    rhs = V.T @ (weights / (1 + np.exp(-x)))
    return np.linalg.solve(gram, rhs)
'''
