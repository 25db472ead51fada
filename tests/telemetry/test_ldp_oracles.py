"""Local-DP oracles: unbiased, with the empirical variance the theory predicts (within 10%).

Each check repeats the randomization R = 1,000 times on a fixed population (seeds 10,000+ for the
devices' randomness, seed 0 for the data); the relative standard error of an empirical variance at
R = 1,000 is about 4.5%, so a correct oracle stays within the 10% tolerance.
"""

import numpy as np
import pytest

from ppml_lab.dp.local import (
    DBitFlip,
    DuchiMean,
    KaryRandomizedResponse,
    OneBitMean,
    OptimizedLocalHashing,
    OptimizedUnaryEncoding,
    SymmetricUnaryEncoding,
)

R, N = 1000, 2000
FREQ = np.array([0.4, 0.25, 0.2, 0.1, 0.05])
VALUES = np.random.default_rng(0).choice(len(FREQ), N, p=FREQ)
TRUE = np.bincount(VALUES, minlength=len(FREQ)) / N


@pytest.mark.parametrize(
    "cls", [KaryRandomizedResponse, SymmetricUnaryEncoding, OptimizedUnaryEncoding, OptimizedLocalHashing]
)
def test_frequency_oracle_is_unbiased_with_theoretical_variance(cls):
    oracle = cls(1.0, len(FREQ))
    ests = np.array([oracle.estimate(oracle.privatize(VALUES, rng=10_000 + s)) for s in range(R)])
    theory = oracle.variance(N, TRUE)
    # unbiased: the mean of R estimates is within 4 standard errors of the truth
    assert np.all(np.abs(ests.mean(0) - TRUE) < 4 * np.sqrt(theory / R))
    assert np.all(np.abs(ests.var(0) / theory - 1) < 0.10), ests.var(0) / theory


def test_oue_and_olh_beat_krr_variance_on_a_large_domain():
    d, eps = 64, 1.0
    v = {
        cls: cls(eps, d).variance(10_000).mean()
        for cls in (KaryRandomizedResponse, OptimizedUnaryEncoding, OptimizedLocalHashing)
    }
    assert v[OptimizedUnaryEncoding] < v[KaryRandomizedResponse]
    assert v[OptimizedLocalHashing] < v[KaryRandomizedResponse]


@pytest.mark.parametrize(
    "make,values",
    [
        (lambda: DuchiMean(1.0), np.random.default_rng(1).uniform(-1, 1, N)),
        (lambda: OneBitMean(1.0, 3600.0), np.random.default_rng(2).uniform(0, 3600, N)),
    ],
)
def test_mean_estimators_are_unbiased_with_theoretical_variance(make, values):
    mech = make()
    ests = np.array([mech.estimate(mech.privatize(values, rng=20_000 + s)) for s in range(R)])
    theory = mech.variance(values)
    assert abs(ests.mean() - values.mean()) < 4 * np.sqrt(theory / R)
    assert abs(ests.var() / theory - 1) < 0.10


def test_dbitflip_histogram_is_unbiased_with_theoretical_variance():
    mech = DBitFlip(1.0, len(FREQ))
    ests = np.array([mech.estimate(mech.privatize(VALUES, rng=30_000 + s)) for s in range(R)])
    theory = mech.variance(N, TRUE)
    assert np.all(np.abs(ests.mean(0) - TRUE) < 4 * np.sqrt(theory / R))
    assert np.all(np.abs(ests.var(0) / theory - 1) < 0.10), ests.var(0) / theory


@pytest.mark.parametrize(
    "call,argument",
    [
        (lambda: KaryRandomizedResponse(0.0, 4), "epsilon"),
        (lambda: OptimizedUnaryEncoding(1.0, 1), "domain_size"),
        (lambda: KaryRandomizedResponse(1.0, 4).privatize(np.array([5])), "values"),
        (lambda: DuchiMean(1.0).privatize(np.array([2.0])), "values"),
        (lambda: OneBitMean(1.0, 0.0), "m"),
    ],
)
def test_bad_arguments_name_the_argument(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


def test_oue_keeps_the_true_bit_at_one_half_and_sets_each_other_bit_at_q_independently():
    eps, d, n = 1.5, 5, 20_000
    o = OptimizedUnaryEncoding(eps, d)
    reports = o.privatize(np.full(n, 2), rng=12).astype(float)
    q = 1 / (np.exp(eps) + 1)
    want = np.where(np.arange(d) == 2, 0.5, q)
    tol = 5 * np.sqrt(want * (1 - want) / n)  # binomial standard errors at a fixed seed
    assert np.all(np.abs(reports.mean(axis=0) - want) < tol), reports.mean(axis=0)
    corr = np.corrcoef(reports, rowvar=False)
    assert np.max(np.abs(corr - np.eye(d))) < 5 / np.sqrt(n)  # every bit perturbed on its own


def test_one_bit_mean_sends_one_with_probability_linear_in_the_value():
    eps, m, n = 1.0, 3600.0, 20_000
    mech, e = OneBitMean(eps, m), np.exp(eps)
    for x in (0.0, 900.0, 3600.0):
        p = 1 / (e + 1) + x / m * (e - 1) / (e + 1)
        bits = mech.privatize(np.full(n, x), rng=int(x) + 1)
        assert set(np.unique(bits).tolist()) <= {0, 1}
        assert abs(bits.mean() - p) < 5 * np.sqrt(p * (1 - p) / n), (x, bits.mean(), p)
