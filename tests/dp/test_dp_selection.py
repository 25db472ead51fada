"""Report-noisy-max and AboveThreshold: exact outcome probabilities against closed forms and sampling."""

import math

import numpy as np
import pytest

from autograder.randomness import assert_discrete_distribution
from ppml_lab.dp import (
    above_threshold,
    above_threshold_probabilities,
    report_noisy_max,
    report_noisy_max_probabilities,
)

N = 20_000
ALPHA = 1e-3  # a correct sampler fails the chi-square test 1 time in 1000 over seeds


@pytest.mark.parametrize("gap", [0.0, 1.0, 4.0])
def test_noisy_max_of_two_counts_matches_the_closed_form(gap):
    # the difference of two Laplace(b) variables Z: P(Z < d) = 1 - exp(-d/b) (1 + d/(2b)) / 2 for d >= 0
    eps = 0.5
    b = 1 / eps
    want_second = 1 - 0.5 * math.exp(-gap / b) * (1 + gap / (2 * b))
    p = report_noisy_max_probabilities([10.0, 10.0 + gap], eps)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert p[1] == pytest.approx(want_second, abs=1e-8)


def test_noisy_max_samples_follow_the_exact_probabilities():
    counts, eps = [10, 12, 11, 5, 12], 0.4
    gen = np.random.default_rng(3)
    picks = [report_noisy_max(counts, eps, gen) for _ in range(N)]
    assert_discrete_distribution(picks, list(report_noisy_max_probabilities(counts, eps)), alpha=ALPHA)


def test_above_threshold_samples_follow_the_exact_probabilities():
    queries, threshold, eps = [3.0, 8.0, 12.0, 20.0], 10.0, 1.0
    gen = np.random.default_rng(4)
    out = [above_threshold(queries, threshold, eps, gen) for _ in range(N)]
    coded = [len(queries) if o is None else o for o in out]
    probs = above_threshold_probabilities(queries, threshold, eps)
    assert probs.shape == (5,) and probs.sum() == pytest.approx(1.0, abs=1e-12)
    assert_discrete_distribution(coded, list(probs), alpha=ALPHA)


def test_above_threshold_limits():
    # queries far below the threshold: "none above" almost surely; far above: the first one
    assert above_threshold_probabilities([0.0, 0.0], 1000.0, 1.0)[-1] == pytest.approx(1.0, abs=1e-12)
    assert above_threshold_probabilities([1000.0, 0.0], 0.0, 1.0)[0] == pytest.approx(1.0, abs=1e-12)
    assert above_threshold([-1e6] * 3, 0.0, 1.0, rng=0) is None


def test_more_privacy_flattens_the_choice():
    sharp = report_noisy_max_probabilities([0.0, 5.0], 2.0)
    flat = report_noisy_max_probabilities([0.0, 5.0], 0.05)
    assert sharp[1] > 0.99 and abs(flat[1] - 0.5) < 0.1


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: report_noisy_max([], 1.0, rng=0), "counts"),
        (lambda: report_noisy_max([1.0, float("nan")], 1.0, rng=0), "counts"),
        (lambda: report_noisy_max([1.0], 0.0, rng=0), "epsilon"),
        (lambda: above_threshold([[1.0]], 0.0, 1.0, rng=0), "queries"),
        (lambda: above_threshold_probabilities([1.0], 0.0, -1.0), "epsilon"),
    ],
)
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
