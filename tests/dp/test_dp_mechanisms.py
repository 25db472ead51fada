"""Mechanisms and samplers: distributions against theory (fixed seeds, stated tolerances)."""

import inspect
import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from ppml_lab.dp import (
    ExponentialMechanism,
    GaussianMechanism,
    LaplaceMechanism,
    RandomizedResponse,
    bounded_mean,
    calibrate_analytic_gaussian,
    classic_gaussian_sigma,
    clip_l1,
    clip_l2,
    sample_discrete_gaussian,
    sample_discrete_laplace,
)
from ppml_lab.dp import discrete as discrete_module

N = 20_000
ALPHA = 1e-3  # goodness-of-fit tests reject a correct sampler 1 time in 1000


def test_laplace_noise_is_laplace_with_scale_sensitivity_over_epsilon():
    mech = LaplaceMechanism(epsilon=0.5, sensitivity=2.0)
    noise = mech.randomise(np.zeros(N), rng=1)
    assert stats.kstest(noise, stats.laplace(scale=4.0).cdf).pvalue > ALPHA
    assert mech.guarantee.epsilon == 0.5 and mech.guarantee.delta == 0.0


def test_gaussian_analytic_is_tighter_than_classic_and_exact():
    sigma = calibrate_analytic_gaussian(0.5, 1e-5, 1.0)
    assert sigma < classic_gaussian_sigma(0.5, 1e-5, 1.0)
    # the privacy profile at sigma equals delta (Balle & Wang, Theorem 8)
    a, b = 1 / (2 * sigma), 0.5 * sigma
    delta = stats.norm.cdf(a - b) - math.exp(0.5) * stats.norm.cdf(-a - b)
    assert delta == pytest.approx(1e-5, rel=1e-6)
    mech = GaussianMechanism(0.5, 1e-5, 1.0)
    noise = mech.randomise(np.zeros(N), rng=2)
    assert stats.kstest(noise, stats.norm(scale=mech.sigma).cdf).pvalue > ALPHA


def test_gaussian_works_above_epsilon_one_only_analytically():
    assert GaussianMechanism(3.0, 1e-6, 1.0).sigma > 0
    with pytest.raises(ValueError, match="epsilon"):
        GaussianMechanism(3.0, 1e-6, 1.0, method="classic")


def test_exponential_mechanism_selection_frequencies():
    utilities = [0.0, 1.0, 2.0, 4.0]
    mech = ExponentialMechanism(epsilon=1.0, sensitivity=1.0)
    expected = np.exp(0.5 * np.array(utilities))
    expected /= expected.sum()
    assert mech.probabilities(utilities) == pytest.approx(expected)
    rng = np.random.default_rng(3)
    counts = np.bincount([mech.select(utilities, rng) for _ in range(N)], minlength=4)
    assert stats.chisquare(counts, expected * N).pvalue > ALPHA


@pytest.mark.parametrize("k", [2, 5])
def test_randomized_response_rates_and_unbiased_estimate(k):
    rr = RandomizedResponse(epsilon=1.0, k=k)
    truth = np.zeros(N, dtype=np.int64)
    reports = rr.randomise(truth, rng=4)
    assert (reports == 0).mean() == pytest.approx(math.e / (math.e + k - 1), abs=0.015)  # ~4 sd at N=20000
    true_freq = np.array([0.5] + [0.5 / (k - 1)] * (k - 1))
    values = np.random.default_rng(5).choice(k, N, p=true_freq)
    est = rr.estimate_frequencies(rr.randomise(values, rng=6))
    assert est == pytest.approx(true_freq, abs=0.04)


def _chisquare_against_pmf(samples, log_weight, support_radius):
    ks = np.arange(-support_radius, support_radius + 1)
    pmf = np.exp([log_weight(k) for k in ks])
    pmf /= pmf.sum()
    observed = np.array([(samples == k).sum() for k in ks])
    tail = len(samples) - observed.sum()
    expected = pmf * len(samples)
    keep = expected >= 5
    obs = np.append(observed[keep], tail + observed[~keep].sum())
    exp = np.append(expected[keep], len(samples) - expected[keep].sum())
    return stats.chisquare(obs, exp).pvalue


def test_discrete_laplace_matches_its_pmf():
    x = sample_discrete_laplace(Fraction(3, 2), size=N)
    assert x.dtype == np.int64
    assert _chisquare_against_pmf(x, lambda k: -abs(k) / 1.5, 40) > ALPHA


def test_discrete_gaussian_matches_its_pmf_and_variance():
    x = sample_discrete_gaussian(Fraction(9, 1), size=N)
    assert _chisquare_against_pmf(x, lambda k: -(k * k) / 18.0, 40) > ALPHA
    assert x.var() == pytest.approx(
        9.0, rel=0.05
    )  # the discrete Gaussian's variance is ~sigma^2 for sigma >= 1


def test_discrete_samplers_never_use_floating_point_transcendentals(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a transcendental function was called while sampling")

    for name in ("exp", "log", "sqrt", "expm1", "log1p"):
        monkeypatch.setattr(math, name, forbidden)
        monkeypatch.setattr(np, name, forbidden)
    sample_discrete_gaussian(Fraction(5, 2), size=200)
    sample_discrete_laplace(Fraction(7, 3), size=200)
    source = inspect.getsource(discrete_module)
    assert "float(" not in source and "random.random" not in source and "np.random" not in source


def test_bounded_mean_and_clipping():
    values = np.concatenate([np.full(999, 10.0), [1e9]])
    releases = [bounded_mean(values, 0.0, 100.0, epsilon=1.0, rng=i) for i in range(200)]
    assert np.mean(releases) == pytest.approx(10.0 + 90.0 / 1000, abs=0.05)
    assert np.linalg.norm(clip_l2([[3.0, 4.0], [0.3, 0.4]], 1.0), axis=1) == pytest.approx([1.0, 0.5])
    assert np.abs(clip_l1([[3.0, -1.0]], 2.0)).sum() == pytest.approx(2.0)


@pytest.mark.parametrize(
    "make,argument",
    [
        (lambda: LaplaceMechanism(0.0, 1.0), "epsilon"),
        (lambda: LaplaceMechanism(-1.0, 1.0), "epsilon"),
        (lambda: LaplaceMechanism(1.0, -1.0), "sensitivity"),
        (lambda: GaussianMechanism(1.0, 1.0, 1.0), "delta"),
        (lambda: GaussianMechanism(1.0, -0.1, 1.0), "delta"),
        (lambda: GaussianMechanism(1.0, 1e-5, 1.0, method="magic"), "method"),
        (lambda: ExponentialMechanism(1.0, 0.0), "sensitivity"),
        (lambda: RandomizedResponse(1.0, k=1), "k"),
        (lambda: sample_discrete_gaussian(0), "sigma_sq"),
        (lambda: sample_discrete_laplace(-2), "scale"),
    ],
)
def test_bad_arguments_name_the_argument(make, argument):
    with pytest.raises(ValueError, match=argument):
        make()
