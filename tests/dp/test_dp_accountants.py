"""Accountants: ours against Opacus on a grid, PLD never looser, calibration round-trips."""

import itertools
import math

import pytest
from opacus.accountants import RDPAccountant as OpacusRDP

from ppml_lab.dp import (
    AdvancedCompositionAccountant,
    BasicCompositionAccountant,
    PLDAccountant,
    RDPAccountant,
    get_noise_multiplier,
)

SIGMAS = [0.6, 1.0, 1.5, 3.0]
RATES = [0.001, 0.01, 0.1, 1.0]
STEPS = [1, 100, 5000]
DELTAS = [1e-5, 1e-7]
GRID = list(itertools.product(SIGMAS, RATES, STEPS, DELTAS))  # 96 points


def test_grid_is_large_enough():
    assert len(GRID) >= 60


@pytest.mark.parametrize("sigma,q,steps,delta", GRID)
def test_rdp_matches_opacus_to_1e9_relative(sigma, q, steps, delta):
    ours, theirs = RDPAccountant(), OpacusRDP()
    ours.step(noise_multiplier=sigma, sample_rate=q, num_steps=steps)
    for _ in range(1):
        theirs.history.append((sigma, q, steps))
    assert ours.get_epsilon(delta) == pytest.approx(theirs.get_epsilon(delta), rel=1e-9)


@pytest.mark.parametrize("sigma,q,steps", list(itertools.product(SIGMAS, RATES, STEPS)))
def test_pld_is_never_looser_than_rdp_on_the_same_grid(sigma, q, steps):
    rdp, pld = RDPAccountant(), PLDAccountant()
    for acc in (rdp, pld):
        acc.step(noise_multiplier=sigma, sample_rate=q, num_steps=steps)
    for delta in DELTAS:
        assert pld.get_epsilon(delta) <= rdp.get_epsilon(delta) + 1e-9


def test_steps_accumulate_and_merge():
    a, b = RDPAccountant(), RDPAccountant()
    for _ in range(50):
        a.step(noise_multiplier=1.2, sample_rate=0.02)
    b.step(noise_multiplier=1.2, sample_rate=0.02, num_steps=50)
    assert a.history == [(1.2, 0.02, 50)] and len(a) == 50
    assert a.get_epsilon(1e-5) == pytest.approx(b.get_epsilon(1e-5))
    assert RDPAccountant().get_epsilon(1e-5) == 0.0


@pytest.mark.parametrize("accountant", ["rdp", "pld"])
def test_calibration_round_trips(accountant):
    sigma = get_noise_multiplier(2.0, 1e-5, 0.01, 2000, accountant=accountant)
    acc = RDPAccountant() if accountant == "rdp" else PLDAccountant()
    acc.step(noise_multiplier=sigma, sample_rate=0.01, num_steps=2000)
    assert 2.0 - 0.01 <= acc.get_epsilon(1e-5) <= 2.0


def test_composition_theorems():
    basic, adv = BasicCompositionAccountant(), AdvancedCompositionAccountant()
    for acc in (basic, adv):
        acc.step(epsilon=0.1, delta=1e-7, num_steps=1000)
    assert basic.get_epsilon(basic.total_delta()) == pytest.approx(100.0)
    # all of delta spent by the steps (1000 * 1e-7): no slack is left, so basic composition only
    assert adv.get_epsilon(adv.total_delta()) == pytest.approx(100.0)
    expected = math.sqrt(2 * math.log(1 / 1e-5) * 1000 * 0.01) + 1000 * 0.1 * math.expm1(0.1)
    assert adv.get_epsilon(adv.total_delta() + 1e-5) == pytest.approx(expected)
    with pytest.raises(ValueError, match="delta"):
        basic.get_epsilon(1e-6)


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"noise_multiplier": -1, "sample_rate": 0.1}, "noise_multiplier"),
        ({"noise_multiplier": 1, "sample_rate": 1.5}, "sample_rate"),
        ({"noise_multiplier": 1, "sample_rate": 0.1, "num_steps": 0}, "num_steps"),
    ],
)
def test_bad_steps_name_the_argument(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        RDPAccountant().step(**kwargs)
    with pytest.raises(ValueError, match="delta"):
        RDPAccountant().get_epsilon(0.0)
