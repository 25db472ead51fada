"""Grade notebook variants with the real nbgrader CLI, for the lesson tests.

A lesson test builds variants of a lesson (the solution, the blank student notebook, plausible
wrong answers) and checks the marks each one earns::

    answers = solution_answers("00_orientation")
    results = autograde_variants(
        "00_orientation",
        {"solution": notebook_with_answers("00_orientation", answers),
         "blank": release_notebook("00_orientation")},
        tmp_path,
    )
    assert results["solution"].score == results["solution"].max_score

``score``, ``max_score`` and ``cells`` are the automatic marks only. A "Manually graded answer" cell
(markdown, or code, with nbgrader's ``solution`` and ``grade`` both set) is scored by an instructor in
formgrader, never by the autograder: it appears in ``manual`` instead, with ``None`` as its score
while it waits for the instructor, and its id in ``manual_pending``::

    assert results["solution"].manual_pending == ["interview_threat_models"]
"""

from __future__ import annotations

import copy
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder.pipeline import SOURCE_DIR, check_assignment, generate_release, run_nbgrader
from ppml_lab.config import FAST_ENV_VAR


@dataclass
class GradeResult:
    """Marks one submission earned: the automatic total and maximum, per automatically graded cell,
    the manually graded cells, and the autograded notebook.

    ``manual`` maps each manually graded cell to ``(score, max_score)``: the instructor's score once
    entered, nbgrader's automatic 0 for an answer left exactly as released, else ``None`` (pending).
    ``manual_pending`` lists the cells nbgrader flags as needing a manual grade.
    """

    score: float
    max_score: float
    cells: dict[str, tuple[float, float]] = field(default_factory=dict)
    notebook: NotebookNode | None = None
    manual: dict[str, tuple[float | None, float]] = field(default_factory=dict)
    manual_pending: list[str] = field(default_factory=list)

    @property
    def manual_max_score(self) -> float:
        """Points of the manually graded cells, marked or not."""
        return sum(m for _, m in self.manual.values())

    @property
    def manual_score(self) -> float:
        """Points given so far on the manually graded cells (pending cells count nothing)."""
        return sum(s for s, _ in self.manual.values() if s is not None)

    def outputs_text(self, grade_id: str) -> str:
        """All text a graded cell printed or raised in the autograded notebook."""
        if self.notebook is None:
            return ""
        parts = []
        for cell in self.notebook.cells:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") != grade_id:
                continue
            for out in cell.get("outputs", []):
                parts.append(str(out.get("text", "")))
                parts.append(str(out.get("evalue", "")))
                parts.extend(str(t) for t in out.get("traceback", []))
                parts.extend(str(v) for v in out.get("data", {}).values())
        return "\n".join(parts)


def _grade_id(cell: NotebookNode) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _is_solution(cell: NotebookNode) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def source_notebook(assignment: str) -> NotebookNode:
    """The master notebook of a lesson (solutions and hidden tests included)."""
    check_assignment(assignment)
    return nbformat.read(SOURCE_DIR / assignment / f"{assignment}.ipynb", as_version=4)


def is_manual(cell: NotebookNode) -> bool:
    """True for nbgrader's "Manually graded answer" cell: a solution cell that is also graded."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("solution")) and bool(meta.get("grade"))


def manual_grade_ids(assignment: str) -> list[str]:
    """Grade ids of the master notebook's manually graded answer cells, in order."""
    return [_grade_id(c) for c in source_notebook(assignment).cells if is_manual(c)]


def solution_answers(assignment: str) -> dict[str, str]:
    """The source of every solution cell of the master notebook, by grade id."""
    return {_grade_id(c): c.source for c in source_notebook(assignment).cells if _is_solution(c)}


def code_cells(assignment: str) -> dict[str, str]:
    """The source of every code cell of the master notebook that has a grade id, by grade id.

    Lesson tests run these cells in their own process to try more answers than one nbgrader batch holds.
    """
    cells = source_notebook(assignment).cells
    return {_grade_id(c): c.source for c in cells if c.cell_type == "code" and _grade_id(c)}


def hidden_tests(source: str) -> str:
    """The hidden part of a test cell: everything after its ``### BEGIN HIDDEN TESTS`` line."""
    return source.partition("### BEGIN HIDDEN TESTS")[2]


_RELEASE_CACHE: dict[str, NotebookNode] = {}


