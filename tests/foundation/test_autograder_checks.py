"""assert_own_implementation tells an own answer from one that hands its work to the kit or a library."""

import functools
import math
import sys

import numpy as np
import pandas as pd
import pytest

from autograder.checks import DelegationError, TamperingDetected, as_plain, assert_own_implementation
from ppml_lab import anonymity


def reference(x):
    return helper(x) * 2


def helper(x):
    return x + 1


def test_an_own_implementation_passes_and_returns_its_result():
    def own(x):
        return (x + 1) * 2

    assert assert_own_implementation(own, reference, 3) == 8


def test_calling_functions_outside_the_kit_is_allowed():
    def uses_helper(x):
        return helper(x) * 2

    assert assert_own_implementation(uses_helper, reference, 1) == 4


@pytest.mark.parametrize(
    "make",
    [
        lambda: reference,  # the reference itself, bound to the student's name
        lambda: lambda x: reference(x),  # a thin wrapper
        lambda: functools.partial(reference),  # a partial
        lambda: lambda x: [reference(v) for v in [x]][0],  # buried in a comprehension
        lambda: lambda x: list(map(reference, [x]))[0],  # called from C (map)
    ],
)
def test_forwarding_to_the_reference_is_refused_with_a_reason(make):
    with pytest.raises(DelegationError, match="graded against"):
        assert_own_implementation(make(), reference, 2)


TABLE = pd.DataFrame({"a": [1, 1, 2, 2, 2], "b": list("xxyyy")})


def own_k(df, qis):
    if len(df) == 0:
        return 0
    return int(df.groupby(list(qis), dropna=False, observed=True).size().min())


def test_pandas_and_numpy_answers_pass():
    assert assert_own_implementation(own_k, anonymity.k_anonymity, TABLE, ["a"]) == 2


@pytest.mark.parametrize(
    "answer",
    [
        lambda df, qis: int(anonymity.equivalence_class_sizes(df, qis).min()),  # a sibling of the reference
        lambda df, qis: int(df.pipe(anonymity.equivalence_class_sizes, qis).min()),  # through pandas
        lambda df, qis: min(anonymity.distinct_l_diversity(df, qis, "b") * 0 + 2, 2),  # any kit function
    ],
)
def test_any_function_of_the_kit_is_refused_and_named(answer):
    with pytest.raises(DelegationError, match=r"ppml_lab\.anonymity\.\S+, a function of the kit"):
        assert_own_implementation(answer, anonymity.k_anonymity, TABLE, ["a"])


def test_allowed_helpers_and_what_they_call_are_fine():
    def uses_sizes(df, qis):
        return int(anonymity.equivalence_class_sizes(df, qis).min())

    sizes = anonymity.equivalence_class_sizes
    assert assert_own_implementation(uses_sizes, anonymity.k_anonymity, TABLE, ["a"], allowed=[sizes]) == 2
    name = "ppml_lab.anonymity.equivalence_class_sizes"
    assert assert_own_implementation(uses_sizes, anonymity.k_anonymity, TABLE, ["a"], allowed=[name]) == 2
    with pytest.raises(DelegationError, match="the exercise allows only: ppml_lab.anonymity.discernibility"):
        assert_own_implementation(uses_sizes, anonymity.k_anonymity, TABLE, ["a"], allowed=[anonymity.discernibility])


def test_an_allowed_helper_that_runs_its_work_in_a_thread_is_fine():
    # The SMPC transport runs each party's step in a worker thread through a closure of its own.
    from ppml_lab.smpc import Transport

    def opens(a, b, transport):
        got = transport.exchange([np.array([a], dtype=np.uint64), np.array([b], dtype=np.uint64)])
        return int(got[0][0] + got[1][0])

    assert assert_own_implementation(opens, reference, 2, 3, Transport(), allowed=(Transport,)) == 5
    with pytest.raises(DelegationError, match="ppml_lab"):
        assert_own_implementation(opens, reference, 2, 3, Transport())


def test_known_third_party_equivalents_are_refused():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    labels, scores = np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])

    def own_auc(y, s):
        pos, neg = s[y == 1], s[y == 0]
        return float(np.mean((pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])))

    def sk_auc(y, s):
        return float(sklearn_metrics.roc_auc_score(y, s))

    def curve_then_area(y, s):
        fpr, tpr, _ = sklearn_metrics.roc_curve(y, s)
        return float(np.trapezoid(tpr, fpr))

    def numpy_area(y, s):
        order = np.argsort(-s)
        tpr = np.concatenate([[0], np.cumsum(y[order]) / y.sum()])
        fpr = np.concatenate([[0], np.cumsum(1 - y[order]) / (1 - y).sum()])
        return float(np.trapezoid(tpr, fpr))

    assert assert_own_implementation(own_auc, sk_auc, labels, scores) == 0.75
    ref = own_auc  # stands for the kit's AUC in this test
    with pytest.raises(DelegationError, match="roc_auc_score"):
        assert_own_implementation(sk_auc, ref, labels, scores)
    with pytest.raises(DelegationError, match="roc_curve"):
        assert_own_implementation(curve_then_area, ref, labels, scores)
    # np.trapezoid is an ordinary tool unless the exercise forbids it by name or registry topic
    assert assert_own_implementation(numpy_area, ref, labels, scores) == 0.75
    with pytest.raises(DelegationError, match="trapezoid"):
        assert_own_implementation(numpy_area, ref, labels, scores, forbid=["trapezoid"])
    with pytest.raises(DelegationError, match="trapezoid"):
        assert_own_implementation(numpy_area, ref, labels, scores, forbid=[np.trapezoid])


