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
import numbers
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


class DelegationError(AssertionError):
    """Raised when a graded answer hands its work to the reference, the kit or a known equivalent."""


class TamperingDetected(AssertionError):
    """Raised when an answer's value is built to pass checks: a subclass of a plain type (which can
    override comparisons, ``abs`` or ``__float__``) where a plain value was asked for."""


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


# -- plain values ------------------------------------------------------------------------------

_KINDS = ("float", "int", "bool", "str", "array", "dataframe", "series")


def _describe(value: Any) -> str:
    kind = type(value)
    text = f"{kind.__module__}.{kind.__qualname__}" if kind.__module__ != "builtins" else kind.__qualname__
    try:
        shown = repr(value) if kind.__module__ in ("builtins", "numpy") else "<object>"
    except Exception:  # noqa: BLE001 - a hostile __repr__ must not hide the message
        shown = "<object>"
    return f"{text} {shown[:80]}"


def _numpy() -> Any:
    import numpy

    return numpy


def _is_numpy_scalar(value: Any, base_name: str) -> bool:
    np = _numpy()
    return type(value).__module__ == "numpy" and isinstance(value, getattr(np, base_name))


_PLAIN_BASES = (bool, int, float, complex, str, bytes, list, tuple, dict)


def _refuse_disguise(value: Any, name: str) -> None:
    """A subclass of a plain type (or of ``ndarray``, NumPy scalars, pandas objects) is refused as
    tampering: it exists to change how the value compares."""
    kind = type(value)
    bases = list(_PLAIN_BASES)
    np = sys.modules.get("numpy")
    if np is not None:
        bases += [np.ndarray, np.generic]
    pd = sys.modules.get("pandas")
    if pd is not None:
        bases += [pd.DataFrame, pd.Series, pd.Index]
    if kind.__module__.split(".")[0] in ("numpy", "pandas", "builtins") or not isinstance(value, tuple(bases)):
        return
    plain = next(k for k in kind.__mro__ if k.__module__.split(".")[0] in ("numpy", "pandas", "builtins"))
    raise TamperingDetected(
        f"{name} is a {kind.__module__}.{kind.__qualname__}, a subclass of {plain.__name__} that can "
        "override comparisons; return a plain value"
    )


def _fail(name: str, expected: str, value: Any) -> None:
    _refuse_disguise(value, name)
    raise AssertionError(f"{name} must be {expected}; got {_describe(value)}")


_PLAIN_ELEMENTS = (str, int, float, bool, type(None), bytes)


def _plain_element(x: Any) -> bool:
    if type(x) in _PLAIN_ELEMENTS:
        return True
    kind = type(x)
    return kind.__module__ in ("numpy", "pandas._libs.tslibs.timestamps", "pandas._libs.tslibs.nattype",
                               "pandas._libs.missing", "pandas._libs.tslibs.timedeltas", "decimal")


def _check_object_values(values: Any, name: str) -> None:
    for x in values:
        _refuse_disguise(x, f"a value of {name}")
        if not _plain_element(x):
            _fail(f"every value of {name}", "a plain number, string or missing value", x)


def _shape_ok(shape: tuple[int, ...], want: Iterable[int | None]) -> bool:
    want = tuple(want)
    return len(shape) == len(want) and all(w is None or w == s for s, w in zip(shape, want, strict=True))


_DTYPE_KINDS = {"f": "fiu", "i": "iu", "u": "u", "b": "b", "c": "fiuc", "U": "U", "O": "O", "M": "M", "m": "m"}


