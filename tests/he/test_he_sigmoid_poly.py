"""The polynomial sigmoid: a least-squares fit over the whole symmetric interval."""

import numpy as np
import pytest

from ppml_lab.he import fit_sigmoid_polynomial, sigmoid_poly


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _continuous_least_squares(degree, a):
    # normal equations of the L2 fit on [-a, a], integrals by 64-point Gauss-Legendre quadrature
    nodes, weights = np.polynomial.legendre.leggauss(64)
    x = a * nodes
    V = np.vander(x, degree + 1, increasing=True)
    return np.linalg.solve(V.T @ (weights[:, None] * V), V.T @ (weights * _sigmoid(x)))


@pytest.mark.parametrize("degree,a", [(1, 2.0), (3, 4.0), (5, 6.0), (7, 8.0), (4, 1.0)])
def test_it_is_the_least_squares_fit_on_the_whole_interval(degree, a):
    c = sigmoid_poly(degree, a)
    assert c.shape == (degree + 1,)
    x = np.linspace(-a, a, 1001)
    gap = np.abs(np.polynomial.polynomial.polyval(x, c) - np.polynomial.polynomial.polyval(x, _continuous_least_squares(degree, a)))
    assert gap.max() < 5e-4  # a 4,001-point grid against the integral


def test_even_terms_are_exact_zeros_and_the_fit_is_odd_around_one_half():
    c = sigmoid_poly(7, 6.0)
    assert np.all(c[2::2] == 0.0) and c[0] == pytest.approx(0.5, abs=1e-12)
    x = np.linspace(-6, 6, 101)
    p = np.polynomial.polynomial.polyval
    assert np.allclose(p(x, c) + p(-x, c), 1.0, atol=1e-12)


def test_it_beats_the_taylor_series_at_the_ends_and_improves_with_the_degree():
    x = np.linspace(-4, 4, 801)
    taylor3 = 0.5 + x / 4 - x**3 / 48
    fit3 = np.polynomial.polynomial.polyval(x, sigmoid_poly(3, 4.0))
    assert np.abs(fit3 - _sigmoid(x)).max() < 0.04 < 0.5 < np.abs(taylor3 - _sigmoid(x)).max()
    errors = [fit_sigmoid_polynomial(d, 4.0)[1] for d in (1, 3, 5, 7, 9)]
    assert all(later < 0.5 * earlier for earlier, later in zip(errors[:-1], errors[1:], strict=True))


def test_fit_sigmoid_polynomial_returns_these_coefficients():
    assert np.array_equal(fit_sigmoid_polynomial(5, 3.0)[0], sigmoid_poly(5, 3.0))


@pytest.mark.parametrize("degree,interval,argument", [(0, 4.0, "degree"), (2.5, 4.0, "degree"), (True, 4.0, "degree"),
                                                      (3, 0.0, "interval"), (3, -1.0, "interval"),
                                                      (3, float("nan"), "interval")])
def test_bad_arguments_name_the_argument(degree, interval, argument):
    with pytest.raises(ValueError, match=argument):
        sigmoid_poly(degree, interval)
