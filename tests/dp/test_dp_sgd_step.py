"""One NumPy DP-SGD step: Poisson sampling, per-example clipping, noise on the sum, mean over q * N."""

import math

import numpy as np
import pytest
from scipy import stats

from autograder.randomness import assert_discrete_distribution, assert_distribution
from ppml_lab.dp import logistic_dp_sgd_step, logistic_per_sample_gradients


def test_full_batch_without_noise_is_clipped_gradient_descent():
    gen = np.random.default_rng(0)
    X, y, w = gen.normal(size=(20, 3)) * 4, (gen.random(20) < 0.5).astype(float), gen.normal(size=4)
    g = logistic_per_sample_gradients(w, X, y)
    g = g * np.minimum(1.0, 0.5 / np.linalg.norm(g, axis=1, keepdims=True))
    assert np.allclose(logistic_dp_sgd_step(w, X, y, 1.0, 0.0, 0.5, 0.1, rng=1), w - 0.1 * g.sum(axis=0) / 20)


def test_poisson_batches_and_division_by_the_expected_batch_size():
    # row i has only feature i: the update shows which rows were sampled, each moving by C * lr / (q N)
    n, q, c = 30, 0.2, 1.0
    X, y = 10.0 * np.eye(n), np.zeros(n)
    unit = -c * 10 / math.sqrt(101) / (q * n)
    gen = np.random.default_rng(2)
    sizes = []
    for _ in range(600):
        upd = logistic_dp_sgd_step(np.zeros(n + 1), X, y, q, 0.0, c, 1.0, gen)
        sampled = upd[:n] != 0
        assert np.allclose(upd[:n][sampled], unit, rtol=1e-12)
        sizes.append(int(sampled.sum()))
    assert_discrete_distribution(sizes, list(stats.binom(n, q).pmf(np.arange(n + 1))), alpha=1e-3)


def test_noise_on_the_sum_has_std_sigma_c_over_q_n():
    gen = np.random.default_rng(3)
    X, y = gen.normal(size=(8, 2)), np.ones(8)
    clean = logistic_dp_sgd_step(np.zeros(3), X, y, 1.0, 0.0, 2.0, 0.5, rng=0)
    noisy = np.array([logistic_dp_sgd_step(np.zeros(3), X, y, 1.0, 1.2, 2.0, 0.5, gen) for _ in range(2000)])
    assert_distribution((noisy - clean).ravel(), stats.norm(scale=0.5 * 1.2 * 2.0 / 8), alpha=1e-3)


def test_bad_sample_rate_is_named():
    with pytest.raises(ValueError, match="sample_rate"):
        logistic_dp_sgd_step(np.zeros(3), np.ones((4, 2)), np.ones(4), 0.0, 1.0, 1.0, 0.1, rng=0)
