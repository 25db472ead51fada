"""Feedback shows marks and failure messages, never a line of the hidden tests.

Unit part: every lesson's master notebook, with the outputs a failing hidden test leaves (an IPython
traceback quoting the cell, a warning quoting its source line), goes through the kit's feedback
preprocessor; no hidden-test line survives anywhere in the notebook, and each failure's name and
message do. End-to-end part: lesson 00 is graded with the plain nbgrader commands (``autograde`` then
``generate_feedback``) and with ``ppml-lab grade``; every feedback HTML file is searched for every
hidden-test line.
"""

import copy
import html
import re
from pathlib import Path

import nbformat
import pytest
from nbconvert.exporters import NotebookExporter

from autograder import samples
from autograder.feedback import MIN_QUOTED, PLACEHOLDER, HideHiddenTests, is_test_cell, split_hidden
from autograder.grade import GradeOptions, grade
from autograder.pipeline import ROOT, SOURCE_DIR, run_nbgrader
from autograder.sandbox import Limits
from autograder.testing import (
    autograde_variants,
    notebook_with_answers,
    solution_answers,
    source_notebook,
)

COURSE = ROOT / "course"
LESSONS = sorted(p.name for p in SOURCE_DIR.iterdir() if (p / f"{p.name}.ipynb").is_file())


def secret_lines(assignment: str) -> set[str]:
    """Hidden-test lines of a lesson that the released notebook does not show anyway."""
    hidden = set()
    for cell in source_notebook(assignment).cells:
        if is_test_cell(cell):
            hidden.update(s for s in (x.strip() for x in split_hidden(cell.source)[1]) if len(s) >= MIN_QUOTED)
    # the released notebook in course/ (kept identical to nbgrader's release by test_course_sync)
    released = nbformat.read(COURSE / assignment / f"{assignment}.ipynb", as_version=4)
    visible = {x.strip() for c in released.cells for x in c.source.splitlines()}
    # a hidden line the learner reads inside a visible one (an import, a signature) is no secret either
    return {s for s in hidden if not any(s in line for line in visible)}


def _leaks(text: str, secrets: set[str]) -> list[str]:
    plain = html.unescape(re.sub(r"<[^>]+>", "", text))
    return sorted(s for s in secrets if s in text or s in plain)


def test_split_hidden_keeps_the_visible_checks_and_refuses_an_unclosed_block():
    src = "assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(3) == 4\n### END HIDDEN TESTS\nprint('ok')"
    kept, hidden = split_hidden(src)
    assert kept == f"assert f(1) == 2\n{PLACEHOLDER}\nprint('ok')"
    assert hidden == ["assert f(3) == 4"]
    with pytest.raises(ValueError, match="never closes"):
        split_hidden("### BEGIN HIDDEN TESTS\nassert secret()")


@pytest.mark.parametrize("assignment", LESSONS)
def test_no_hidden_line_survives_the_feedback_preprocessor(assignment):
    nb = copy.deepcopy(source_notebook(assignment))
    for cell in nb.cells:  # the autograded notebook holds the learner's answers, not the master's
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            cell.source = "# YOUR CODE HERE\nraise NotImplementedError()"
    secrets = secret_lines(assignment)
    assert secrets, f"{assignment} has no hidden tests to protect"
    failures = {}
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        gid = cell.metadata.nbgrader.grade_id
        lines = cell.source.splitlines()
        failures[gid] = f"{gid} failed here"
        # What IPython leaves behind when a hidden assertion fails, and a warning quoting its line.
        cell.outputs = [
            nbformat.v4.new_output("stream", name="stderr",
                                   text=f"/tmp/ipykernel_1/2.py:3: UserWarning: careful\n  {lines[-2]}\n"),
            nbformat.v4.new_output("error", ename="AssertionError", evalue=failures[gid],
                                   traceback=["Traceback (most recent call last)", *lines, failures[gid]]),
        ]
    # registered the way nbgrader's converters register their preprocessors
    exporter = NotebookExporter()
    exporter.register_preprocessor(HideHiddenTests)
    text, _ = exporter.from_notebook_node(nb)
    out = nbformat.reads(text, as_version=4)
    assert _leaks(text, secrets) == []
    for cell in out.cells:
        if is_test_cell(cell):
            assert "### BEGIN HIDDEN TESTS" not in cell.source
            errors = [o for o in cell.outputs if o.output_type == "error"]
            gid = cell.metadata.nbgrader.grade_id
            assert errors[0].traceback == [f"AssertionError: {failures[gid]}"], "the failure message is kept"


A = "00_orientation"


def _feedback_files(folder: Path) -> list[Path]:
    files = sorted(folder.rglob("*.html"))
    assert files, f"no feedback written under {folder}"
    return files


# two gradings of lesson 00 (the wrong answer; the solution too with ppml-lab grade), two feedback runs;
# a blank notebook's feedback through the README's plain nbgrader commands is test_plain_nbgrader's
@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_feedback_from_plain_nbgrader_and_ppml_lab_grade_holds_no_hidden_test_line(tmp_path):
    answers = solution_answers(A)
    subs = {
        "solution": notebook_with_answers(A, answers),
        "wrong": notebook_with_answers(A, {**answers, "rr_epsilon": samples.ORIENTATION_WRONG_RR}),
    }
    secrets = secret_lines(A)

    plain = autograde_variants(A, {"wrong": subs["wrong"]}, tmp_path / "plain", timeout=1800)
    assert plain["wrong"].score < plain["wrong"].max_score  # a test really failed
    run_nbgrader(["generate_feedback", A, "--force"], grading_dir=tmp_path / "plain" / "grading", timeout=900)
    for page in _feedback_files(tmp_path / "plain" / "grading" / "feedback"):
        assert _leaks(page.read_text(), secrets) == [], page

    folder = tmp_path / "submissions"
    for student, nb in subs.items():
        (folder / student / A).mkdir(parents=True)
        nbformat.write(nb, folder / student / A / f"{A}.ipynb")
    gdir = tmp_path / "grading"
    grade(A, folder, grading_dir=gdir, options=GradeOptions(
        workers=1, fast=True, feedback=True, limits=Limits(cell_seconds=120, notebook_seconds=600, memory_mb=4096)))
    files = _feedback_files(gdir / "feedback")
    assert {p.parent.parent.name for p in files} == set(subs)
    for page in files:
        text = page.read_text()
        assert _leaks(text, secrets) == [], page
    wrong = (gdir / "feedback" / "wrong" / A / f"{A}.html").read_text()
    assert "AssertionError" in wrong  # the learner still sees what failed
