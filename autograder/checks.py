"""Helpers for hidden tests: the answer is the learner's own work, and it is a plain value.

* ``assert_own_implementation`` runs the learner's function under a profiler and fails when, anywhere
  inside the call, it hands the exercise's work to the reference, to any other function of the
  ``ppml_lab`` library (except helpers the exercise allows), or to a known third-party equivalent
  (``autograder.equivalents``).
* ``as_plain`` turns the learner's result into a plain value of the expected type and shape before any
  comparison, so an object built to compare equal to anything earns nothing.
* ``autograder.randomness`` (re-exported here) tests randomized answers as distributions.
"""

from __future__ import annotations

import inspect
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from autograder import equivalents as _eq
from autograder.randomness import (  # noqa: F401 - part of this module's API
    assert_discrete_distribution,
    assert_distribution,
    assert_rng_respected,
    assert_uncorrelated,
)
from autograder.values import TamperingDetected, as_plain, close_enough  # noqa: F401 - part of this API


class DelegationError(AssertionError):
    """Raised when a graded answer hands its work to the reference, the kit or a known equivalent."""


_NONE, _KIT, _FORBIDDEN, _ALLOWED, _REFERENCE = 0, 1, 2, 3, 4
_TAMPER_NAMES = ("setprofile", "settrace")


def _nested(codes: set[Any]) -> set[Any]:
    """``codes`` and every code object defined inside them (closures, lambdas, comprehensions): a
    function that a helper defines and runs, in a worker thread say, is part of that helper."""
    out, todo = set(), list(codes)
    while todo:
        code = todo.pop()
        if code in out:
            continue
        out.add(code)
        todo.extend(c for c in code.co_consts if hasattr(c, "co_code"))
    return out


def _codes_of(obj: Any) -> set[Any]:
    """Code objects of a function, method, partial or class (all its methods), with those nested in them."""
    return _nested(_top_codes_of(obj))


def _top_codes_of(obj: Any) -> set[Any]:
    target = inspect.unwrap(obj) if callable(obj) else obj
    target = getattr(target, "__func__", target)
    target = getattr(target, "func", target) if type(target).__name__ == "partial" else target
    if isinstance(target, type):
        codes = set()
        for klass in target.__mro__:
            if klass is object or getattr(klass, "__module__", "") == "builtins":
                continue
            for member in vars(klass).values():
                member = getattr(member, "__func__", member)
                for fn in (member, getattr(member, "fget", None), getattr(member, "fset", None)):
                    code = getattr(fn, "__code__", None)
                    if code is not None:
                        codes.add(code)
        return codes
    code = getattr(target, "__code__", None)
    return {code} if code is not None else set()


def _public_name(module: str, qualname: str, code: Any = None) -> str:
    """``module.qualname``, through the shortest parent package that exports the same thing
    (``ppml_lab.anonymity.k_anonymity`` rather than the file it is defined in)."""
    parts = module.split(".")
    head, _, rest = qualname.partition(".")
    best = f"{module}.{qualname}"
    for cut in range(len(parts) - 1, 0, -1):
        parent = sys.modules.get(".".join(parts[:cut]))
        obj = getattr(parent, head, None) if parent is not None else None
        if obj is None:
            break
        same = obj is getattr(sys.modules.get(module), head, None)
        if code is not None and not rest:
            same = same or getattr(inspect.unwrap(obj), "__code__", None) is code
        if not same:
            break
        best = f"{'.'.join(parts[:cut])}.{qualname}"
    return best


def _qualified_name(fn: Any) -> str:
    fn = getattr(inspect.unwrap(fn), "__func__", inspect.unwrap(fn)) if callable(fn) else fn
    module = getattr(fn, "__module__", None) or "?"
    return _public_name(module, getattr(fn, "__qualname__", getattr(fn, "__name__", repr(fn))))


