"""Properties the anonymization lesson relies on, each checked by code that shares nothing with the
engine: a release is k-anonymous, l-diverse and t-close under the constraints asked for; every label
covers the value it replaces; hand-worked tables give the hand-computed l and t; the linkage attack
re-identifies far fewer people after anonymization; intersecting two releases discloses values each
release alone keeps hidden."""

import math
from collections import Counter, defaultdict

import numpy as np
import pandas as pd
import pytest

from ppml_lab import datasets as ds
from ppml_lab.anonymity import (
    composition_attack,
    distinct_l_diversity,
    earth_movers_distance,
    entropy_l_diversity,
    is_l_diverse,
    k_anonymity,
    linkage_attack,
    mondrian,
    public_register,
    t_closeness,
)

QIS = list(ds.SENSITIVE_QUASI_IDENTIFIERS)
S = "health_condition"


@pytest.fixture(scope="module")
def people():
    return ds.sensitive_tabular(900, seed=21)


# ---------------------------------------------------------------- independent checkers


def _classes(df, qis):
    """Row positions of each equivalence class, by the tuple of released labels."""
    out = defaultdict(list)
    for pos, row in enumerate(df[qis].astype(str).itertuples(index=False, name=None)):
        out[row].append(pos)
    return out


def _covers(label, value, hierarchy=None):
    """Whether a released label stands for an exact value (ranges, sets, ancestors, itself)."""
    label = str(label)
    if label.startswith("{"):
        return str(value) in label[1:-1].split(",")
    if isinstance(value, (int, float, np.integer, np.floating)):
        lo, sep, hi = label[1:].partition("-")
        lo = label[0] + lo
        return float(lo) <= value <= float(hi) if sep else float(lo) == value
    node = str(value)
    while True:
        if node == label:
            return True
        if not hierarchy or node not in hierarchy:
            return False
        node = hierarchy[node]


def _compatible_rows(release, register, qis, hierarchies=None):
    """For each register person, the boolean mask of released rows whose labels cover all their values."""
    per_q = []
    for q in qis:
        labels, label_of_row = np.unique(release[q].astype(str), return_inverse=True)
        values, value_of_person = np.unique(register[q].astype(str), return_inverse=True)
        numeric = pd.api.types.is_numeric_dtype(register[q])
        h = (hierarchies or {}).get(q)
        table = np.array(
            [[_covers(lab, float(v) if numeric else v, h) for v in values] for lab in labels], dtype=bool
        )
        per_q.append((table, label_of_row.ravel(), value_of_person.ravel()))
    for i in range(len(register)):
        mask = np.ones(len(release), dtype=bool)
        for table, label_of_row, value_of_person in per_q:
            mask &= table[label_of_row, value_of_person[i]]
        yield mask


def _tv_distance(counts_a, counts_b):
    """Unordered EMD computed as total variation between two Counters of values."""
    na, nb = sum(counts_a.values()), sum(counts_b.values())
    keys = set(counts_a) | set(counts_b)
    return 0.5 * sum(abs(counts_a[v] / na - counts_b[v] / nb) for v in keys)


# ---------------------------------------------------------------- Mondrian under every constraint


@pytest.mark.parametrize(
    "k,l,t",
    [
        (2, None, None),
        (4, None, None),
        (7, None, None),
        (15, None, None),
        (4, 2, None),
        (4, 3, None),
        (4, None, 0.3),
        (3, 2, 0.25),
    ],
)
def test_mondrian_meets_k_l_and_t_checked_independently(people, k, l, t):
    released = mondrian(people, QIS, k, sensitive=S, l=l, t=t)
    classes = _classes(released, QIS)
    truth = people[S].astype(str).to_numpy()
    overall = Counter(truth)
    assert sum(len(rows) for rows in classes.values()) == len(people)
    assert min(len(rows) for rows in classes.values()) >= k
    if l is not None:
        assert min(len({truth[r] for r in rows}) for rows in classes.values()) >= l
    if t is not None:
        worst = max(_tv_distance(Counter(truth[r] for r in rows), overall) for rows in classes.values())
        assert worst <= t + 1e-9
    for q in QIS:  # every label covers the value it replaces
        original = people[q].to_numpy()
        assert all(_covers(lab, v) for lab, v in zip(released[q], original, strict=True)), q


