"""Every autograded test cell of every lesson has the shape the grader's guarantees rest on.

Read from the notebooks' JSON and parsed with ``ast``, nothing executed: in each master notebook, a
graded test cell holds one hidden block after at least one check the learner can run first, the hidden
block runs the answer under the delegation check, and the cell does not end in an expression whose value
would be shown (nbgrader reads a number shown as a cell's result as partial credit). In each released notebook, every graded
test cell keeps its visible check, so none reaches the learner empty.
"""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
# The delegation check itself, and the wrappers that run the answer under it (the HE server's side
# and the secure-aggregation messages).
DELEGATION_CHECKS = ("assert_own_implementation", "run_on_server", "masked_vectors")
MASTERS = sorted(ROOT.glob("solutions/*/*.ipynb"))
RELEASES = sorted(ROOT.glob("course/*/*.ipynb"))


def graded_test_cells(path: Path) -> list[tuple[str, str]]:
    """(grade_id, source) of the code cells nbgrader scores automatically."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    out = []
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("grade") and not meta.get("solution"):
            out.append((meta["grade_id"], "".join(cell["source"])))
    return out


def _is_check(node: ast.AST) -> bool:
    """An ``assert``, or a ``raise`` of ``AssertionError``."""
    if isinstance(node, ast.Assert):
        return True
    if isinstance(node, ast.Raise) and node.exc is not None:
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return isinstance(exc, ast.Name) and exc.id == "AssertionError"
    return False


def visible_checks(source: str) -> int:
    """How many checks the part of ``source`` before its hidden block holds."""
    return sum(_is_check(node) for node in ast.walk(ast.parse(source.partition(BEGIN)[0])))


def called_names(source: str) -> set[str]:
    """Names of every function called in ``source`` (``f(...)`` and ``module.f(...)``)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.id if isinstance(func, ast.Name) else getattr(func, "attr", ""))
    return names


def _returns_nothing(tree: ast.Module, name: str) -> bool:
    """Whether the function ``name`` of this cell provably returns ``None``: defined in the cell with no
    ``return <value>``, or imported from ``autograder`` and annotated ``-> None``."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            returns = [r for r in ast.walk(node) if isinstance(r, ast.Return) and r.value is not None]
            return not returns
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "autograder":
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    fn = getattr(importlib.import_module(node.module), alias.name)
                    return fn.__annotations__.get("return") in (None, "None")
    return False


def shows_a_value(source: str) -> bool:
    """Whether the cell ends in an expression whose value Jupyter would show as the cell's result
    (nbgrader reads a number shown there as partial credit). A last call of the grader's own check
    that returns ``None`` shows nothing; any other expression may."""
    tree = ast.parse(source)
    last = tree.body[-1]
    if not isinstance(last, ast.Expr):
        return False
    call = last.value
    return not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and _returns_nothing(tree, call.func.id))


def test_the_lessons_are_all_here():
    assert len(MASTERS) == 11 and [p.parent.name for p in RELEASES] == [p.parent.name for p in MASTERS]
    assert all(graded_test_cells(p) for p in MASTERS)


@pytest.mark.parametrize("path", MASTERS, ids=lambda p: p.parent.name)
def test_every_graded_cell_of_the_master_hides_its_tests_behind_a_visible_check(path):
    for gid, source in graded_test_cells(path):
        assert source.count(BEGIN) == 1 and source.count(END) == 1, f"{gid}: one hidden block"
        before, _, rest = source.partition(BEGIN)
        hidden, _, after = rest.partition(END)
        assert not after.strip(), f"{gid}: nothing after the hidden block"
        assert visible_checks(source) >= 1, f"{gid}: no visible check before the hidden tests"
        assert called_names(hidden) & set(DELEGATION_CHECKS), f"{gid}: the hidden tests never run the delegation check"
        assert not shows_a_value(source), f"{gid}: ends in an expression nbgrader would read as a score"


@pytest.mark.parametrize("path", RELEASES, ids=lambda p: p.parent.name)
def test_every_graded_cell_of_the_release_keeps_its_visible_check(path):
    master = dict(graded_test_cells(ROOT / "solutions" / path.parent.name / path.name))
    released = dict(graded_test_cells(path))
    assert set(released) == set(master), set(released) ^ set(master)
    for gid, source in released.items():
        assert source.strip(), f"{gid} is empty in the released notebook"
        assert BEGIN not in source, f"{gid}: the hidden tests reached the release"
        assert visible_checks(source) >= 1, f"{gid}: the released cell checks nothing"


def test_the_shape_checks_can_fail():
    # the three detectors on cells built to miss them
    assert visible_checks(f"x = 1\n{BEGIN}\nassert x\n{END}\n") == 0
    assert visible_checks("try:\n    f()\nexcept ValueError:\n    pass\nelse:\n    raise AssertionError('no')\n") == 1
    assert not called_names("assert f(x) == 1") & set(DELEGATION_CHECKS)
    assert "assert_own_implementation" in called_names("checks.assert_own_implementation(f, g, 1)")
    assert shows_a_value("x = 1\nx") and shows_a_value("def f():\n    return 0.5\nf()")
    assert shows_a_value("from autograder.checks import as_plain\nas_plain(1.0, 'float')")
    assert not shows_a_value("def f():\n    assert True\nf()")
    assert not shows_a_value("from autograder.secrecy import assert_beaver_protocol_secret\n"
                             "assert_beaver_protocol_secret(f, (12,))")
