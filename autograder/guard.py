"""Tamper checks that run inside a learner's kernel.

The kernel sandbox imports this module in its zygote and calls ``take_snapshot()`` before any
learner code exists: the snapshot records the modules the hidden tests rely on (``ppml_lab``,
``autograder``, NumPy, pandas, ``math``...), their functions' code, the classes of ``ppml_lab`` and
``autograder``, ``builtins`` and the profiling hooks of ``sys``.

The grader (``autograder.execute.GuardedExecute``) then, for every graded test cell:

1. calls ``restore()`` just before the cell, which undoes what learner code patched at module
   level (a replaced reference function, a no-op ``numpy.testing.assert_allclose``, a rebound
   ``abs``, a fake ``autograder.checks`` in ``sys.modules``...);
2. after a cell that passed, calls ``run_canaries``: the same cell is run again in a forked copy
   of the kernel, in versions an honest answer must fail: once with a failing statement
   appended (``c1``: catches anything that hides errors, such as input transformers or a patched
   ``run_cell``; only for cells where neither of the next two applies, since hidden errors make
   those pass too), once with every ``ppml_lab`` reference the cell imports replaced by a poisoned
   copy whose results are wrong (``c2``: catches comparisons that pass whatever the expected value
   is: a patched ``abs`` or assert helper installed during the call), and once with the expected
   side of every comparison in an ``assert`` poisoned (``c3``: catches answers that compare equal
   to anything, such as an object whose ``__eq__`` always returns ``True``). A canary that passes
   means the cell's pass cannot be trusted, and the cell earns nothing. Which canaries apply to a
   cell is calibrated on the master solution: a canary the solution passes is not used there.

The forks leave the kernel's state untouched. All of this runs in a process the learner's code
also runs in, so it raises the bar rather than proving anything: a submission written
specifically to recognise these canaries could still evade them.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import functools
import gc
import json
import math
import numbers
import os
import select
import signal
import sys
import sysconfig
import time
import types
from typing import Any

PROTECTED_PREFIXES = (
    "ppml_lab",
    "autograder",
    "numpy",
    "pandas",
    "math",
    "cmath",
    "statistics",
    "operator",
    "functools",
    "inspect",
)
# Modules whose classes are restored too (the kit's own; third-party classes are too many).
CLASS_PREFIXES = ("ppml_lab", "autograder")
# builtins IPython manages itself while a cell runs.
_IPYTHON_BUILTINS = {"exit", "quit", "get_ipython", "display", "__IPYTHON__", "input", "raw_input", "getpass"}
_SYS_HOOKS = ("setprofile", "getprofile", "settrace", "gettrace", "_getframe", "exc_info")
_MISSING = object()
_RESTORABLE = (types.FunctionType, types.BuiltinFunctionType, types.ModuleType, type, functools.partial)


def _protected(name: str, prefixes: tuple[str, ...] = PROTECTED_PREFIXES) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _restorable(value: Any) -> bool:
    return isinstance(value, _RESTORABLE) or callable(value)


class _Snapshot:
    def __init__(self) -> None:
        self.modules: dict[str, tuple[types.ModuleType, dict[str, Any]]] = {}
        self.classes: list[tuple[type, dict[str, Any]]] = []
        self.functions: list[tuple[types.FunctionType, Any, Any, Any]] = []
        self.builtins: dict[str, Any] = dict(vars(builtins))
        self.sys_hooks = {name: getattr(sys, name) for name in _SYS_HOOKS if hasattr(sys, name)}
        self.roots = tuple(
            {os.path.realpath(p) for p in sysconfig.get_paths().values()}
            | {os.path.realpath(os.path.dirname(os.path.dirname(__file__)))}
        )
        seen_fn: set[int] = set()
        seen_cls: set[int] = set()
        for name, module in list(sys.modules.items()):
            if not isinstance(module, types.ModuleType) or not _protected(name) or name == __name__:
                continue
            members = {k: v for k, v in vars(module).items() if _restorable(v)}
            self.modules[name] = (module, members)
            for value in members.values():
                self._add_function(value, seen_fn)
                if (
                    isinstance(value, type)
                    and id(value) not in seen_cls
                    and _protected(getattr(value, "__module__", "") or "", CLASS_PREFIXES)
                ):
                    seen_cls.add(id(value))
                    self.classes.append((value, dict(vars(value))))
                    for attr in vars(value).values():
                        self._add_function(getattr(attr, "__func__", attr), seen_fn)

    def _add_function(self, value: Any, seen: set[int]) -> None:
        if isinstance(value, types.FunctionType) and id(value) not in seen:
            seen.add(id(value))
            self.functions.append((value, value.__code__, value.__defaults__, value.__kwdefaults__))


_SNAPSHOT: _Snapshot | None = None
_VERDICT = "{}"
_RESTORED: list[str] = []


def take_snapshot() -> int:
    """Record the trusted state (once, before learner code runs); return the modules covered."""
    global _SNAPSHOT
    _SNAPSHOT = _Snapshot()
    return len(_SNAPSHOT.modules)


def has_snapshot() -> bool:
    """True once ``take_snapshot`` ran in this process."""
    return _SNAPSHOT is not None


def _genuine(module: Any, roots: tuple[str, ...]) -> bool:
    if not isinstance(module, types.ModuleType):
        return False
    origin = getattr(getattr(module, "__spec__", None), "origin", None) or getattr(module, "__file__", None)
    if origin in (None, "built-in", "frozen"):
        return True
    return os.path.realpath(str(origin)).startswith(roots)


def restore() -> list[str]:
    """Put back every recorded module, function, class attribute and builtin; return what changed."""
    global _RESTORED
    snap = _SNAPSHOT
    if snap is None:
        return []
    changed: list[str] = []
    _RESTORED = changed
    current = vars(builtins)
    for key, value in snap.builtins.items():
        if key not in _IPYTHON_BUILTINS and current.get(key, _MISSING) is not value:
            current[key] = value
            changed.append(f"builtins.{key}")
    for key, value in snap.sys_hooks.items():
        if getattr(sys, key, _MISSING) is not value:
            setattr(sys, key, value)
            changed.append(f"sys.{key}")
    for name, (module, members) in snap.modules.items():
        if sys.modules.get(name) is not module:
            sys.modules[name] = module
            changed.append(f"sys.modules[{name!r}]")
        namespace = vars(module)
        for key, value in members.items():
            if namespace.get(key, _MISSING) is not value:
                namespace[key] = value
                changed.append(f"{name}.{key}")
    for name in [n for n in list(sys.modules) if _protected(n) and n not in snap.modules]:
        if not _genuine(sys.modules.get(name), snap.roots):
            del sys.modules[name]
            changed.append(f"sys.modules[{name!r}] (removed)")
    for cls, members in snap.classes:
        now = vars(cls)
        for key, value in members.items():
            if key in ("__dict__", "__weakref__"):
                continue
            if now.get(key, _MISSING) is not value:
                with contextlib.suppress(AttributeError, TypeError):
                    setattr(cls, key, value)
                    changed.append(f"{cls.__module__}.{cls.__qualname__}.{key}")
        for key in [k for k in now if k not in members]:
            if callable(now[key]) or isinstance(now[key], (property, staticmethod, classmethod)):
                with contextlib.suppress(AttributeError, TypeError):
                    delattr(cls, key)
                    changed.append(f"{cls.__module__}.{cls.__qualname__}.{key} (removed)")
    for fn, code, defaults, kwdefaults in snap.functions:
        if fn.__code__ is not code:
            fn.__code__ = code
            changed.append(f"{fn.__module__}.{fn.__qualname__}.__code__")
        if fn.__defaults__ is not defaults:
            fn.__defaults__ = defaults
        if fn.__kwdefaults__ is not kwdefaults:
            fn.__kwdefaults__ = kwdefaults
    return changed


def last_restored() -> str:
    """JSON list of what the last ``restore()`` had to put back."""
    return json.dumps(_RESTORED)


def original(module: str, name: str) -> Any:
    """The value ``module.name`` had when the snapshot was taken (imported now if it was not)."""
    snap = _SNAPSHOT
    if snap is not None and module in snap.modules:
        members = snap.modules[module][1]
        if name in members:
            return members[name]
    import importlib

    return getattr(importlib.import_module(module), name)


class _Poison:
    """Stands for a wrong expected value of any type: equal to nothing, usable as nothing."""

    def __eq__(self, other: object) -> bool:
        return False

    def __ne__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return "<poisoned reference result>"


def poison_value(value: Any) -> Any:
    """A value of the same shape as ``value`` that no correct answer can equal."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, numbers.Number):
        return math.nan
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(value, np.ndarray):
            return np.full(value.shape, np.nan)
        if isinstance(value, np.generic):
            return np.nan
    pd = sys.modules.get("pandas")
    if pd is not None:
        if isinstance(value, pd.DataFrame):
            return pd.DataFrame(np.nan, index=value.index, columns=value.columns)
        if isinstance(value, pd.Series):
            return pd.Series(np.nan, index=value.index, name=value.name)
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return torch.full(tuple(value.shape), float("nan"))
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(poison_value(v) for v in value)
    if isinstance(value, list):
        return [poison_value(v) for v in value]
    if isinstance(value, dict):
        return {k: poison_value(v) for k, v in value.items()}
    if isinstance(value, str):
        return value + "\u2060poisoned"
    return _Poison()


