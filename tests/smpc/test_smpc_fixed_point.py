"""Fixed point at every size: public constants keep their precision, truncation is exact up to the
ring's bound, and secure LR still moves when n is large."""

import numpy as np
import pytest

from ppml_lab.smpc import (
    FRAC_BITS,
    MPCSession,
    SecureLogisticRegression,
    encode_public,
    local_truncation_failure_probability,
    train_plaintext_poly_lr,
)

ULP = 2.0**-FRAC_BITS


@pytest.mark.parametrize("n", [35_000, 131_072, 200_000, 5_000_000])
def test_a_step_of_one_over_n_keeps_its_value(n):
    s = MPCSession()
    x = np.array([0.5, -3.0, 2.0, 7.25]) * n / 8  # a gradient summed over n rows
    got = (s.share(x) * (1.0 / n)).reveal()
    # 16 fractional bits would give 1.068 x the step at n = 35,000 and 0 above 131,072
    assert np.allclose(got, x / n, rtol=2e-3, atol=0), (n, got * n / x)


def test_a_public_constant_that_would_lose_more_than_one_percent_is_refused():
    s = MPCSession()
    with pytest.raises(ValueError, match="1% relative precision"):
        s.share(np.ones(2)) * 1e-30
    with pytest.raises(ValueError, match="1% relative precision"):
        encode_public(3e-16)
    enc, k = encode_public(1 / 35_000, 10)
    assert abs(int(enc) / 2**k * 35_000 - 1) < 1e-3


def test_truncation_is_exact_for_products_near_the_ring_bound():
    # x * y * 2^(2f) close to 2^62: local truncation fails on about half of such values
    rng = np.random.default_rng(0)
    x = rng.uniform(2**14.4, 2**14.9, 400) * rng.choice([-1, 1], 400)
    y = rng.uniform(2**14.4, 2**14.9, 400)
    s = MPCSession()
    X, Y = s.share(x), s.share(y, owner=1)
    xe, ye = np.round(x * 2**FRAC_BITS) / 2**FRAC_BITS, np.round(y * 2**FRAC_BITS) / 2**FRAC_BITS
    got = (X * Y).reveal()
    err = got - xe * ye
    assert np.all((err > -ULP) & (err <= 2 * ULP)), np.abs(err).max()


def test_truncation_error_is_zero_or_one_unit_on_random_values():
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.normal(0, 1000, 3000), [0.0, ULP, -ULP, 1.0, -1.0]])
    s = MPCSession()
    ones = s.share(np.ones_like(values), owner=1)
    got = (s.share(values) * ones).reveal()
    units = np.round((got - np.round(values * 2**FRAC_BITS) / 2**FRAC_BITS) / ULP)
    assert set(np.unique(units)) <= {0.0, 1.0}


def test_local_truncation_failure_probability_matches_the_lesson_figure():
    # products below 4 in magnitude carry 2 + 2f = 34 bits; 4 truncated products of 35,000 values
    # a step, 30 steps: about one training in 150 would return garbage
    p = local_truncation_failure_probability(2 + 2 * FRAC_BITS, 35_000 * 4 * 30)
    assert 1 / 200 < p < 1 / 50


def test_secure_lr_above_131072_rows_moves_and_matches_plaintext():
    rng = np.random.default_rng(2)
    n = 140_000
    X = rng.normal(size=(n, 2))
    y = (X @ np.array([1.5, -1.0]) + rng.normal(0, 0.5, n) > 0).astype(float)
    half = n // 2
    model = SecureLogisticRegression(learning_rate=1.0, n_iterations=2).fit_horizontal(
        [(X[:half], y[:half]), (X[half:], y[half:])]
    )
    w = train_plaintext_poly_lr(np.hstack([X, np.ones((n, 1))]), y, 1.0, 2)
    assert np.abs(w).max() > 0.1
    assert np.allclose(model.coef_, w, rtol=0.01, atol=2e-3), (model.coef_, w)


@pytest.mark.parametrize("value", [1 / 35_000, 1e-6])
def test_a_public_array_keeps_its_precision_like_a_public_scalar(value):
    # with 16 fractional bits, 1/35,000 would be 6.8% too large and 1e-6 would be 0
    s = MPCSession()
    x = np.array([1.0, -2.0, 3.0]) * 4096
    public = np.full(3, value)
    assert np.allclose((s.share(x) * public).reveal(), x * value, rtol=1e-2, atol=0)
    assert np.allclose((public * s.share(x)).reveal(), x * value, rtol=1e-2, atol=0)
    assert np.allclose((s.share(x) @ public).reveal(), x @ public, rtol=1e-2, atol=0)
    M = np.full((2, 3), value)
    assert np.allclose((M @ s.share(x)).reveal(), M @ x, rtol=1e-2, atol=0)
    assert np.allclose((s.share(np.vstack([x, x])) @ public).reveal(), M @ x, rtol=1e-2, atol=0)


def test_a_public_array_that_would_lose_more_than_one_percent_is_refused():
    s = MPCSession()
    with pytest.raises(ValueError, match="1% relative precision"):
        s.share(np.ones(2)) * np.array([1.0, 1e-30])
    with pytest.raises(ValueError, match="1% relative precision"):
        np.array([[1e4, 1e-9]]) @ s.share(np.ones(2))
