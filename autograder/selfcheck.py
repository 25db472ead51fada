"""``ppml-lab check``: how a learner's own notebook grades, without an instructor.

The notebook is graded by the class pipeline itself (``autograder.grade.grade``: the same sandbox,
tamper checks and nbgrader autograde), as the one submission of a private grading folder, so the
marks are the ones ``ppml-lab grade`` would give. What is printed comes from that run: the marks of
every test cell, grouped by question; for a cell that lost marks, its error messages (read from the
autograded notebook after ``autograder.feedback.HideHiddenTests`` has removed the hidden tests and
the tracebacks quoting them) and, when the failing line is one of the cell's visible checks, that
line; and the rubric of each manually graded answer, which no autograder scores.

Without the lesson's master notebook (the student edition has no ``solutions/``), there are no
hidden tests to run: the check runs the visible checks only (``ppml_lab.cli.visible_checks``) and
its report says that hidden tests run at grading.
"""

from __future__ import annotations

import copy
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder.feedback import BEGIN, HideHiddenTests, is_test_cell
from autograder.grade import GradeOptions, grade, resolve_grading_dir
from autograder.gradebook import History
from autograder.pipeline import ROOT, SOURCE_DIR, list_assignments
from autograder.reports import cell_layout, manual_layout
from autograder.sandbox import Limits
from autograder.testing import is_manual, source_notebook
from ppml_lab.cli.visible_checks import VisibleReport, check_visible

STUDENT = "self-check"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CELL_LINE = re.compile(r"^(?:Cell In\s*\[\d*\]|Input In\s*\[\d*\]).*?line (\d+)", re.M)


class CheckError(ValueError):
    """The notebook cannot be checked: unknown lesson, missing file, not a notebook, another lesson."""


@dataclass
class CellResult:
    """One automatically graded test cell: its marks and, when it lost some, why."""

    grade_id: str
    question: str
    score: float
    max_score: float
    messages: list[str] = field(default_factory=list)


@dataclass
class ManualAnswer:
    """A manually graded answer: its points and the rubric the learner's notebook shows."""

    grade_id: str
    points: float
    rubric: str


@dataclass
class CheckReport:
    """What a check found."""

    assignment: str
    notebook: Path
    status: str  # "graded", or "failed" when the notebook could not be graded at all
    reason: str = ""
    cells: list[CellResult] = field(default_factory=list)
    manual: list[ManualAnswer] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(c.score for c in self.cells)

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.cells)

    def lines(self) -> list[str]:
        """The report as printed by ``ppml-lab check``."""
        out = [f"{self.assignment}: {self.notebook}"]
        if self.status != "graded":
            return [*out, f"  not graded: {self.reason}", "  (zero marks: fix the notebook and check again)"]
        out.append(f"  automatic marks: {self.score:g}/{self.max_score:g}")
        question = None
        for cell in self.cells:
            if cell.question != question:
                question = cell.question
                out.append(f"  question {question}:")
            verdict = "passed" if cell.score == cell.max_score else "FAILED"
            out.append(f"    {cell.grade_id}: {cell.score:g}/{cell.max_score:g} {verdict}")
            out += [f"      {line}" for msg in cell.messages for line in msg.splitlines()]
        for answer in self.manual:
            out.append(f"  manually graded {answer.grade_id} ({answer.points:g} points): pending, not scored here; "
                       "an instructor marks it with this rubric:")
            out += [f"      {line}" for line in answer.rubric.splitlines()]
        out.append("  (hidden tests ran but are not shown; the messages above are what they report)")
        return out


def _graded_ids(nb: NotebookNode) -> set[str]:
    """Grade ids of the answer and test cells (locked cells such as ``setup`` recur in every lesson)."""
    ids = set()
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") and (meta.get("grade") or meta.get("solution")):
            ids.add(meta["grade_id"])
    return ids


def read_learner_notebook(assignment: str, notebook: Path | str | None) -> tuple[Path, NotebookNode]:
    """The learner's notebook (default ``course/<lesson>/<lesson>.ipynb``), checked to be this lesson's."""
    lessons = list_assignments()
    if assignment not in lessons:
        raise CheckError(f"unknown lesson {assignment!r}: choose one of {', '.join(lessons)}")
    path = Path(notebook) if notebook else ROOT / "course" / assignment / f"{assignment}.ipynb"
    if not path.is_file():
        raise CheckError(f"notebook {str(path)!r} does not exist (or is not a file)")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises JSON, validation and encoding errors alike
        raise CheckError(f"notebook {str(path)!r} is not a Jupyter notebook: {exc}") from exc
    ids = _graded_ids(nb)
    shared = {name: len(ids & _graded_ids(source_notebook(name))) for name in lessons}
    owner = max(lessons, key=lambda name: (shared[name], name == assignment))
    if not shared[assignment] or owner != assignment:
        what = f"it is lesson {owner}'s notebook" if shared[owner] else "it has none of the lesson's graded cells"
        raise CheckError(f"notebook {str(path)!r} is not lesson {assignment}: {what}")
    return path, nb