def poisoned(module: str, name: str) -> Any:
    """The snapshot's ``module.name``, wrapped so that its results are poisoned.

    ``__wrapped__`` points at the real function, so ``assert_own_implementation`` still watches
    the real reference's code.
    """
    ref = original(module, name)
    if isinstance(ref, type) or not callable(ref):
        return ref if isinstance(ref, type) else poison_value(ref)

    @functools.wraps(ref)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return poison_value(ref(*args, **kwargs))

    return wrapper


def poison_source(source: str) -> str | None:
    """``source`` with each ``from ppml_lab... import name [as alias]`` followed by a rebinding of
    the alias to ``poisoned(...)``; ``None`` when the cell imports no reference (or is not Python)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    inserts: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level != 0 or not node.module:
            continue
        if not (node.module == "ppml_lab" or node.module.startswith("ppml_lab.")):
            continue
        indent = " " * node.col_offset
        lines = [
            f"{indent}{alias.asname or alias.name} = __import__('autograder.guard', "
            f"fromlist=['poisoned']).poisoned({node.module!r}, {alias.name!r})"
            for alias in node.names
            if alias.name != "*"
        ]
        if lines:
            inserts.append((node.end_lineno or node.lineno, "\n".join(lines)))
    if not inserts:
        return None
    out = source.splitlines()
    for line_no, text in sorted(inserts, reverse=True):
        out.insert(line_no, text)
    return "\n".join(out) + "\n"


class _PoisonExpectations(ast.NodeTransformer):
    """Wrap the right-hand operands of comparisons inside ``assert`` statements in ``poison_value``."""

    def __init__(self) -> None:
        self.count = 0
        self._in_assert = False

    def visit_Assert(self, node: ast.Assert) -> ast.Assert:
        self._in_assert = True
        node.test = self.visit(node.test)
        self._in_assert = False
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.Compare:
        self.generic_visit(node)
        if not self._in_assert:
            return node
        poison = ast.parse("__import__('autograder.guard', fromlist=['poison_value']).poison_value", mode="eval").body
        node.comparators = [ast.Call(func=poison, args=[c], keywords=[]) for c in node.comparators]
        self.count += 1
        return node


def poison_expectations(source: str) -> str | None:
    """``source`` with every comparison in an ``assert`` made against a poisoned expected value.

    An honest answer then fails; an answer that compares equal (or less, or greater) to anything,
    such as an object whose ``__eq__`` always returns ``True``, still passes. ``None`` when the
    cell has no such comparison or is not plain Python.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    transformer = _PoisonExpectations()
    tree = ast.fix_missing_locations(transformer.visit(tree))
    return ast.unparse(tree) + "\n" if transformer.count else None


