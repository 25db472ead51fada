"""Randomized answers are tested as distributions: rng use, independence, KS and chi-square."""

import numpy as np
import pytest
from scipy import stats

from autograder.checks import (
    assert_discrete_distribution,
    assert_distribution,
    assert_rng_respected,
    assert_uncorrelated,
)

X = np.arange(4.0)


def honest(x, rng):
    return x + rng.laplace(0.0, 1.0, size=x.shape)


def global_state(x, rng):
    return x + np.random.laplace(0.0, 1.0, size=x.shape)


def fixed_generator(x, rng):
    return x + np.random.default_rng(0).laplace(0.0, 1.0, size=x.shape)


def test_rng_respected_passes_an_answer_that_draws_from_its_generator():
    out = assert_rng_respected(honest, lambda s: (X, np.random.default_rng(s)))
    assert out.shape == (4,)


@pytest.mark.parametrize(("answer", "message"), [(global_state, "same seed"), (fixed_generator, "different seeds")])
def test_rng_respected_refuses_global_or_fixed_randomness(answer, message):
    with pytest.raises(AssertionError, match=message):
        assert_rng_respected(answer, lambda s: (X, np.random.default_rng(s)))


def test_uncorrelated_tells_independent_noise_from_one_shared_scalar():
    gen = np.random.default_rng(7)
    trials = 2000
    bound = 5 / np.sqrt(trials)
    independent = gen.normal(size=(trials, 5))
    shared = np.repeat(gen.normal(size=(trials, 1)), 5, axis=1) + 1e-3 * gen.normal(size=(trials, 5))
    assert_uncorrelated(independent, bound)
    with pytest.raises(AssertionError, match=r"corr\(coordinate \d, coordinate \d\) = \+1\.000"):
        assert_uncorrelated(shared, bound)
    with pytest.raises(AssertionError, match="does not vary"):
        assert_uncorrelated(np.ones((10, 3)), bound)


def test_ks_tells_laplace_from_gaussian_at_a_fixed_seed():
    gen = np.random.default_rng(11)
    laplace = gen.laplace(0.0, 2.0, size=5000)
    gaussian = gen.normal(0.0, 2.0 * np.sqrt(2.0), size=5000)  # same variance, wrong shape
    assert assert_distribution(laplace, stats.laplace(scale=2.0)) > 1e-3
    with pytest.raises(AssertionError, match="Kolmogorov-Smirnov"):
        assert_distribution(gaussian, stats.laplace(scale=2.0).cdf)
    with pytest.raises(AssertionError, match="Kolmogorov-Smirnov"):
        assert_distribution(gen.laplace(0.0, 1.0, size=5000), stats.laplace(scale=2.0))  # wrong scale


def test_chi_square_for_discrete_outputs():
    gen = np.random.default_rng(12)
    p = {0: 0.25, 1: 0.75}
    fair = (gen.random(4000) < 0.75).astype(int)
    biased = (gen.random(4000) < 0.70).astype(int)
    assert assert_discrete_distribution(fair, p) > 1e-3
    with pytest.raises(AssertionError, match="chi-square"):
        assert_discrete_distribution(biased, p)
    with pytest.raises(AssertionError, match="never takes"):
        assert_discrete_distribution(np.array([0, 1, 2]), p)
