"""Timed coding drills: one graded function of a lesson, written against the clock, graded as the lesson.

A drill names a lesson and the function one of its solution cells defines; everything else is read
from the notebooks when the drill runs, never copied: the statement (the lesson's text before the
cell), the stub (the cell as the released ``course/`` notebook shows it), the test cells that grade
it, and the reference solution (the master cell).

:func:`start` writes the answer file (a commented header, then the stub) and records the start time
beside it. :func:`grade` builds the learner notebook from the released one, every other exercise
filled with the master's code and this drill's cell replaced by the answer, grades it with
:func:`autograder.selfcheck.check` in fast mode (sandbox, tamper checks, hidden tests), and keeps the
drill's own test cells. An answer graded after its time limit is still graded, and reported as timed
out. With a practice history, the attempt is recorded as question ``drill:<name>``.
"""

from __future__ import annotations

import ast
import json
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
from nbformat import NotebookNode

from autograder.drill_table import DRILLS, ENGINES, Drill
from autograder.feedback import is_test_cell
from autograder.pipeline import RELEASE_DIR

if TYPE_CHECKING:
    from autograder.sandbox import Limits
    from autograder.selfcheck import CellResult
    from ppml_lab.interview.session import History

__all__ = ["DRILLS", "ENGINES", "Drill", "DrillError", "DrillReport", "answer_code", "get", "grade", "grade_id",
           "learner_notebook", "reference", "start", "start_record_path", "statement", "stub", "graded_cell_ids"]

ANSWER_MARKER = "# ---- your answer below this line (the lines above are not graded) ----"
_SOLUTION_MARKS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


class DrillError(ValueError):
    """A drill cannot start or be graded: unknown drill, missing or non-Python answer, existing file."""


def get(name: str) -> Drill:
    """The drill called ``name``."""
    if name not in DRILLS:
        close = [d for d in DRILLS if name.replace("_", "-") in d]
        hint = f" (did you mean {', '.join(close)}?)" if close else " (ppml-lab drill --list shows them)"
        raise DrillError(f"unknown drill {name!r}{hint}")
    return DRILLS[name]


