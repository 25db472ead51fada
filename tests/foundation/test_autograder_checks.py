"""assert_own_implementation tells an own answer from one that forwards to the reference."""

import functools

import pytest

from autograder.checks import DelegationError, assert_own_implementation


def reference(x):
    return helper(x) * 2


def helper(x):
    return x + 1


def test_an_own_implementation_passes_and_returns_its_result():
    def own(x):
        return (x + 1) * 2

    assert assert_own_implementation(own, reference, 3) == 8


def test_calling_other_functions_is_allowed():
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
    ],
)
def test_forwarding_to_the_reference_is_refused_with_a_reason(make):
    with pytest.raises(DelegationError, match="graded against"):
        assert_own_implementation(make(), reference, 2)


def test_the_profiler_is_restored_even_when_the_answer_raises():
    import sys

    def broken(x):
        raise RuntimeError("student bug")

    before = sys.getprofile()
    with pytest.raises(RuntimeError, match="student bug"):
        assert_own_implementation(broken, reference, 1)
    assert sys.getprofile() is before


def test_a_non_function_answer_fails_clearly():
    with pytest.raises(AssertionError, match="not a function"):
        assert_own_implementation(None, reference, 1)
