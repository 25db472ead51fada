"""What the grader records about a notebook run, and the cell-output rules it reads marks by.

Kept apart from ``autograder.execute`` (the executor) so reports and tests can read records without
importing nbclient's machinery.
"""

from __future__ import annotations

import ast
import os
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nbformat import NotebookNode


@dataclass
class CellRecord:
    """What happened to one graded cell."""

    grade_id: str
    outcome: str = "not run"  # passed, failed, not run
    reason: str = ""
    seconds: float = 0.0
    canaries: dict[str, str] = field(default_factory=dict)


@dataclass
class NotebookRecord:
    """What happened to one notebook: graded cells, why the run stopped, notes."""

    cells: dict[str, CellRecord] = field(default_factory=dict)
    stop_reason: str | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    kernel_error: str | None = None
    timings: list[tuple[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        return asdict(self)


def error_output(ename: str, evalue: str) -> NotebookNode:
    """An nbformat error output: how a cell the grader stopped shows why."""
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def first_line(text: str, limit: int = 240) -> str:
    """The first non-blank line of ``text``, cut to ``limit`` characters (for one-line reasons)."""
    line = next((ln for ln in str(text).splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def failure_reason(cell: NotebookNode) -> str:
    """Why nbgrader gives a graded cell zero: its first error, or output on stderr."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            ename, evalue = out.get("ename", "Error"), first_line(out.get("evalue", ""))
            return f"{ename}: {evalue}" if evalue else ename
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            return "wrote to stderr: " + first_line(out.get("text", ""))
    return ""


def ends_with_expression(source: str) -> bool:
    """Whether the cell's last statement is an expression (whose value the cell would display)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return bool(tree.body) and isinstance(tree.body[-1], ast.Expr)


def output_size(out: NotebookNode) -> int:
    """Characters one output holds, the measure of the per-cell output cap."""
    kind = out.get("output_type")
    if kind == "stream":
        return len(out.get("text", ""))
    if kind == "error":
        return len(out.get("evalue", "")) + sum(len(t) for t in out.get("traceback", []))
    return sum(len(str(v)) for v in out.get("data", {}).values())


def sanitize_folder(folder: Path) -> list[str]:
    """Remove links, special files and multiply-linked files under ``folder``; hand the rest to the
    grader's user. Called once the kernel and everything it started are gone."""
    removed = []
    if not folder.is_dir() or folder.is_symlink():
        return removed
    me = os.geteuid()
    for dirpath, dirnames, filenames in os.walk(folder, topdown=True, followlinks=False):
        for name in list(dirnames) + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            bad = stat.S_ISLNK(st.st_mode) or not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode))
            bad = bad or (stat.S_ISREG(st.st_mode) and st.st_nlink > 1)
            if bad:
                path.unlink()
                removed.append(str(path.relative_to(folder)))
                if name in dirnames:
                    dirnames.remove(name)
            elif me == 0:
                os.lchown(path, 0, 0)
    if me == 0:
        os.lchown(folder, 0, 0)
    return removed