class _Watch:
    """What one ``assert_own_implementation`` call watches for, and the first thing it saw."""

    def __init__(self, reference_fn: Any, allowed: Iterable[Any], forbid: Iterable[Any]) -> None:
        self.reference_codes = _codes_of(reference_fn)
        if not self.reference_codes and not _eq.is_builtin(reference_fn):
            raise TypeError(f"reference_fn must be a Python function or class, got {reference_fn!r}")
        self.reference_name = _qualified_name(reference_fn)
        self.reference_builtin = reference_fn if _eq.is_builtin(reference_fn) else None
        self.allowed = _eq.Targets.of(allowed, import_names=True)
        self.forbidden = _eq.Targets.of(forbid, import_names=True)
        self.registry = _eq.default_targets()
        self.cache: dict[Any, int] = {}
        self.violation: str | None = None
        self.top: Any = None
        self.tamper = {id(getattr(sys, n)) for n in _TAMPER_NAMES} | {
            id(getattr(threading, n)) for n in _TAMPER_NAMES if hasattr(threading, n)
        }

    # -- classifying code ---------------------------------------------------------------------

    def category(self, code: Any) -> int:
        cat = self.cache.get(code)
        if cat is None:
            cat = self._classify(code)
            self.cache[code] = cat
        return cat

    def _classify(self, code: Any) -> int:
        if code in self.reference_codes:
            return _REFERENCE
        if code in self.allowed.codes or self.allowed.has_file(code.co_filename):
            return _ALLOWED
        if code in self.forbidden.codes or self.forbidden.has_file(code.co_filename):
            return _FORBIDDEN
        if _eq.in_registry_package(code.co_filename):
            self.registry.refresh()
            if code in self.registry.codes or self.registry.has_file(code.co_filename):
                return _FORBIDDEN
        if _eq.is_kit_file(code.co_filename):
            return _KIT
        return _NONE

    def _covered(self, frame: Any) -> bool:
        """True when ``frame`` runs under an allowed helper or inside the kit (already judged)."""
        f = frame
        while f is not None and f is not self.top:
            if self.category(f.f_code) in (_KIT, _ALLOWED, _REFERENCE):
                return True
            f = f.f_back
        return False

    def _record(self, message: str) -> None:
        if self.violation is None:
            self.violation = message

    # -- the profiler ---------------------------------------------------------------------------

    def profiler(self, frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            cat = self.category(frame.f_code)
            if cat in (_NONE, _ALLOWED):
                return
            caller = frame.f_back
            name = frame.f_code.co_name
            if cat == _REFERENCE:
                if not self._covered(caller):
                    self._record(_reference_message(self.reference_name))
            elif cat == _KIT:
                if name == "<module>" or (name.startswith("__") and name.endswith("__") and
                                          caller is not None and _eq.is_library_file(caller.f_code.co_filename)):
                    return  # an import, or NumPy/pandas/stdlib using a kit object's protocol
                if not self._covered(caller):
                    self._record(_kit_message(_frame_name(frame), self.allowed.names))
            elif cat == _FORBIDDEN:
                if caller is not None and _eq.is_library_file(caller.f_code.co_filename):
                    return
                if not self._covered(caller):
                    self._record(_equivalent_message(_frame_name(frame)))
        elif event == "c_call":
            key = id(arg)
            if key in self.tamper:
                if frame is not self.top and not _eq.is_library_file(frame.f_code.co_filename):
                    self._record(
                        "No marks for this answer: it changes the interpreter's profiler or tracer "
                        f"({_qualified_name(arg)}), which the grader uses to check the answer is your own."
                    )
                return
            builtin = self.reference_builtin is not None and arg is self.reference_builtin
            if builtin or key in self.forbidden.builtins or key in self.registry.builtins:
                if key in self.allowed.builtins or _eq.is_library_file(frame.f_code.co_filename):
                    return
                if self.category(frame.f_code) in (_KIT, _ALLOWED) or self._covered(frame):
                    return
                if builtin:
                    self._record(_reference_message(self.reference_name))
                else:
                    self._record(_equivalent_message(_qualified_name(arg)))


def _frame_name(frame: Any) -> str:
    module = frame.f_globals.get("__name__", "?")
    return _public_name(module, getattr(frame.f_code, "co_qualname", frame.f_code.co_name), frame.f_code)


def _reference_message(name: str) -> str:
    return (
        f"No marks for this answer: it calls {name}, the reference implementation it is graded "
        "against. Write the computation yourself (NumPy, pandas and the standard library are fine)."
    )


def _kit_message(name: str, allowed: list[str]) -> str:
    extra = f" (the exercise allows only: {', '.join(allowed)})" if allowed else ""
    return (
        f"No marks for this answer: it calls {name}, a function of the kit's reference library "
        f"ppml_lab{extra}. The exercise is to write that computation yourself."
    )


def _equivalent_message(name: str) -> str:
    return (
        f"No marks for this answer: it calls {name}, a library function that does the exercise's "
        "work. Write the computation yourself (NumPy, pandas and the standard library are fine)."
    )


def assert_own_implementation(
    student_fn: Callable[..., Any],
    reference_fn: Callable[..., Any],
    *args: Any,
    allowed: Iterable[Any] = (),
    forbid: Iterable[Any] = (),
    **kwargs: Any,
) -> Any:
    """Call ``student_fn(*args, **kwargs)`` and return its result; fail with ``DelegationError`` when
    the call runs, anywhere inside it:

    * ``reference_fn`` (the function the answer is graded against);
    * any other function defined in a ``ppml_lab`` module, except those in ``allowed`` (functions,
      classes, modules or dotted names; whatever an allowed helper calls internally is fine too);
    * a known third-party equivalent (``autograder.equivalents.REGISTRY``) or anything in ``forbid``
      (functions, classes, dotted names or registry keys such as ``"trapezoid"``).

    Calls that NumPy, pandas or the standard library make internally are not the learner's, and a
    call the answer makes to an allowed helper covers everything that helper does.
    """
    if not callable(student_fn):
        raise AssertionError(f"the answer is not a function: got {student_fn!r}")
    watch = _Watch(reference_fn, allowed, forbid)
    for code in _codes_of(student_fn):
        cat = watch.category(code)
        if cat == _REFERENCE:
            raise DelegationError(_reference_message(watch.reference_name))
        if cat == _KIT:
            raise DelegationError(_kit_message(_qualified_name(student_fn), watch.allowed.names))
        if cat == _FORBIDDEN:
            raise DelegationError(_equivalent_message(_qualified_name(student_fn)))
    if watch.reference_builtin is not None and student_fn is watch.reference_builtin:
        raise DelegationError(_reference_message(watch.reference_name))
    watch.top = sys._getframe()
    previous, previous_thread = sys.getprofile(), threading.getprofile()
    profiler = watch.profiler  # one bound method, so that the check below can compare identities
    threading.setprofile(profiler)
    sys.setprofile(profiler)
    try:
        result = student_fn(*args, **kwargs)
    except BaseException as exc:
        sys.setprofile(previous)
        threading.setprofile(previous_thread)
        if watch.violation is not None:  # an error raised by the reference is not the learner's answer
            raise DelegationError(watch.violation) from exc
        raise
    still_ours = sys.getprofile() is profiler
    sys.setprofile(previous)
    threading.setprofile(previous_thread)
    if not still_ours:
        watch._record(
            "No marks for this answer: it switched off the profiler the grader uses to check the answer "
            "is your own."
        )
    if watch.violation is not None:
        raise DelegationError(watch.violation)
    return result