def test_float_quasi_identifier_ranges_contain_their_values(people):
    # incomes carry cents and five or six digits: a rounded range label would exclude its end points
    released = mondrian(people, ["income", "sex"], 6)
    assert all(_covers(lab, v) for lab, v in zip(released["income"], people["income"], strict=True))
    assert not any("e" in str(lab) for lab in released["income"])  # no exponent notation
    assert min(len(r) for r in _classes(released, ["income", "sex"]).values()) >= 6


def test_tighter_t_costs_more_generalisation(people):
    sizes = []
    for t in (0.5, 0.3, 0.15):
        released = mondrian(people, QIS, 3, sensitive=S, t=t)
        sizes.append(len(_classes(released, QIS)))
    assert sizes[0] > sizes[1] > sizes[2]  # fewer, larger classes as t shrinks


def test_zip_codes_are_split_in_sorted_order(people):
    # neighbouring ZIP codes end up together: each class's ZIP set spans few 3-digit prefixes
    released = mondrian(people, QIS, 5)
    zip_sets = [str(lab).strip("{}").split(",") for lab in released["zip_code"]]
    prefixes = np.mean([len({z[:3] for z in zips}) for zips in zip_sets])
    codes = np.mean([len(zips) for zips in zip_sets])
    # in an order that ignores the prefix (about 6 codes drawn from 20 prefixes), nearly every code
    # would bring its own prefix; sorted order keeps the ratio well below that (about 0.4 here)
    assert prefixes / codes < 0.6


# ---------------------------------------------------------------- hand-worked tables

# Two classes on "ward". Ward A: cancer, cancer, flu, asthma (4 rows); ward B: flu x 4.
# Overall: cancer 2/8, flu 5/8, asthma 1/8.
HAND = pd.DataFrame(
    {
        "ward": ["A", "A", "A", "A", "B", "B", "B", "B"],
        "dx": ["cancer", "cancer", "flu", "asthma", "flu", "flu", "flu", "flu"],
        "stay": [1, 1, 2, 4, 2, 2, 2, 2],  # days in hospital, an ordered sensitive value
    }
)


def test_distinct_and_entropy_l_by_hand():
    # distinct values: ward A 3, ward B 1 -> l = 1; ward A alone -> 3
    assert distinct_l_diversity(HAND, ["ward"], "dx") == 1
    assert distinct_l_diversity(HAND[HAND.ward == "A"], ["ward"], "dx") == 3
    # ward A entropy: -(1/2 ln 1/2 + 2 * 1/4 ln 1/4) = 1.5 ln 2 -> exp = 2^1.5 = 2.828...
    assert entropy_l_diversity(HAND[HAND.ward == "A"], ["ward"], "dx") == pytest.approx(2**1.5)
    assert is_l_diverse(HAND[HAND.ward == "A"], ["ward"], "dx", 2, kind="entropy")
    assert not is_l_diverse(HAND[HAND.ward == "A"], ["ward"], "dx", 3, kind="entropy")  # 2.83 < 3


def test_entropy_l_ignores_unused_categories():
    # the same ward table with dx as a categorical holding two categories nobody has: ward B is
    # homogeneous (entropy 0 -> l = 1), ward A still 2^1.5
    cat = HAND.assign(dx=pd.Categorical(HAND.dx, categories=["flu", "cancer", "asthma", "hiv", "tb"]))
    assert entropy_l_diversity(cat, ["ward"], "dx") == pytest.approx(1.0)
    assert entropy_l_diversity(cat[cat.ward == "A"], ["ward"], "dx") == pytest.approx(2**1.5)
    assert t_closeness(cat, ["ward"], "dx") == pytest.approx(3 / 8)


def test_unordered_t_closeness_by_hand():
    # ward A (cancer 1/2, flu 1/4, asthma 1/4) vs overall (1/4, 5/8, 1/8):
    #   1/2 * (1/4 + 3/8 + 1/8) = 3/8
    # ward B (0, 1, 0) vs overall: 1/2 * (1/4 + 3/8 + 1/8) = 3/8 as well
    assert t_closeness(HAND, ["ward"], "dx", ordered=False) == pytest.approx(3 / 8)


def test_ordered_t_closeness_by_hand():
    # stay values 1 < 2 < 4 (m = 3, adjacent values 1/2 apart); overall (2/8, 5/8, 1/8)
    # ward A (2/4, 1/4, 1/4): differences (1/4, -3/8, 1/8), cumulative (1/4, -1/8, 0)
    #   EMD = (1/4 + 1/8) / 2 = 3/16
    # ward B (0, 1, 0): differences (-1/4, 3/8, -1/8), cumulative (-1/4, 1/8, 0) -> 3/16
    assert t_closeness(HAND, ["ward"], "stay") == pytest.approx(3 / 16)
    # moving all mass from the smallest to the largest value costs the whole distance
    assert earth_movers_distance([1, 0, 0], [0, 0, 1], ordered=True) == pytest.approx(1.0)
    assert earth_movers_distance([1, 0, 0], [0, 0, 1], ordered=False) == pytest.approx(1.0)
    # one step of 1/2 for half the mass: 1/4
    assert earth_movers_distance([0.5, 0.5, 0], [0, 1, 0], ordered=True) == pytest.approx(0.25)