def _meta(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _is_answer(cell: NotebookNode) -> bool:
    """An automatically graded exercise: a solution cell that is not itself graded."""
    return bool(_meta(cell).get("solution")) and not _meta(cell).get("grade")


def _defines(cell: NotebookNode, function: str) -> bool:
    return re.search(rf"^def {re.escape(function)}\(", cell.source, re.M) is not None


def _master(drill: Drill) -> tuple[list[NotebookNode], int]:
    """The master notebook's cells and the index of the drill's solution cell."""
    from autograder.testing import source_notebook

    cells = source_notebook(drill.lesson).cells
    for i, cell in enumerate(cells):
        if _is_answer(cell) and _defines(cell, drill.function):
            return cells, i
    raise DrillError(f"drill {drill.id}: no solution cell of {drill.lesson} defines {drill.function}()")


def grade_id(drill: Drill) -> str:
    """The nbgrader grade id of the drill's solution cell."""
    cells, i = _master(drill)
    return _meta(cells[i])["grade_id"]


def graded_cell_ids(drill: Drill) -> list[str]:
    """Grade ids of the test cells that grade the drill's function.

    The test cells after the solution cell, up to the next exercise. When they follow several
    exercises at once (a privatizer and its estimator), only those naming a function of this cell.
    """
    cells, i = _master(drill)
    lo = i
    while lo > 0 and not is_test_cell(cells[lo - 1]):
        lo -= 1
    hi = i + 1
    while hi < len(cells) and not is_test_cell(cells[hi]):
        hi += 1
    owners = [c for c in cells[lo:hi] if _is_answer(c)]
    tests = []
    while hi < len(cells) and not _is_answer(cells[hi]):
        if is_test_cell(cells[hi]):
            tests.append(cells[hi])
        hi += 1
    if len(owners) > 1:
        names = re.findall(r"^def (\w+)\(", cells[i].source, re.M)
        tests = [t for t in tests if any(re.search(rf"\b{n}\b", t.source) for n in names)]
    return [_meta(t)["grade_id"] for t in tests]


def statement(drill: Drill) -> str:
    """The lesson's markdown before the solution cell, back to its section heading.

    Code cells between that text and the solution cell (helpers, a small table the exercise uses)
    are part of the statement, indented; a sibling exercise's cell there is left out.
    """
    cells, i = _master(drill)
    parts: list[str] = []
    texts = 0
    for cell in reversed(cells[:i]):
        if cell.cell_type == "markdown":
            parts.append(cell.source)
            texts += 1
            if cell.source.lstrip().startswith("#"):
                break
        elif texts or is_test_cell(cell):
            break
        elif not _is_answer(cell):
            parts.append("\n".join(f"    {line}" for line in cell.source.splitlines()))
    return "\n\n".join(reversed(parts))


def _released(lesson: str) -> NotebookNode:
    return nbformat.read(RELEASE_DIR / lesson / f"{lesson}.ipynb", as_version=4)


def stub(drill: Drill) -> str:
    """The drill's cell exactly as the released student notebook shows it."""
    gid = grade_id(drill)
    for cell in _released(drill.lesson).cells:
        if _meta(cell).get("grade_id") == gid:
            return cell.source
    raise DrillError(f"drill {drill.id}: the released notebook of {drill.lesson} has no cell {gid}")


def reference(drill: Drill) -> str:
    """The master cell's code, without nbgrader's solution markers."""
    cells, i = _master(drill)
    return _SOLUTION_MARKS.sub("", cells[i].source).rstrip() + "\n"


def _as_comment(markdown: str) -> list[str]:
    lines = []
    for line in markdown.splitlines():
        line = re.sub(r"^#+\s*", "", line).replace("**", "")
        lines.append(f"# {line}".rstrip())
    return lines


def start_record_path(answer: Path | str) -> Path:
    """Where the start time of an answer file is kept: ``NAME.start.json`` beside ``NAME.py``."""
    return Path(answer).with_suffix(".start.json")


def start(name: str, folder: Path | str = "drills", *, now: datetime | None = None) -> Path:
    """Write the answer file ``folder/<name>.py`` (header and stub), record the start, return its path.

    An existing answer file is never overwritten: :class:`DrillError` says so and nothing is written.
    """
    drill = get(name)
    path = Path(folder) / f"{drill.id}.py"
    if path.exists():
        raise DrillError(f"answer file {str(path)!r} already exists and is left as it is: check it with "
                         f"`ppml-lab drill {drill.id} --check {path}`, or move it away to start again")
    started = (now or datetime.now(UTC)).astimezone(UTC)
    header = [
        f"# Drill {drill.id}: {drill.function}() from lesson {drill.lesson} ({drill.engine})",
        f"# Time limit: {drill.minutes} minutes from {started.isoformat(timespec='seconds')}",
        f"# When done: ppml-lab drill {drill.id} --check {path}",
        "# Your code replaces the exercise's cell in the lesson notebook: the lesson's imports and",
        "# earlier cells have run (np, math, ...) and every other exercise is solved.",
        "#",
        *_as_comment(statement(drill)),
        "#",
        ANSWER_MARKER,
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as out:  # "x": never replace a file made meanwhile
        out.write("\n".join(header) + "\n" + stub(drill).rstrip() + "\n")
    record = {"drill": drill.id, "started": started.isoformat(), "limit_minutes": drill.minutes}
    start_record_path(path).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return path


def answer_code(drill: Drill, path: Path | str) -> str:
    """The graded part of an answer file (after the header marker, else all of it), checked to be Python."""
    path = Path(path)
    if not path.is_file():
        raise DrillError(f"answer file {str(path)!r} does not exist (or is not a file): "
                         f"start the drill with `ppml-lab drill {drill.id}`")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DrillError(f"answer file {str(path)!r} is not Python: not UTF-8 text ({exc.reason})") from exc
    head, marker, tail = text.partition(ANSWER_MARKER)
    code = tail.lstrip("\n") if marker else head
    try:
        ast.parse(code, filename=str(path))
    except SyntaxError as exc:
        raise DrillError(f"answer file {str(path)!r} is not Python: {exc.msg} (line {exc.lineno} of the answer)") \
            from exc
    return code


def _elapsed(drill: Drill, path: Path, now: datetime) -> float | None:
    record = start_record_path(path)
    if not record.is_file():
        return None
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        started = datetime.fromisoformat(data["started"])
    except (ValueError, KeyError, TypeError) as exc:
        raise DrillError(f"start record {str(record)!r} is unreadable ({exc}); move it away to grade untimed") \
            from exc
    if data.get("drill") != drill.id:
        raise DrillError(f"start record {str(record)!r} is for drill {data.get('drill')!r}, not {drill.id!r}")
    return max(0.0, (now - started).total_seconds())


def learner_notebook(drill: Drill, code: str) -> NotebookNode:
    """The released notebook, every other exercise filled with the master's code, this one with ``code``."""
    from autograder.testing import solution_answers

    answers = solution_answers(drill.lesson)
    mine = grade_id(drill)
    nb = _released(drill.lesson)
    for cell in nb.cells:
        gid = _meta(cell).get("grade_id")
        if _meta(cell).get("solution") and gid in answers:
            cell.source = code if gid == mine else answers[gid]
    return nb


@dataclass
class DrillReport:
    """How a drill's answer graded: its test cells only, the time taken and the reference solution."""

    drill: Drill
    answer: Path
    status: str  # "graded", or "failed" when the notebook could not be graded at all
    reason: str
    cells: list[CellResult]
    seconds: float | None  # None when no start was recorded
    reference: str
    test_cells: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(c.score for c in self.cells)

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.cells)

    @property
    def passed(self) -> bool:
        """Full marks on every test cell of the drill (timed out or not)."""
        return self.status == "graded" and bool(self.cells) and self.score == self.max_score

    @property
    def limit_seconds(self) -> float:
        return 60.0 * self.drill.minutes

    @property
    def timed_out(self) -> bool:
        return self.seconds is not None and self.seconds > self.limit_seconds

    def lines(self) -> list[str]:
        """The report as ``ppml-lab drill NAME --check`` prints it."""
        d = self.drill
        out = [f"drill {d.id}: {d.function}() from {d.lesson} ({d.engine}), answer {self.answer}"]
        if self.seconds is None:
            out.append(f"  time: not recorded (no start record beside the answer); limit {d.minutes} min")
        else:
            taken = f"{int(self.seconds // 60)} min {int(self.seconds % 60)} s"
            verdict = "TIMED OUT (graded all the same)" if self.timed_out else "within the limit"
            out.append(f"  time: {taken} of {d.minutes} min: {verdict}")
        if self.status != "graded":
            out += [f"  not graded: {self.reason}", "  (zero marks: fix the answer and check again)"]
        else:
            out.append(f"  marks: {self.score:g}/{self.max_score:g} {'PASSED' if self.passed else 'FAILED'}")
            for cell in self.cells:
                verdict = "passed" if cell.score == cell.max_score else "FAILED"
                out.append(f"    {cell.grade_id}: {cell.score:g}/{cell.max_score:g} {verdict}")
                out += [f"      {line}" for msg in cell.messages for line in msg.splitlines()]
            out.append("  (hidden tests ran but are not shown; the messages above are what they report)")
        out.append(f"  reference solution ({d.lesson}, the master's cell):")
        out += [f"    {line}".rstrip() for line in self.reference.splitlines()]
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def record(self, history: History, code: str = "") -> None:
        """Append the attempt to a practice history as ``drill:<name>``: covered = cells with full marks."""
        from ppml_lab.interview.review import DRILL_PREFIX
        from ppml_lab.interview.session import Attempt

        full = {c.grade_id for c in self.cells if c.score == c.max_score}
        covered = tuple(i for i, gid in enumerate(self.test_cells) if gid in full)
        history.record(Attempt(f"{DRILL_PREFIX}{self.drill.id}", (f"drill-{self.drill.engine}",),
                               float(self.seconds or 0.0), code, covered, len(self.test_cells)))


def grade(name: str, answer_path: Path | str, *, grading_dir: Path | str | None = None,
          history: History | None = None, seconds: float | None = None, limits: Limits | None = None,
          now: datetime | None = None) -> DrillReport:
    """Grade the answer file of drill ``name`` with the lesson's tests and checks; see the module doc.

    ``seconds`` overrides the time read from the start record; ``grading_dir`` defaults to ``drills/``
    in the grading folder. With ``history``, the attempt is appended to it.
    """
    from autograder.grade import resolve_grading_dir
    from autograder.selfcheck import check

    drill = get(name)
    path = Path(answer_path)
    code = answer_code(drill, path)
    if seconds is None:
        seconds = _elapsed(drill, path, (now or datetime.now(UTC)).astimezone(UTC))
    wanted = graded_cell_ids(drill)
    gdir = Path(grading_dir) if grading_dir else resolve_grading_dir(None) / "drills"
    with tempfile.TemporaryDirectory(prefix="ppml-lab-drill-") as tmp:
        notebook = Path(tmp) / f"{drill.lesson}.ipynb"
        nbformat.write(learner_notebook(drill, code), notebook)
        checked = check(drill.lesson, notebook, grading_dir=gdir, fast=True, limits=limits)
    cells = [c for c in checked.cells if c.grade_id in wanted]
    report = DrillReport(drill, path, checked.status, checked.reason, cells, seconds, reference(drill), wanted)
    if history is not None:
        report.record(history, code)
    return report