def release_notebook(assignment: str) -> NotebookNode:
    """The blank student notebook, as nbgrader releases it (generated afresh, not read from course/)."""
    if assignment not in _RELEASE_CACHE:
        with tempfile.TemporaryDirectory(prefix="ppml-lab-release-") as tmp:
            out = generate_release(assignment, Path(tmp) / "release", Path(tmp) / "grading")
            _RELEASE_CACHE[assignment] = nbformat.read(out / f"{assignment}.ipynb", as_version=4)
    return copy.deepcopy(_RELEASE_CACHE[assignment])


def notebook_with_answers(assignment: str, answers: dict[str, str]) -> NotebookNode:
    """The student notebook with the named solution cells filled in with ``answers``."""
    nb = release_notebook(assignment)
    known = {_grade_id(c) for c in nb.cells if _is_solution(c)}
    unknown = set(answers) - known
    if unknown:
        raise ValueError(f"answers name no solution cell of {assignment}: {sorted(unknown)}")
    for cell in nb.cells:
        gid = _grade_id(cell)
        if _is_solution(cell) and gid in answers:
            cell.source = answers[gid]
    return nb


def read_grades(grading_dir: Path, assignment: str, students: list[str]) -> dict[str, GradeResult]:
    """Scores of ``students`` for ``assignment`` from the gradebook in ``grading_dir``."""
    from nbgrader.api import Gradebook

    results: dict[str, GradeResult] = {}
    manual_ids = set(manual_grade_ids(assignment))
    with Gradebook(f"sqlite:///{Path(grading_dir).resolve() / 'gradebook.db'}") as gb:
        for student in students:
            sub = gb.find_submission(assignment, student)
            cells: dict[str, tuple[float, float]] = {}
            manual: dict[str, tuple[float | None, float]] = {}
            pending = []
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if grade.name in manual_ids:
                        unmarked = grade.manual_score is None and grade.auto_score is None  # score reads 0
                        manual[grade.name] = (None if unmarked else float(grade.score), float(grade.max_score))
                        if grade.needs_manual_grade:
                            pending.append(grade.name)
                    else:
                        cells[grade.name] = (float(grade.score), float(grade.max_score))
            autograded = Path(grading_dir) / "autograded" / student / assignment / f"{assignment}.ipynb"
            notebook = nbformat.read(autograded, as_version=4) if autograded.exists() else None
            results[student] = GradeResult(
                sum(s for s, _ in cells.values()), sum(m for _, m in cells.values()), cells, notebook,
                manual, sorted(pending),
            )
    return results


def assert_marks_per_cell(
    graded: dict[str, GradeResult],
    submissions: dict[str, dict[str, tuple[str, tuple[float, ...]]]],
    cells: dict[str, dict[str, float]],
) -> None:
    """Every packed submission earned exactly its expected marks, cell by cell and in total.

    ``submissions``: student -> {function: (answer, marks of each of the function's test cells)};
    ``cells``: function -> {test cell grade id: points}, in the order of the marks.
    """
    for student, rows in submissions.items():
        got = graded[student].cells
        for fn, (_, marks) in rows.items():
            want = {cell: (float(m), points) for (cell, points), m in zip(cells[fn].items(), marks, strict=True)}
            assert {cell: got[cell] for cell in cells[fn]} == want, (student, fn)
        assert graded[student].score == sum(sum(m) for _, m in rows.values()), (student, got)


def assert_cheats_named(
    graded: dict[str, GradeResult], cheats: list[tuple[str, str, str]], cells: dict[str, dict[str, float]]
) -> None:
    """Each cheat (student, function, what it called) was refused in every test cell of that function,
    with the refusal naming what it called."""
    for student, fn, called in cheats:
        for cell in cells[fn]:
            text = graded[student].outputs_text(cell)
            assert "No marks for this answer" in text and called in text, (student, cell, text[-600:])


def autograde_variants(
    assignment: str,
    variants: dict[str, NotebookNode],
    workdir: Path,
    *,
    fast: bool = True,
    timeout: float = 900,
) -> dict[str, GradeResult]:
    """Autograde each variant as a student's submission with ``nbgrader autograde``.

    A whole course root is built under ``workdir`` (release, submissions, gradebook), so the
    project's own ``course/`` and gradebook are never touched.
    """
    check_assignment(assignment)
    workdir = Path(workdir).resolve()
    grading = workdir / "grading"
    generate_release(assignment, workdir / "release", grading)
    for student, nb in variants.items():
        folder = grading / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")
    run_nbgrader(
        ["autograde", assignment, "--force"],
        grading_dir=grading,
        # the suite grades on every core at once: one thread per kernel avoids oversubscription
        extra_env={FAST_ENV_VAR: "1" if fast else "0", "OMP_NUM_THREADS": "1"},
        timeout=timeout,
    )
    return read_grades(grading, assignment, list(variants))