# ---------------------------------------------------------------- attacks


def test_linkage_reidentifies_many_fewer_people_after_anonymization(people):
    register = public_register(people, QIS, fraction=0.8, seed=4)
    before = linkage_attack(people, register, QIS)
    assert before.reidentified_correctly > 0.8 * len(register)
    for k in (2, 5, 10):
        after = linkage_attack(mondrian(people, QIS, k), register, QIS)
        assert after.reidentified_correctly == 0 and after.reidentified == 0, k


def test_linkage_understands_hierarchy_labels(people):
    # ZIP -> 3-digit prefix -> everywhere: the release names classes by prefix ("021**")
    zips = sorted(people["zip_code"].unique())
    hierarchy = {z: z[:3] + "**" for z in zips} | {z[:3] + "**": "*****" for z in zips}
    released = mondrian(people, QIS, 4, hierarchies={"zip_code": hierarchy})
    assert any(str(lab).endswith("**") for lab in released["zip_code"])
    assert all(
        _covers(lab, z, hierarchy) for lab, z in zip(released["zip_code"], people["zip_code"], strict=True)
    )
    register = public_register(people, QIS, fraction=0.8, seed=4)
    with_h = linkage_attack(released, register, QIS, S, hierarchies={"zip_code": hierarchy})
    # an independent count: people whose compatible records all share one condition
    truth = people[S].astype(str).to_numpy()
    masks = _compatible_rows(released, register, QIS, {"zip_code": hierarchy})
    disclosed = sum(len(set(truth[mask])) == 1 for mask in masks)
    assert with_h.sensitive_disclosed == disclosed
    assert with_h.reidentified == 0


def test_composition_of_two_l_diverse_releases_discloses_what_neither_does(people):
    newcomers = ds.sensitive_tabular(200, seed=22)
    later = pd.concat([people, newcomers], ignore_index=True)
    first = mondrian(people, QIS, 5, sensitive=S, l=2)
    second = mondrian(later, QIS, 5, sensitive=S, l=2)
    register = public_register(people, QIS, fraction=0.8, seed=4)
    for release in (first, second):
        assert linkage_attack(release, register, QIS, S).sensitive_disclosed == 0
    pinned = composition_attack([first, second], register, QIS, S)
    assert pinned > 5
    # independently: intersect per person the conditions of compatible records in both releases
    truth = later[S].astype(str).to_numpy()
    sets = [
        [set(release[S].astype(str).to_numpy()[mask]) for mask in _compatible_rows(release, register, QIS)]
        for release in (first, second)
    ]
    count = 0
    for name, in_first, in_second in zip(register["name"], *sets, strict=True):
        common = in_first & in_second
        assert truth[int(name.split("-")[1])] in common  # the person's own value always survives
        count += len(common) == 1
    assert pinned == count


# ---------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    "call,argument",
    [
        (lambda p: t_closeness(p, QIS, "nope"), "sensitive"),
        (lambda p: is_l_diverse(p, QIS, S, 0), "l"),
        (lambda p: mondrian(p, QIS, 3, t=0.2), "t"),
        (lambda p: mondrian(p, QIS, 3, sensitive=S, t=1.5), "t"),
        (lambda p: composition_attack([], public_register(p, QIS), QIS, S), "releases"),
        (lambda p: linkage_attack(p, public_register(p, QIS), QIS, "nope"), "sensitive"),
    ],
)
def test_bad_arguments_name_the_argument(people, call, argument):
    with pytest.raises(ValueError, match=argument):
        call(people)


def test_k_anonymity_counts_missing_values_as_a_class():
    # a blank postcode is a value an attacker can match: its record is alone, so k = 1
    df = pd.DataFrame({"zip": ["02101", "02101", None], "sex": ["F", "F", "F"]})
    assert k_anonymity(df, ["zip", "sex"]) == 1
    assert math.isclose(entropy_l_diversity(df.assign(s=["a", "b", "c"]), ["zip"], "s"), 1.0)
