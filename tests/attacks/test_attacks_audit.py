"""The privacy audit: sound for a correct DP-SGD, and it catches the broken ones.

Measured at seed 0 with 4,000 trials (2,000 kept for the bound, 1,000 per world): the correct
trainer's lower bound is 0.00, 0.04, 0.87 and 2.30 for claims 1, 2, 4 and 8; both broken trainers
reach 5.6, the most 1,000 trials per world can certify (log(1000 / 3.7)).
"""

import math

import numpy as np
import pytest
from scipy.stats import beta, binomtest

from ppml_lab import datasets as ds
from ppml_lab.attacks import (
    audit_dp_sgd,
    broken_dp_sgd_trials,
    clopper_pearson,
    dp_sgd_trials,
    epsilon_from_rates,
    epsilon_lower_bound,
    epsilon_lower_bound_from_counts,
)
from ppml_lab.dp import (
    add_gaussian_noise,
    clip_per_sample_gradients,
    logistic_per_sample_gradients,
    poisson_sample,
)


@pytest.mark.parametrize("k,n", [(0, 50), (3, 50), (50, 50), (412, 1000)])
def test_clopper_pearson_matches_scipy_exact_interval(k, n):
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    assert clopper_pearson(k, n, 0.05) == pytest.approx((ci.low, ci.high), abs=1e-9)
    if k == 0:
        assert clopper_pearson(k, n, 0.05)[1] == pytest.approx(1 - 0.025 ** (1 / n))


def test_epsilon_from_rates_by_hand():
    # FPR 1%, FNR 50%: e^eps >= 0.5 / 0.01
    assert epsilon_from_rates(0.01, 0.5, 0.0) == pytest.approx(math.log(50))
    assert epsilon_from_rates(0.5, 0.5, 0.0) == 0.0  # a coin proves nothing
    assert epsilon_from_rates(0.0, 0.2, 1e-5) == math.inf
    assert epsilon_from_rates(0.2, 0.2, 0.7) == 0.0  # a large delta explains any test


def test_the_bound_uses_upper_confidence_limits():
    scores_in, scores_out = np.r_[np.ones(900), np.zeros(100)], np.zeros(1000)
    eps, fpr_hi, fnr_hi = epsilon_lower_bound(scores_in, scores_out, 0.5, delta=0.0)
    assert fpr_hi == pytest.approx(1 - 0.025 ** (1 / 1000))  # no false positive seen
    assert fnr_hi > 0.1
    assert eps == pytest.approx(math.log((1 - fnr_hi) / fpr_hi))


def test_the_bound_from_counts_by_hand_and_from_published_intervals():
    # No error in 1000 trials per world: each rate's 97.5% upper limit is 1 - 0.025^(1/1000).
    hi = 1 - 0.025 ** (1 / 1000)
    assert epsilon_lower_bound_from_counts(0, 1000, 0, 1000, 0.0) == pytest.approx(math.log((1 - hi) / hi))
    assert epsilon_lower_bound_from_counts(0, 1000, 0, 1000, 0.0) == pytest.approx(5.60, abs=0.01)
    # 1 error in 10: the published exact 95% interval is (0.0025, 0.4450).
    assert epsilon_lower_bound_from_counts(1, 10, 1, 10, 0.0) == pytest.approx(
        math.log((1 - 0.4450) / 0.4450), abs=1e-3)
    # any counts: scipy's beta quantiles, and the larger of the two one-sided tests
    fnr_hi, fpr_hi = beta.ppf(0.975, 301, 700), beta.ppf(0.975, 21, 980)
    assert epsilon_lower_bound_from_counts(300, 1000, 20, 1000, 1e-5) == pytest.approx(
        math.log((1 - 1e-5 - fnr_hi) / fpr_hi), rel=1e-12)
    assert epsilon_lower_bound_from_counts(20, 1000, 300, 1000, 1e-5) == pytest.approx(
        epsilon_lower_bound_from_counts(300, 1000, 20, 1000, 1e-5), rel=1e-12)
    # a coin proves nothing, all errors prove nothing, and a large delta explains any test
    assert epsilon_lower_bound_from_counts(500, 1000, 500, 1000, 1e-5) == 0.0
    assert epsilon_lower_bound_from_counts(10, 10, 10, 10, 1e-5) == 0.0
    assert epsilon_lower_bound_from_counts(0, 1000, 0, 1000, 0.999) == 0.0
    # the same figure as the bound on scores, which counts the errors at the threshold
    scores_in, scores_out = np.r_[np.ones(700), np.zeros(300)], np.r_[np.ones(20), np.zeros(980)]
    assert epsilon_lower_bound(scores_in, scores_out, 0.5, 1e-5)[0] == pytest.approx(
        epsilon_lower_bound_from_counts(300, 1000, 20, 1000, 1e-5), rel=1e-12)


