"""Helpers for hidden tests.

A graded answer must be the learner's own work: an answer that only forwards to the very
``ppml_lab`` function it is graded against earns no marks. ``assert_own_implementation`` runs the
learner's function while watching every Python call made inside it, and fails with a message that
says why when the reference is among them.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from typing import Any


def _code_of(fn: Callable[..., Any]):
    target = inspect.unwrap(fn)
    target = getattr(target, "__func__", target)  # bound methods
    if isinstance(target, type):  # a class: watch its __init__ and __call__
        methods = (target.__init__, vars(target).get("__call__"))
        return {getattr(m, "__code__", None) for m in methods} - {None}
    code = getattr(target, "__code__", None)
    if code is None:
        raise TypeError(f"reference_fn must be a Python function, got {fn!r}")
    return {code}


def _qualified_name(fn: Callable[..., Any]) -> str:
    module = getattr(fn, "__module__", None) or "?"
    return f"{module}.{getattr(fn, '__qualname__', getattr(fn, '__name__', repr(fn)))}"


class DelegationError(AssertionError):
    """Raised when a graded answer calls the reference it is graded against."""


def assert_own_implementation(
    student_fn: Callable[..., Any], reference_fn: Callable[..., Any], *args: Any, **kwargs: Any
) -> Any:
    """Call ``student_fn(*args, **kwargs)``; fail if ``reference_fn`` runs anywhere inside it.

    Returns the learner's result, so a hidden test can go on to compare it with the reference.
    """
    if not callable(student_fn):
        raise AssertionError(f"the answer is not a function: got {student_fn!r}")
    watched = _code_of(reference_fn)
    if getattr(inspect.unwrap(student_fn), "__code__", None) in watched:
        raise DelegationError(_message(reference_fn))
    called = False

    def profiler(frame, event, arg):  # noqa: ARG001 - signature fixed by sys.setprofile
        nonlocal called
        if event == "call" and frame.f_code in watched:
            called = True

    previous = sys.getprofile()
    sys.setprofile(profiler)
    try:
        result = student_fn(*args, **kwargs)
    finally:
        sys.setprofile(previous)
    if called:
        raise DelegationError(_message(reference_fn))
    return result


def _message(reference_fn: Callable[..., Any]) -> str:
    return (
        f"No marks for this answer: it calls {_qualified_name(reference_fn)}, the reference "
        "implementation it is graded against. Write the computation yourself (NumPy and the "
        "standard library are fine)."
    )