def as_plain(
    value: Any,
    kind: str | type,
    *,
    shape: tuple[int | None, ...] | None = None,
    dtype: Any = None,
    name: str = "the answer",
) -> Any:
    """``value`` as a plain value of ``kind``, or an ``AssertionError`` saying what was expected.

    ``kind``: ``"float"`` (a Python ``float``, ``int`` or NumPy real scalar, returned as ``float``),
    ``"int"`` (``int`` or NumPy integer, as ``int``), ``"bool"`` (``bool`` or NumPy bool, as ``bool``),
    ``"str"``, ``"array"`` (an ``ndarray``, list, tuple, pandas or torch object of plain numbers,
    returned as a fresh ``ndarray``; ``dtype`` names the expected kind, for example ``float`` or
    ``"int64"``, and the array is cast to it; ``shape`` may use ``None`` for any length),
    ``"dataframe"`` / ``"series"`` (exact pandas types; object columns must hold plain values), or a
    class (the value must be of exactly that class). Subclasses of ``float``, ``int``, ``ndarray``
    and pandas types are refused: they can override comparisons.
    """
    _refuse_disguise(value, name)
    if isinstance(kind, type):
        if type(value) is not kind:
            _fail(name, f"a {kind.__module__}.{kind.__qualname__}", value)
        return value
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS} or a class, got {kind!r}")
    np = _numpy()
    if kind == "float":
        if type(value) in (float, int) or _is_numpy_scalar(value, "floating") or _is_numpy_scalar(value, "integer"):
            return float(value)
        _fail(name, "a number (a Python float or a NumPy floating-point scalar)", value)
    if kind == "int":
        if type(value) is int or _is_numpy_scalar(value, "integer"):
            return int(value)
        if type(value) is float or _is_numpy_scalar(value, "floating"):
            _fail(name, "an int (a count), not a float", value)
        _fail(name, "an int", value)
    if kind == "bool":
        if type(value) is bool or _is_numpy_scalar(value, "bool_"):
            return bool(value)
        _fail(name, "a bool (True or False)", value)
    if kind == "str":
        if type(value) is str:
            return value
        _fail(name, "a str", value)
    pd = sys.modules.get("pandas")
    if kind in ("dataframe", "series"):
        import pandas as pd

        cls = pd.DataFrame if kind == "dataframe" else pd.Series
        if type(value) is not cls:
            _fail(name, f"a pandas {cls.__name__}", value)
        frame = value.to_frame() if kind == "series" else value
        for column in frame.columns:
            col = frame[column]
            if col.dtype == object:
                _check_object_values(col.tolist(), f"{name} (column {column!r})")
        if shape is not None and not _shape_ok(value.shape, shape):
            raise AssertionError(f"{name} must have shape {tuple(shape)}; got shape {value.shape}")
        return value
    # kind == "array"
    torch = sys.modules.get("torch")
    if type(value) is np.ndarray:
        arr = np.array(value, copy=True)
    elif type(value) in (list, tuple):
        arr = _array_from_sequence(value, name)
    elif pd is not None and type(value) in (pd.Series, pd.DataFrame):
        arr = np.array(value.to_numpy(), copy=True)
    elif torch is not None and type(value) in (torch.Tensor, torch.nn.Parameter):
        arr = value.detach().cpu().numpy().copy()
    elif type(value) in (float, int, bool) or (type(value).__module__ == "numpy" and isinstance(value, np.generic)):
        arr = np.array(value)
    else:
        _fail(name, "a NumPy array (or a list of numbers)", value)
    if arr.dtype == object:
        _check_object_values(arr.ravel().tolist(), name)
        if dtype is None or np.dtype(dtype).kind != "O":
            try:
                arr = arr.astype(float if dtype is None else dtype)
            except (TypeError, ValueError):
                raise AssertionError(f"{name} must be an array of numbers; it holds other objects") from None
    if dtype is not None:
        want = np.dtype(dtype)
        if arr.dtype.kind not in _DTYPE_KINDS.get(want.kind, want.kind):
            raise AssertionError(f"{name} must be an array of {want.name} values; got dtype {arr.dtype.name}")
        arr = arr.astype(want, copy=False)
    if shape is not None and not _shape_ok(arr.shape, shape):
        raise AssertionError(f"{name} must have shape {tuple(shape)}; got shape {arr.shape}")
    return arr


def _array_from_sequence(value: Any, name: str) -> Any:
    np = _numpy()
    flat: list[Any] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) in (list, tuple):
            stack.extend(item)
        elif type(item) is np.ndarray:
            flat.extend(item.ravel().tolist() if item.dtype == object else [])
        else:
            flat.append(item)
    _check_object_values(flat, name)
    try:
        return np.array(value)
    except ValueError as exc:
        raise AssertionError(f"{name} must be a rectangular array of numbers: {exc}") from None


def close_enough(got: float, want: float, *, rel: float = 1e-9, abs_tol: float = 0.0) -> bool:
    """``got`` equals ``want`` within ``max(abs_tol, rel * max(1, |want|))``; equal infinities match.

    NaN matches nothing, on purpose: the grader's canaries replace expected values by NaN, and a
    check that still passes then shows the comparison was tampered with."""
    if not isinstance(got, numbers.Real) or not isinstance(want, numbers.Real):
        raise TypeError("close_enough compares plain numbers; call as_plain first")
    if got == want:
        return True
    return abs(got - want) <= max(abs_tol, rel * max(1.0, abs(want)))