def test_vectorised_trials_are_the_kits_dp_sgd_steps():
    # One trial without the canary replays the NumPy DP-SGD of ppml_lab.dp, draw for draw.
    X, y, _ = ds.sensitive_design_matrix(ds.sensitive_tabular(40, seed=2))
    sigma, C, q, steps, lr = 1.3, 0.7, 0.4, 3, 0.5
    W = dp_sgd_trials(
        X,
        y,
        np.array([False]),
        noise_multiplier=sigma,
        max_grad_norm=C,
        sample_rate=q,
        steps=steps,
        lr=lr,
        rng=np.random.default_rng(9),
    )
    rng = np.random.default_rng(9)
    Xc = np.hstack([X, np.zeros((len(X), 1))])  # the unused canary feature
    w = np.zeros(Xc.shape[1] + 1)
    for _ in range(steps):
        idx = poisson_sample(len(X), q, rng)
        rng.random(1)  # the canary's own sampling draw
        grads = clip_per_sample_gradients(logistic_per_sample_gradients(w, Xc[idx], y[idx]), C)
        w -= lr * add_gaussian_noise(grads.sum(axis=0), sigma, C, rng) / (q * len(X))
    assert np.allclose(W[0], w, atol=1e-10)


def test_the_canary_is_clipped_like_any_example():
    X, y, _ = ds.sensitive_design_matrix(ds.sensitive_tabular(30, seed=1))
    flags = np.array([True, False])
    kwargs = dict(noise_multiplier=1.0, max_grad_norm=0.5, steps=2, lr=1.0, rng=0)
    silent = broken_dp_sgd_trials(X, y, flags, mistake="forgot_noise", **kwargs)
    # full batch, no noise: the canary weight moves by exactly lr * C / n per step
    assert silent[0, X.shape[1]] == pytest.approx(-2 * 0.5 / 30)
    assert silent[1, X.shape[1]] == 0.0
    correct = dp_sgd_trials(X, y, flags, **kwargs)
    assert np.isfinite(correct).all()


@pytest.mark.parametrize("claim", [1.0, 2.0, 4.0, 8.0])
def test_a_correct_dp_sgd_is_never_caught_above_its_claim(claim):
    result = audit_dp_sgd(claim, seed=0)
    assert result.trainer == "correct" and not result.violated
    assert result.epsilon_lower_bound <= claim


def test_the_audit_has_power_at_a_large_epsilon():
    # not vacuous: at a claim of 8 the canary is detected, proving epsilon above 1
    assert audit_dp_sgd(8.0, seed=0).epsilon_lower_bound > 1.0


@pytest.mark.parametrize("mistake", ["forgot_noise", "clip_after_noise"])
@pytest.mark.parametrize("claim", [1.0, 2.0, 4.0])
def test_the_audit_catches_a_broken_dp_sgd(mistake, claim):
    result = audit_dp_sgd(claim, trainer=mistake, seed=0)
    assert result.violated
    assert result.epsilon_lower_bound > claim + 1.0


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda: audit_dp_sgd(0.0), "claimed_epsilon"),
        (lambda: audit_dp_sgd(1.0, trainer="sloppy"), "trainer"),
        (lambda: audit_dp_sgd(1.0, n_trials=10), "n_trials"),
        (lambda: audit_dp_sgd(1.0, alpha=1.0), "alpha"),
        (
            lambda: broken_dp_sgd_trials(
                np.zeros((4, 2)), np.zeros(4), [True], mistake="x", noise_multiplier=1.0
            ),
            "mistake",
        ),
        (
            lambda: dp_sgd_trials(
                np.zeros((4, 2)), np.zeros(4), [True], noise_multiplier=1.0, sample_rate=0.0
            ),
            "sample_rate",
        ),
        (lambda: clopper_pearson(5, 4), "successes"),
        (lambda: epsilon_from_rates(1.5, 0.1, 0.0), "fpr"),
        (lambda: epsilon_lower_bound_from_counts(11, 10, 0, 10, 1e-5), "false_negatives"),
        (lambda: epsilon_lower_bound_from_counts(0, 10, -1, 10, 1e-5), "false_positives"),
        (lambda: epsilon_lower_bound_from_counts(0, 0, 0, 10, 1e-5), "n_with_canary"),
        (lambda: epsilon_lower_bound_from_counts(0, 10, 0, 10, 1e-5, alpha=0.0), "alpha"),
    ],
)
def test_bad_arguments_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
