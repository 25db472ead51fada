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
    """Marks one submission earned: total, per graded cell, and the autograded notebook."""

    score: float
    max_score: float
    cells: dict[str, tuple[float, float]] = field(default_factory=dict)
    notebook: NotebookNode | None = None

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


def solution_answers(assignment: str) -> dict[str, str]:
    """The source of every solution cell of the master notebook, by grade id."""
    return {_grade_id(c): c.source for c in source_notebook(assignment).cells if _is_solution(c)}


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
    with Gradebook(f"sqlite:///{Path(grading_dir).resolve() / 'gradebook.db'}") as gb:
        for student in students:
            sub = gb.find_submission(assignment, student)
            cells: dict[str, tuple[float, float]] = {}
            for nb in sub.notebooks:
                for grade in nb.grades:
                    cells[grade.name] = (float(grade.score), float(grade.max_score))
            autograded = Path(grading_dir) / "autograded" / student / assignment / f"{assignment}.ipynb"
            notebook = nbformat.read(autograded, as_version=4) if autograded.exists() else None
            results[student] = GradeResult(float(sub.score), float(sub.max_score), cells, notebook)
    return results


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