def _failing_visible_line(cell: NotebookNode, traceback: list[str]) -> str | None:
    """The visible check a test cell failed at, or None when it failed inside its hidden tests."""
    match = _CELL_LINE.search(_ANSI.sub("", "\n".join(traceback)))
    if not match:
        return None
    lines = cell.source.splitlines()
    index = int(match.group(1)) - 1
    hidden_from = next((i for i, x in enumerate(lines) if x.strip() == BEGIN), len(lines))
    if 0 <= index < hidden_from:
        return lines[index].strip()
    return None


def failure_messages(autograded: NotebookNode) -> dict[str, list[str]]:
    """Per graded test cell of an autograded notebook, what its errors say (never hidden source)."""
    raw = {c.metadata["nbgrader"]["grade_id"]: c for c in autograded.cells if is_test_cell(c)}
    scrubbed, _ = HideHiddenTests().preprocess(copy.deepcopy(autograded), {})
    messages: dict[str, list[str]] = {}
    for cell in scrubbed.cells:
        if not is_test_cell(cell):
            continue
        gid = cell.metadata["nbgrader"]["grade_id"]
        raw_errors = [o for o in raw[gid].get("outputs", []) if o.get("output_type") == "error"]
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        found = []
        for out, original in zip(errors, raw_errors, strict=True):
            found.append(("".join(out.get("traceback", [])) or f"{out.get('ename')}: {out.get('evalue')}").rstrip(": "))
            line = _failing_visible_line(raw[gid], original.get("traceback", []))
            if line:
                found.append(f"at the visible check: {line}")
        messages[gid] = found
    return messages


def rubrics(assignment: str) -> list[ManualAnswer]:
    """Each manually graded answer with the locked cell before it (its question and how it is marked)."""
    cells = source_notebook(assignment).cells
    points = {c.grade_id: c.points for c in manual_layout(assignment)}
    found = []
    for i, cell in enumerate(cells):
        if is_manual(cell):
            gid = cell.metadata["nbgrader"]["grade_id"]
            prompt = cells[i - 1].source if i and cells[i - 1].metadata.get("nbgrader", {}).get("locked") else ""
            found.append(ManualAnswer(gid, points[gid], prompt))
    return found


def has_masters(source_dir: Path = SOURCE_DIR) -> bool:
    """True when ``source_dir`` holds master notebooks (solutions and hidden tests): not a student's copy."""
    return any(Path(source_dir).glob("*/*.ipynb"))


def check(assignment: str, notebook: Path | str | None = None, *, grading_dir: Path | str | None = None,
          fast: bool = False, limits: Limits | None = None,
          source_dir: Path = SOURCE_DIR) -> CheckReport | VisibleReport:
    """Grade the learner's ``notebook`` of ``assignment`` as ``ppml-lab grade`` would and report it.

    Grading happens in ``grading_dir`` (default ``self-check/`` inside the grading folder: its own
    gradebook, never a class's), which keeps the calibrated tamper canaries between checks. When
    ``source_dir`` holds no master notebook (the student edition), only the visible checks run.
    """
    if not has_masters(source_dir):
        default = ROOT / "course" / assignment / f"{assignment}.ipynb"
        cell_seconds = (limits or Limits()).cell_seconds
        return check_visible(assignment, notebook or (default if default.is_file() else None), fast=fast,
                             cell_timeout=cell_seconds)
    path, nb = read_learner_notebook(assignment, notebook)
    gdir = Path(grading_dir).resolve() if grading_dir else resolve_grading_dir(None) / "self-check"
    with tempfile.TemporaryDirectory(prefix="ppml-lab-check-") as tmp:
        folder = Path(tmp) / STUDENT / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")
        grade(assignment, Path(tmp), grading_dir=gdir, options=GradeOptions(
            workers=1, fast=fast, feedback=False, force=True, limits=limits or Limits()))
    history = History(gdir)
    try:
        row = history.latest(assignment)[STUDENT]
    finally:
        history.close()
    report = CheckReport(assignment, path, row.status, row.reason, manual=rubrics(assignment))
    if row.status != "graded":
        return report
    autograded = gdir / "autograded" / STUDENT / assignment / f"{assignment}.ipynb"
    messages = failure_messages(nbformat.read(autograded, as_version=4))
    for info in cell_layout(assignment):
        score, max_score = row.cells.get(info.grade_id, [0.0, info.points])
        lost = (score or 0.0) < max_score
        report.cells.append(CellResult(info.grade_id, info.question, float(score or 0.0), float(max_score),
                                       messages.get(info.grade_id, []) if lost else []))
    return report
