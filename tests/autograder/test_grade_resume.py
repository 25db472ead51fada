"""Killing ``ppml-lab grade`` mid-batch loses no grade; the next run grades only what is missing or changed."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder.grade import GradeOptions, grade
from autograder.gradebook import HISTORY_FILE, ClassGradebook, History
from autograder.sandbox import Limits
from autograder.testing import notebook_with_answers, release_notebook, solution_answers

pytestmark = pytest.mark.slow

A = "00_orientation"
EXE = Path(sys.executable).parent / "ppml-lab"
WRONG_K = "def k_anonymity_level(df, quasi_identifiers):\n    return 1\n"
N = 8


def _variant(i: int):
    """Student ``i``'s notebook and the marks it earns (each with a distinct comment: distinct hashes)."""
    answers = solution_answers(A)
    if i % 3 == 0:
        nb, marks = notebook_with_answers(A, answers), 9.0
    elif i % 3 == 1:
        nb, marks = notebook_with_answers(A, {**answers, "k_anonymity": WRONG_K}), 6.0
    else:
        nb, marks = release_notebook(A), 0.0
    nb.cells.append(nbformat.v4.new_markdown_cell(f"student {i}"))
    return nb, marks


def _committed(gdir: Path) -> dict[str, int]:
    if not (gdir / HISTORY_FILE).exists():
        return {}
    with sqlite3.connect(gdir / HISTORY_FILE, timeout=30) as db:
        try:
            return dict(db.execute("SELECT student, COUNT(*) FROM grades GROUP BY student").fetchall())
        except sqlite3.OperationalError:
            return {}


def test_sigkill_mid_batch_then_resume_loses_nothing_and_keeps_history(tmp_path):
    subs, gdir = tmp_path / "submissions", tmp_path / "grading"
    marks = {}
    for i in range(N):
        nb, marks[f"s{i}"] = _variant(i)
        (subs / f"s{i}" / A).mkdir(parents=True)
        nbformat.write(nb, subs / f"s{i}" / A / f"{A}.ipynb")
    cmd = [str(EXE), "grade", A, str(subs), "--grading-dir", str(gdir), "--workers", "2", "--fast",
           "--no-feedback", "--quiet", "--cell-timeout", "60"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 600
    while len(_committed(gdir)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)  # the grading process only: its workers must notice alone
    proc.wait()
    before = _committed(gdir)
    assert 2 <= len(before) < N, f"kill came too late or too early: {before}"

    # a committed student resubmits a changed notebook; another new submission appears
    changed = sorted(before)[0]
    nb = notebook_with_answers(A, {**solution_answers(A), "k_anonymity": WRONG_K})
    nbformat.write(nb, subs / changed / A / f"{A}.ipynb")
    marks[changed] = 6.0

    summary = grade(A, subs, grading_dir=gdir, options=GradeOptions(
        workers=2, fast=True, feedback=False, limits=Limits(cell_seconds=60)))
    after = _committed(gdir)
    unchanged_done = set(before) - {changed}
    assert set(summary.skipped) == unchanged_done
    assert set(summary.graded) == (set(marks) - unchanged_done)
    assert all(after[s] == 1 for s in unchanged_done)  # not graded again
    assert after[changed] == 2  # earlier grade kept, new one appended
    assert set(after) == set(marks)

    history = History(gdir)
    try:
        latest = history.latest(A)
        old, new = history.rows(A, changed)
    finally:
        history.close()
    assert {s: r.score for s, r in latest.items()} == marks
    assert old.content_hash != new.content_hash and old.id < new.id
    book = ClassGradebook(gdir / "gradebook.db")
    try:
        assert {s: t[0] for s, t in book.totals(A).items()} == marks
    finally:
        book.close()
