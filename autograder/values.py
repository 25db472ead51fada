"""Answers are values, not objects: ``as_plain`` turns a learner's result into a plain value of the
expected type and shape before any comparison (re-exported by ``autograder.checks``)."""

from __future__ import annotations

import numbers
import sys
from collections.abc import Iterable
from typing import Any


class TamperingDetected(AssertionError):
    """Raised when an answer's value is built to pass checks: a subclass of a plain type (which can
    override comparisons, ``abs`` or ``__float__``) where a plain value was asked for."""


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
