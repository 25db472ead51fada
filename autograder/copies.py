"""Possible copies, for the instructor's report: a note, never a change of marks.

Each function a learner defines in a solution cell is reduced to a normalised syntax tree (comments,
docstrings, formatting and the text of string constants gone, local names renamed in order of first
use), and compared with

* the ``ppml_lab`` reference the hidden tests grade it against (its source, normalised the same way);
* the same function in every other submission.

Two identical trees are flagged. Very short functions (a one-line ``return``) are left alone: many
learners write them the same way independently.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import inspect
import re
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

import nbformat

MIN_NODES = 25  # syntax-tree nodes below which two equal functions prove nothing


class _Rename(ast.NodeTransformer):
    """Rename a function's own names (arguments and locals) to v0, v1, ... in order of first use."""

    def __init__(self, local: set[str]) -> None:
        self.local = local
        self.names: dict[str, str] = {}

    def _new(self, name: str) -> str:
        if name not in self.local:
            return name
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self._new(node.id)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str):  # messages are the first thing a copy rewords
            node.value = ""
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self._new(node.arg)
        node.annotation = None
        return node


def _strip_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[1:] or [ast.Pass()]
    return body


def fingerprint(fn: ast.FunctionDef) -> tuple[str, int] | None:
    """A hash of the normalised tree of ``fn`` and its size in nodes (``None`` when too small)."""
    fn = ast.parse(ast.unparse(fn)).body[0]  # a private copy
    local = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
    local |= {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))}
    for node in ast.walk(fn):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.body = _strip_docstring(node.body)
            node.returns = None
            node.decorator_list = []
    fn.name = "f"
    tree = _Rename(local).visit(fn)
    size = sum(1 for _ in ast.walk(tree))
    if size < MIN_NODES:
        return None
    return hashlib.sha256(ast.dump(tree, annotate_fields=False).encode()).hexdigest(), size


def functions_in(source: str) -> dict[str, ast.FunctionDef]:
    """Top-level functions defined in a cell's source (nothing when it does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def _solution_sources(nb: nbformat.NotebookNode) -> str:
    return "\n".join(c.source for c in nb.cells
                     if c.cell_type == "code" and c.get("metadata", {}).get("nbgrader", {}).get("solution"))


_IMPORT = re.compile(r"from\s+(ppml_lab[\w.]*)\s+import\s+(\w+)(?:\s+as\s+\w+)?")


def reference_fingerprints(master: nbformat.NotebookNode) -> dict[str, tuple[str, str]]:
    """For each function the master's solution cells define: the fingerprint of the ``ppml_lab``
    reference its hidden tests import, and that reference's name."""
    defined = functions_in(_solution_sources(master))
    out: dict[str, tuple[str, str]] = {}
    for cell in master.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("grade") or meta.get("solution"):
            continue
        for module, name in _IMPORT.findall(cell.source):
            try:
                ref = inspect.unwrap(getattr(importlib.import_module(module), name))
                tree = ast.parse(inspect.cleandoc("\n" + inspect.getsource(ref))).body[0]
            except (ImportError, AttributeError, OSError, TypeError, SyntaxError, IndexError):
                continue
            if not isinstance(tree, ast.FunctionDef) or not (fp := fingerprint(tree)):
                continue
            for fn_name in defined:  # the test cell grades the functions it calls
                if re.search(rf"\b{re.escape(fn_name)}\b", cell.source):
                    out.setdefault(fn_name, (fp[0], f"{module}.{name}"))
    return out


def find_copies(master: nbformat.NotebookNode, submissions: Mapping[str, Path]) -> dict[str, list[str]]:
    """Notes per student: functions whose normalised tree equals the reference's or another student's."""
    refs = reference_fingerprints(master)
    graded = set(functions_in(_solution_sources(master)))
    seen: dict[tuple[str, str], list[str]] = defaultdict(list)
    notes: dict[str, list[str]] = defaultdict(list)
    for student, path in sorted(submissions.items()):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 - an unreadable file is reported elsewhere
            continue
        for name, fn in functions_in(_solution_sources(nb)).items():
            if name not in graded or not (fp := fingerprint(fn)):
                continue
            if name in refs and refs[name][0] == fp[0]:
                notes[student].append(f"{name}: same syntax tree as the kit's {refs[name][1]}")
            seen[(name, fp[0])].append(student)
    for (name, _), students in seen.items():
        if len(students) > 1:
            for student in students:
                others = ", ".join(s for s in students if s != student)
                notes[student].append(f"{name}: same syntax tree as the answer of {others}")
    return {s: sorted(n) for s, n in notes.items()}
