"""One Mondrian median cut and the re-identifying join, against hand-worked tables and the kit's
own Mondrian and linkage attack."""

import numpy as np
import pandas as pd
import pytest

from ppml_lab import datasets as ds
from ppml_lab.anonymity import k_anonymity, linkage_attack, median_cut, mondrian, public_register, reidentify

QIS = list(ds.SENSITIVE_QUASI_IDENTIFIERS)


def _index(halves):
    return None if halves is None else [list(h.index) for h in halves]


def test_the_cut_takes_the_widest_normalised_range_not_the_widest_raw_one():
    # raw ranges: age 40 years, income 1000 euros; normalised by the table: age 40/80, income 1000/1000
    part = pd.DataFrame({"age": [20, 60, 30, 50, 40, 60], "income": [0, 100, 200, 900, 950, 1000]})
    halves = median_cut(part, ["age", "income"], 2, {"age": 80, "income": 1000})
    assert _index(halves) == [[0, 1, 2], [3, 4, 5]]  # income's median 550
    # with income's domain 5000 wide, age (40/40) is the widest: its median is 45
    halves = median_cut(part, ["age", "income"], 2, {"age": 40, "income": 5000})
    assert _index(halves) == [[0, 2, 4], [1, 3, 5]]
    # equal normalised widths: the first quasi-identifier listed is cut
    part = pd.DataFrame({"a": [1, 2, 3, 4], "b": [4, 3, 2, 1]})
    assert _index(median_cut(part, ["b", "a"], 1, {"a": 3, "b": 3})) == [[2, 3], [0, 1]]
    assert _index(median_cut(part, ["a", "b"], 1, {"a": 3, "b": 3})) == [[0, 1], [2, 3]]


def test_values_at_the_median_go_left_unless_the_median_is_the_largest_value():
    part = pd.DataFrame({"age": [1, 2, 2, 3, 9]}, index=[10, 11, 12, 13, 14])
    assert _index(median_cut(part, ["age"], 1, {"age": 8})) == [[10, 11, 12], [13, 14]]
    part = pd.DataFrame({"age": [5, 5, 5, 1]})  # median 5 = the maximum: the 5s go right
    assert _index(median_cut(part, ["age"], 1, {"age": 4})) == [[3], [0, 1, 2]]
    # the median, not the mean (which is 4.4 here, and would put 3 left of the cut)
    part = pd.DataFrame({"age": [1, 2, 3, 4, 12]})
    assert _index(median_cut(part, ["age"], 2, {"age": 11})) == [[0, 1, 2], [3, 4]]


def test_a_cut_that_leaves_fewer_than_k_rows_falls_to_the_next_column_or_to_none():
    part = pd.DataFrame({"age": [1, 1, 1, 1, 9], "income": [1, 2, 3, 4, 5]})
    # age (width 8/8) would leave one row on the right: income (4/8) is cut instead
    assert _index(median_cut(part, ["age", "income"], 2, {"age": 8, "income": 8})) == [[0, 1, 2], [3, 4]]
    assert median_cut(part, ["age", "income"], 3, {"age": 8, "income": 8}) is None
    assert median_cut(part.iloc[:0], ["age"], 1, {"age": 8}) is None
    assert median_cut(pd.DataFrame({"age": [4, 4, 4]}), ["age"], 1, {"age": 8}) is None


def test_bad_arguments_are_named():
    part = pd.DataFrame({"age": [1, 2], "sex": ["F", "M"]})
    with pytest.raises(ValueError, match="numeric"):
        median_cut(part, ["sex"], 1, {"sex": 1})
    with pytest.raises(ValueError, match="domain"):
        median_cut(part, ["age"], 1, {"age": 0})
    with pytest.raises(ValueError, match="k"):
        median_cut(part, ["age"], 0, {"age": 1})


def test_repeated_cuts_make_mondrians_k_anonymous_classes_on_numeric_columns():
    people = ds.sensitive_tabular(400, seed=4)[["age", "income", "bmi"]]
    qis = ["age", "income", "bmi"]
    domain = {q: float(people[q].max() - people[q].min()) for q in qis}
    final, stack = [], [people]
    while stack:
        part = stack.pop()
        halves = median_cut(part, qis, 5, domain)
        if halves is None:
            final.append(sorted(part.index))
        else:
            assert len(halves[0]) + len(halves[1]) == len(part)
            stack.extend(halves)
    released = mondrian(people, qis, 5)
    theirs = released.groupby(qis).groups.values()
    assert sorted(final) == sorted(sorted(g) for g in theirs)
    assert min(map(len, final)) >= 5 and k_anonymity(released, qis) >= 5


def test_reidentify_counts_rows_and_reads_ranges_with_both_ends_included():
    release = pd.DataFrame(
        {
            "zip_code": ["02101", "{02101,02102}", "02102", "02102", "02103"],
            "age": ["30-39", "40-49", "50", "50", "30-39"],
            "dx": ["flu", "hiv", "flu", "cancer", "none"],
        },
        index=[7, 8, 9, 10, 11],
    )
    register = pd.DataFrame(
        {
            "name": ["ann", "bob", "cy", "dee", "eve", "fay"],
            "zip_code": ["02101", "02102", "02102", "02103", "02101", "02104"],
            "age": [39, 40, 50, 30, 45, 35],
        },
    )
    # ann (39 = the top of 30-39) and dee fit one row each; cy fits two identical rows; bob and eve the
    # set {02101,02102} with age 40-49; fay none
    assert reidentify(release, register, ["zip_code", "age"]) == {"ann": 7, "bob": 8, "dee": 11, "eve": 8}
    with pytest.raises(ValueError, match="name"):
        reidentify(release, register.drop(columns="name"), ["zip_code", "age"])


def test_reidentify_agrees_with_the_linkage_attack():
    people = ds.sensitive_tabular(300, seed=6)
    register = public_register(people, QIS, fraction=0.7, seed=3)
    found = reidentify(people, register, QIS)
    attack = linkage_attack(people, register, QIS)
    assert len(found) == attack.reidentified > 0
    # the raw extract's row i is person i: every unique fit is the right person
    assert all(name == f"person-{row:06d}" for name, row in found.items())
    assert reidentify(mondrian(people, QIS, 2), register, QIS) == {}
    assert all(type(row) is int for row in found.values())
    assert np.isin([int(n[7:]) for n in found], register["name"].str[7:].astype(int)).all()