def _silence_child() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sink = open(os.devnull, "w")  # noqa: SIM115 - the child ends with os._exit
    sys.stdout = sys.stderr = sink
    shell = _shell()
    if shell is not None:
        with contextlib.suppress(Exception):
            shell.display_pub.publish = lambda *a, **k: None
        with contextlib.suppress(Exception):
            shell._showtraceback = lambda *a, **k: None
        with contextlib.suppress(Exception):
            # formatting a traceback nobody sees costs more than the test; run_cell still
            # records the error, which is what the verdict reads
            shell.showtraceback = lambda *a, **k: None


def _shell() -> Any:
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


def _inherited_objects() -> list[Any]:
    """What a forked child must never destroy: every object the collector tracks, and the values the
    learner's namespace names directly (native objects are often untracked).

    A fork copies only the thread that forks. A native object that owns worker threads (a TenSEAL
    context keeps a pool whose workers wait on a condition variable) cannot be destroyed in the
    child: its destructor waits for workers that do not exist there, forever. A canary re-runs a
    cell, and rebinding a name the cell assigned (``_hk = KeyOwner(...)``) would drop the parent's
    object in the child. References taken in the parent before the fork keep every inherited object
    alive in the child, which ends with ``os._exit`` and so runs no destructor of its own.
    """
    objects = gc.get_objects()
    shell = _shell()
    if shell is not None:
        with contextlib.suppress(Exception):
            objects.extend(shell.user_ns.values())
    return objects


