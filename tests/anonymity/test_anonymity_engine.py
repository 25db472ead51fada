"""Anonymization: Mondrian's output checked independently, l-diversity and t-closeness against
hand-worked tables, and the linkage and homogeneity attacks before and after."""

import math

import numpy as np
import pandas as pd
import pytest

from ppml_lab import datasets as ds
from ppml_lab.anonymity import (
    discernibility,
    distinct_l_diversity,
    earth_movers_distance,
    entropy_l_diversity,
    is_l_diverse,
    linkage_attack,
    mondrian,
    normalized_certainty_penalty,
    public_register,
    t_closeness,
)

QIS = list(ds.SENSITIVE_QUASI_IDENTIFIERS)


@pytest.fixture(scope="module")
def people():
    return ds.sensitive_tabular(2000, seed=3)


def _independent_k(df, qis):
    # a checker that shares no code with the library: count identical QI tuples by hand
    counts = {}
    for row in df[qis].astype(str).itertuples(index=False):
        counts[tuple(row)] = counts.get(tuple(row), 0) + 1
    return min(counts.values())


@pytest.mark.parametrize("k", [2, 3, 5, 10, 25])
def test_mondrian_output_is_k_anonymous_and_keeps_every_record(people, k):
    released = mondrian(people, QIS, k)
    assert len(released) == len(people)
    assert _independent_k(released, QIS) >= k
    pd.testing.assert_series_equal(released["health_condition"], people["health_condition"])
    # every generalised range contains the original value
    for orig, label in zip(people["age"], released["age"].astype(str), strict=True):
        lo, _, hi = label.partition("-")
        assert float(lo) <= orig <= float(hi or lo)


def test_information_loss_grows_with_k(people):
    losses = [normalized_certainty_penalty(people, mondrian(people, QIS, k), QIS) for k in (2, 10, 50)]
    disc = [discernibility(mondrian(people, QIS, k), QIS) for k in (2, 10, 50)]
    assert losses == sorted(losses) and losses[0] < losses[-1]
    assert disc == sorted(disc)


HAND = pd.DataFrame(
    {
        "zip": ["130", "130", "130", "148", "148", "148"],
        "dx": ["flu", "flu", "flu", "flu", "cancer", "hiv"],
        "income": [30, 30, 30, 10, 50, 90],
    }
)


def test_l_diversity_and_t_closeness_on_a_hand_worked_table():
    assert distinct_l_diversity(HAND, ["zip"], "dx") == 1  # the 130 class is homogeneous
    assert entropy_l_diversity(HAND, ["zip"], "dx") == pytest.approx(1.0)
    assert is_l_diverse(HAND[HAND["zip"] == "148"], ["zip"], "dx", 3)
    assert entropy_l_diversity(HAND[HAND["zip"] == "148"], ["zip"], "dx") == pytest.approx(3.0)
    # overall dx: flu 4/6, cancer 1/6, hiv 1/6; class 130 is all flu: EMD = 0.5 * (1/3 + 1/6 + 1/6) = 1/3
    assert t_closeness(HAND, ["zip"], "dx", ordered=False) == pytest.approx(1 / 3)
    # ordered incomes 10 < 30 < 50 < 90, overall (1/6, 1/2, 1/6, 1/6); class 130 = (0, 1, 0, 0)
    # cumulative differences: -1/6, 1/3, 1/6 -> sum 2/3, divided by m - 1 = 3 -> 2/9
    assert earth_movers_distance([0, 1, 0, 0], [1 / 6, 1 / 2, 1 / 6, 1 / 6], ordered=True) == pytest.approx(
        2 / 9
    )
    assert t_closeness(HAND, ["zip"], "income") == pytest.approx(
        max(
            2 / 9, earth_movers_distance([1 / 3, 0, 1 / 3, 1 / 3], [1 / 6, 1 / 2, 1 / 6, 1 / 6], ordered=True)
        )
    )


def test_linkage_reidentifies_many_before_and_none_after_k_anonymization(people):
    register = public_register(people, QIS, fraction=0.8, seed=1)
    before = linkage_attack(people, register, QIS, "health_condition")
    assert before.reidentification_rate > 0.5  # ZIP + age + sex single out most people
    after = linkage_attack(mondrian(people, QIS, 5), register, QIS, "health_condition")
    assert after.reidentified == 0 and after.reidentified_correctly == 0


def test_homogeneity_attack_beats_k_anonymity_but_not_l_diversity(people):
    register = public_register(people, QIS, fraction=0.8, seed=1)
    k_only = linkage_attack(mondrian(people, QIS, 5), register, QIS, "health_condition")
    assert k_only.sensitive_disclosed > 20
    diverse = mondrian(people, QIS, 5, sensitive="health_condition", l=3)
    assert distinct_l_diversity(diverse, QIS, "health_condition") >= 3
    assert linkage_attack(diverse, register, QIS, "health_condition").sensitive_disclosed == 0


@pytest.mark.parametrize(
    "call,argument",
    [
        (lambda p: mondrian(p, QIS, 0), "k"),
        (lambda p: mondrian(p, ["nope"], 2), "quasi_identifiers"),
        (lambda p: mondrian(p, QIS, 3, l=2), "sensitive"),
        (lambda p: is_l_diverse(p, QIS, "health_condition", 2, kind="fuzzy"), "kind"),
        (lambda p: public_register(p, QIS, fraction=0), "fraction"),
    ],
)
def test_bad_arguments_name_the_argument(people, call, argument):
    with pytest.raises(ValueError, match=argument):
        call(people)


def test_entropy_l_is_exp_of_min_entropy():
    df = pd.DataFrame({"q": [1, 1, 1, 1], "s": ["a", "a", "b", "c"]})
    h = -(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25))
    assert entropy_l_diversity(df, ["q"], "s") == pytest.approx(math.exp(h))
    assert not np.isnan(entropy_l_diversity(df, ["q"], "s"))
