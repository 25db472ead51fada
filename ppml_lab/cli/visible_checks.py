"""``ppml-lab check`` where the hidden tests are absent (the student edition): the visible checks only.

The master notebooks (``solutions/``), which hold the hidden tests, are not given to students. Then
a check runs the learner's notebook once in a Jupyter kernel of this Python and scores each test
cell by its visible checks alone: full points when the cell runs without error, none otherwise.
The report says so: the hidden tests run when the course grades the notebook, so marks there can
be lower. This module needs no part of the grader (``autograder``), which students do not receive.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

HIDDEN_NOTE = ("hidden tests are not in this copy of the course: they run when your notebook is graded, "
               "so the marks there can be lower than these")


class VisibleCheckError(ValueError):
    """The notebook cannot be checked: missing, not a notebook, or without test cells."""


@dataclass
class VisibleCell:
    """One test cell scored by its visible checks."""

    grade_id: str
    score: float
    max_score: float
    messages: list[str] = field(default_factory=list)


@dataclass
class VisibleReport:
    """What a visible-only check found; ``lines()`` is what ``ppml-lab check`` prints."""

    assignment: str
    notebook: Path
    cells: list[VisibleCell] = field(default_factory=list)
    manual: list[tuple[str, float]] = field(default_factory=list)
    status: str = "visible-only"

    @property
    def score(self) -> float:
        return sum(c.score for c in self.cells)

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.cells)

    def lines(self) -> list[str]:
        """The report, ending with the plain statement that hidden tests run at grading."""
        out = [f"{self.assignment}: {self.notebook}",
               f"  visible checks only: {self.score:g}/{self.max_score:g} automatic marks"]
        for cell in self.cells:
            verdict = "passed" if cell.score == cell.max_score else "FAILED"
            out.append(f"    {cell.grade_id}: {cell.score:g}/{cell.max_score:g} {verdict}")
            out += [f"      {line}" for msg in cell.messages for line in msg.splitlines()]
        for gid, points in self.manual:
            out.append(f"  manually graded {gid} ({points:g} points): pending, an instructor marks it")
        out.append(f"  ({HIDDEN_NOTE})")
        return out


def _meta(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def default_notebook(assignment: str, base: Path | None = None) -> Path:
    """Where a lesson's notebook is when none is named: ``course/L/L.ipynb`` or ``L/L.ipynb`` here."""
    base = base or Path.cwd()
    for candidate in (base / "course" / assignment, base / assignment):
        if (candidate / f"{assignment}.ipynb").is_file():
            return candidate / f"{assignment}.ipynb"
    return base / "course" / assignment / f"{assignment}.ipynb"


def read_notebook(path: Path) -> NotebookNode:
    """The notebook at ``path``, refused when missing, unreadable or without a graded test cell."""
    if not path.is_file():
        raise VisibleCheckError(f"notebook {str(path)!r} does not exist (or is not a file)")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises JSON, validation and encoding errors alike
        raise VisibleCheckError(f"notebook {str(path)!r} is not a Jupyter notebook: {exc}") from exc
    if not any(_meta(c).get("grade") and not _meta(c).get("solution") for c in nb.cells):
        raise VisibleCheckError(f"notebook {str(path)!r} has no graded test cell: it is not a lesson notebook")
    return nb


def check_visible(assignment: str, notebook: Path | str | None = None, *, fast: bool = False,
                  cell_timeout: float = 600.0, kernel_name: str = "python3") -> VisibleReport:
    """Run ``notebook`` of ``assignment`` and score its test cells by their visible checks."""
    from nbclient import NotebookClient

    path = Path(notebook) if notebook else default_notebook(assignment)
    nb = read_notebook(path)
    saved = os.environ.get("PPML_LAB_FAST")
    if fast:
        os.environ["PPML_LAB_FAST"] = "1"
    try:
        client = NotebookClient(nb, timeout=cell_timeout, kernel_name=kernel_name, allow_errors=True,
                                resources={"metadata": {"path": str(path.resolve().parent)}})
        client.execute()
    finally:
        if saved is None:
            os.environ.pop("PPML_LAB_FAST", None)
        else:
            os.environ["PPML_LAB_FAST"] = saved
    report = VisibleReport(assignment, path)
    for cell in nb.cells:
        meta = _meta(cell)
        if not meta.get("grade"):
            continue
        points = float(meta.get("points", 0))
        if meta.get("solution"):
            report.manual.append((meta["grade_id"], points))
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        messages = [f"{o.get('ename')}: {o.get('evalue')}".rstrip(": ") for o in errors]
        report.cells.append(VisibleCell(meta["grade_id"], 0.0 if errors else points, points, messages))
    return report