def test_a_forbidden_c_function_is_seen_through_c_call_events():
    def fsum_answer(values):
        return math.fsum(values)

    def own(values):
        total = 0.0
        for v in values:
            total += v
        return total

    assert assert_own_implementation(own, reference, [1.0, 2.0], forbid=[math.fsum]) == 3.0
    with pytest.raises(DelegationError, match="fsum"):
        assert_own_implementation(fsum_answer, reference, [1.0, 2.0], forbid=[math.fsum])


def test_numpy_calling_a_forbidden_function_internally_is_not_the_learners_call():
    # np.median sorts through numpy's own partition: forbidding np.partition for the learner does not
    # make every numpy function that uses it a delegation
    def median(values):
        return float(np.median(values))

    assert assert_own_implementation(median, reference, np.arange(5.0), forbid=[np.partition]) == 2.0
    with pytest.raises(DelegationError, match="partition"):
        assert_own_implementation(lambda v: float(np.partition(v, 2)[2]), reference, np.arange(5.0),
                                  forbid=[np.partition])


def test_switching_the_profiler_off_is_refused():
    def sneaky(x):
        sys.setprofile(None)
        return reference(x)

    with pytest.raises(DelegationError, match="profiler"):
        assert_own_implementation(sneaky, reference, 1)


def test_threads_are_watched_too():
    import threading

    def threaded(x):
        out = []
        t = threading.Thread(target=lambda: out.append(reference(x)))
        t.start()
        t.join()
        return out[0]

    with pytest.raises(DelegationError, match="graded against"):
        assert_own_implementation(threaded, reference, 1)


def test_the_profiler_is_restored_even_when_the_answer_raises():
    def broken(x):
        raise RuntimeError("student bug")

    before = sys.getprofile()
    with pytest.raises(RuntimeError, match="student bug"):
        assert_own_implementation(broken, reference, 1)
    assert sys.getprofile() is before


def test_a_non_function_answer_fails_clearly():
    with pytest.raises(AssertionError, match="not a function"):
        assert_own_implementation(None, reference, 1)


# -- as_plain ---------------------------------------------------------------------------------


class AlwaysEqual(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__

    def __abs__(self):
        return 0.0


class Liar(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, bool)


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (np.float64(1.5), "float", 1.5),
        (np.float32(0.5), "float", 0.5),
        (2, "float", 2.0),
        (np.int64(3), "int", 3),
        (np.bool_(True), "bool", True),
        ([1, 2, 3], "array", np.array([1, 2, 3])),
        (pd.Series([1.0, 2.0]), "array", np.array([1.0, 2.0])),
    ],
)
def test_as_plain_converts_numpy_scalars_and_sequences_to_plain_values(value, kind, expected):
    got = as_plain(value, kind)
    if kind == "array":
        assert type(got) is np.ndarray and np.array_equal(got, expected)
    else:
        assert type(got) is type(expected) and got == expected


@pytest.mark.parametrize(
    ("value", "kind", "message"),
    [
        (AlwaysEqual(1.0), "float", "subclass of float that can override comparisons"),
        (True, "int", "must be an int"),
        (2.0, "int", "an int .a count., not a float"),
        (np.float64(2.0), "int", "not a float"),
        ("3", "float", "must be a number"),
        (1, "bool", "must be a bool"),
        (np.arange(3).view(Liar), "array", "subclass of ndarray"),
        (np.array([AlwaysEqual(1.0)], dtype=object), "array", "subclass of float"),
        ([AlwaysEqual(1.0), 2.0], "array", "subclass of float"),
        (pd.DataFrame({"a": [AlwaysEqual(1.0)]}, dtype=object), "dataframe", "subclass of float"),
        (np.array([object()], dtype=object), "array", "plain number"),
        (np.arange(3), "dataframe", "pandas DataFrame"),
    ],
)
def test_as_plain_refuses_objects_that_are_not_plain_values_before_any_comparison(value, kind, message):
    with pytest.raises(AssertionError, match=message) as info:
        as_plain(value, kind, name="k_anonymity(...)")
    # an object built to pass checks is reported as tampering, a plain wrong type as a plain failure
    assert isinstance(info.value, TamperingDetected) == ("subclass" in message)


def test_as_plain_checks_shape_and_dtype():
    assert as_plain([[1, 2], [3, 4]], "array", shape=(None, 2), dtype=float).dtype == np.float64
    with pytest.raises(AssertionError, match=r"shape \(3,\)"):
        as_plain(np.zeros(2), "array", shape=(3,))
    with pytest.raises(AssertionError, match="int64 values; got dtype float64"):
        as_plain(np.zeros(2), "array", dtype=np.int64)
    with pytest.raises(AssertionError, match="must be a pandas.+LaplaceMechanism|must be a ppml_lab"):
        from ppml_lab.dp import LaplaceMechanism

        as_plain(1.0, LaplaceMechanism)


def test_as_plain_names_the_answer_in_its_message():
    with pytest.raises(AssertionError, match=r"^randomized_response_epsilon\(0.5\) must be a number .*; got str"):
        as_plain("ln 3", "float", name="randomized_response_epsilon(0.5)")


def test_an_error_raised_by_the_reference_inside_the_answer_is_delegation():
    from ppml_lab.dp import randomized_response_epsilon as ref

    def forwards(p):
        return ref(p)

    with pytest.raises(DelegationError, match="graded against") as info:
        assert_own_implementation(forwards, ref, 1.5)
    assert isinstance(info.value.__cause__, ValueError)