def _run_forked(source: str, timeout: float, inherited: list[Any] | None = None) -> str:
    """Run ``source`` as a cell in a forked copy of this kernel: pass, fail, timeout or unavailable.

    ``inherited`` (default: ``_inherited_objects()``) is what the child keeps alive."""
    read_fd, write_fd = os.pipe()
    if inherited is None:
        inherited = _inherited_objects()  # the child's copy of this list pins what it inherits
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return "unavailable"
    if pid != 0:
        del inherited  # the parent's own objects live and die as before
    if pid == 0:  # pragma: no cover - child
        try:
            gc.disable()  # a collection would walk (and copy-on-write) the whole inherited heap
            os.close(read_fd)
            _silence_child()
            shell = _shell()
            if shell is None:
                exec(compile(source, "<canary>", "exec"), {})
                ok = True
            else:
                res = shell.run_cell(source, store_history=False, silent=True)
                ok = getattr(res, "error_before_exec", 1) is None and getattr(res, "error_in_exec", 1) is None
            os.write(write_fd, b"pass" if ok else b"fail")
        except BaseException:
            with contextlib.suppress(BaseException):
                os.write(write_fd, b"fail")
        finally:
            os._exit(0)
    os.close(write_fd)
    data = b""
    deadline = time.monotonic() + timeout
    verdict = None
    try:
        while len(data) < 4:  # the verdict is four bytes; the child's exit is not waited for
            left = deadline - time.monotonic()
            if left <= 0:
                verdict = "timeout"
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if ready:
                chunk = os.read(read_fd, 16)
                if not chunk:
                    break
                data += chunk
    finally:
        os.close(read_fd)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        _FORKED.append(pid)
        _reap_forked()
    if verdict:
        return verdict
    return {b"pass": "pass", b"fail": "fail"}.get(data, "crash")


_FORKED: list[int] = []


def _reap_forked() -> None:
    """Collect canary children that have exited (without waiting for the others)."""
    for pid in list(_FORKED):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _FORKED.remove(pid)


def reap_children() -> int:
    """Collect every exited child of this kernel (killed leftovers would otherwise stay zombies
    and count against the process limit); return how many."""
    reaped = 0
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        reaped += 1
    _reap_forked()
    return reaped


def run_canaries(cases: dict[str, str], timeout: float, nonce: str = "") -> str:
    """Run each canary source in its own fork; remember and return the verdicts (with the grader's
    ``nonce``, so the grader knows they are this request's) as JSON."""
    global _VERDICT
    inherited = _inherited_objects()
    verdicts = {name: _run_forked(src, timeout, inherited) for name, src in cases.items()}
    del inherited
    _VERDICT = json.dumps({"nonce": nonce, "verdicts": verdicts})
    return _VERDICT


def last_verdict() -> str:
    """The JSON verdicts of the last ``run_canaries`` call."""
    return _VERDICT
