"""Bounded sums and means: the neighbouring relation sets the sensitivity, and the noise matches it.

Laplace noise of scale b has variance 2 b^2; with 4000 seeded releases the sample standard
deviation is within 5% of the truth (about 4 standard errors for Laplace's kurtosis). The exact
discrete sampler draws from the OS CSPRNG, so its tests use tolerances wide enough (about 5
standard errors) that a failure means a wrong sampler, not bad luck.
"""

import math

import numpy as np
import pytest

from ppml_lab.dp import bounded_mean, bounded_sum
from ppml_lab.dp.sensitivity import mean_sensitivity, sum_sensitivity


def test_sum_sensitivity_depends_on_the_relation():
    # a range straddling zero: adding a value moves the sum by at most 10, replacing one by 15
    assert sum_sensitivity(-5.0, 10.0, "add_remove") == 10.0
    assert sum_sensitivity(-5.0, 10.0, "replace") == 15.0
    # with one end at zero the two relations agree
    assert sum_sensitivity(0.0, 10.0, "add_remove") == sum_sensitivity(0.0, 10.0, "replace") == 10.0
    assert mean_sensitivity(0.0, 100.0, 50) == 2.0
    with pytest.raises(ValueError, match="neighbouring"):
        sum_sensitivity(0.0, 1.0, "swap")


@pytest.mark.parametrize("neighbouring,sensitivity", [("add_remove", 10.0), ("replace", 15.0)])
def test_bounded_sum_noise_is_calibrated_to_the_stated_relation(neighbouring, sensitivity):
    values = np.linspace(-5.0, 10.0, 40)
    eps = 0.5
    releases = np.array(
        [bounded_sum(values, -5.0, 10.0, eps, rng=i, neighbouring=neighbouring) for i in range(4000)]
    )
    assert releases.mean() == pytest.approx(values.sum(), abs=4 * math.sqrt(2) * sensitivity / eps / 63)
    assert releases.std() == pytest.approx(math.sqrt(2) * sensitivity / eps, rel=0.05)


def test_bounded_mean_replace_uses_the_public_count():
    values = np.full(50, 40.0)
    releases = np.array(
        [bounded_mean(values, 0.0, 100.0, 1.0, rng=i, neighbouring="replace") for i in range(4000)]
    )
    assert releases.std() == pytest.approx(math.sqrt(2) * 100.0 / 50, rel=0.05)


def test_bounded_mean_add_remove_spends_half_on_a_centred_sum_and_half_on_the_count():
    values, lo, hi, eps = np.array([10.0, 20.0, 90.0, 95.0, 30.0]), 0.0, 100.0, 2.0
    got = bounded_mean(values, lo, hi, eps, rng=np.random.default_rng(7), neighbouring="add_remove")
    gen = np.random.default_rng(7)
    total = (values - 50.0).sum() + gen.laplace(0.0, 50.0 / (eps / 2))  # sensitivity (hi - lo) / 2
    count = len(values) + gen.laplace(0.0, 1.0 / (eps / 2))  # sensitivity 1
    assert got == pytest.approx(float(np.clip(50.0 + total / max(count, 1.0), lo, hi)))


def test_relations_default_as_before_and_bad_names_are_refused():
    values = np.arange(10.0)
    assert bounded_sum(values, 0.0, 9.0, 1.0, rng=3) == bounded_sum(
        values, 0.0, 9.0, 1.0, rng=3, neighbouring="add_remove"
    )
    assert bounded_mean(values, 0.0, 9.0, 1.0, rng=3) == bounded_mean(
        values, 0.0, 9.0, 1.0, rng=3, neighbouring="replace"
    )
    with pytest.raises(ValueError, match="neighbouring"):
        bounded_mean(values, 0.0, 9.0, 1.0, neighbouring="bounded")
    with pytest.raises(ValueError, match="sampler"):
        bounded_sum(values, 0.0, 9.0, 1.0, sampler="snap")
    with pytest.raises(ValueError, match="granularity"):
        bounded_sum(values, 0.0, 9.0, 1.0, sampler="discrete", granularity=20.0)


def _discrete_laplace_variance(scale: float) -> float:
    r = math.exp(-1.0 / scale)
    return 2.0 * r / (1.0 - r) ** 2


@pytest.mark.parametrize("neighbouring,int_sensitivity", [("add_remove", 40), ("replace", 60)])
def test_discrete_bounded_sum_lies_on_the_grid_with_the_discrete_laplace_variance(
    neighbouring, int_sensitivity
):
    values = np.array([-1.3, 2.0, 0.7, 5.0, -2.2])
    g, eps = 0.25, 2.0  # [-5, 10] on a 0.25 grid: -20 .. 40 steps
    releases = np.array(
        [
            bounded_sum(values, -5.0, 10.0, eps, neighbouring=neighbouring, sampler="discrete", granularity=g)
            for _ in range(4000)
        ]
    )
    steps = releases / g
    assert np.allclose(steps, np.rint(steps), atol=1e-9)  # every release is a multiple of the grid
    exact = np.rint(values / g).sum()
    noise = steps - exact
    scale = int_sensitivity / eps
    assert noise.mean() == pytest.approx(0.0, abs=5 * math.sqrt(_discrete_laplace_variance(scale) / 4000))
    assert noise.var() == pytest.approx(_discrete_laplace_variance(scale), rel=0.2)


def test_discrete_bounded_mean_is_centred_and_on_the_grid_over_n():
    values = np.full(20, 3.0)
    g = 0.5
    releases = np.array(
        [bounded_mean(values, 0.0, 10.0, 1.0, sampler="discrete", granularity=g) for _ in range(3000)]
    )
    scaled = releases * 20 / g  # (sum on the grid + integer noise) / n, so n * mean / g is an integer
    inside = (releases > 0.0) & (releases < 10.0)
    assert np.allclose(scaled[inside], np.rint(scaled[inside]), atol=1e-6)
    assert releases.mean() == pytest.approx(3.0, abs=0.05)
    assert releases.var() == pytest.approx(_discrete_laplace_variance(20 / 1.0) * (g / 20) ** 2, rel=0.2)
