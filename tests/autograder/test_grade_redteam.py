"""One batch, two workers: honest submissions get exactly nbgrader's marks, hostile ones gain nothing.

The corpus (``redteam_corpus.py``) mixes honest answers with runaway code (infinite loops, a
sleep, a loop that ignores interrupts, a memory bomb, a fork bomb, 200 MB of output), kernels
that end themselves, faked scores, edited or deleted test cells, patched references and assertion
helpers, hidden errors, and attempts to read the solution or write the gradebook. Everything is
graded in one ``ppml-lab grade`` batch with small limits (10 s per cell).
"""

import json
import socket
import sqlite3
from pathlib import Path

import nbformat
import pytest
from redteam_corpus import A, build_corpus

from autograder.grade import GradeOptions, grade
from autograder.gradebook import ClassGradebook, History
from autograder.sandbox import Limits, detect_isolation, interpreter_dirs

# The batch grades about thirty submissions two at a time, each bounded by its own notebook limit
# (60 s); on a loaded machine that adds up past the suite's default 900 s, so this module's bound
# is the grader's: submissions x notebook limit / workers, plus the zygote's start.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]

LIMITS = Limits(cell_seconds=10, notebook_seconds=60, memory_mb=1024, max_processes=64, output_bytes=100_000)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("redteam")
    gdir = root / "grading"
    iso = detect_isolation()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        expected = build_corpus(
            root / "submissions",
            gradebook_paths=[str(gdir / "gradebook.db"), str(gdir / "grade-history.sqlite")],
            nproc_binds=iso.nproc_binding,
            port=listener.getsockname()[1],
        )
        summary = grade(
            A,
            root / "submissions",
            grading_dir=gdir,
            options=GradeOptions(workers=2, fast=True, limits=LIMITS, export=root / "canvas.csv"),
        )
    finally:
        listener.close()
    history = History(gdir)
    latest = history.latest(A)
    history.close()
    return {"summary": summary, "expected": expected, "gdir": gdir, "latest": latest, "iso": iso, "root": root}


def test_every_submission_gets_exactly_its_expected_marks_and_a_reason(batch):
    latest, expected = batch["latest"], batch["expected"]
    assert set(latest) == set(expected)
    wrong = {}
    for student, exp in expected.items():
        if student == "rt-read-solution" and not batch["iso"].files_hidden:
            continue  # without namespaces the kit's solutions are readable: reported, not pretended
        row = latest[student]
        if (row.status, row.score) != (exp.status, exp.score) or not exp.explained_by(row.reason):
            wrong[student] = (row.status, row.score, row.reason[:300], exp)
    assert not wrong, json.dumps({k: str(v) for k, v in wrong.items()}, indent=1)
    summary = batch["summary"]
    assert not summary.errors and not summary.interrupted
    assert set(summary.failed) == {s for s, e in expected.items() if e.status == "failed"}
    assert all(latest[s].max_score == 9 for s in expected)


def test_class_gradebook_matches_the_history_and_no_submission_wrote_to_it(batch):
    gdir = batch["gdir"]
    for name in ("gradebook.db", "grade-history.sqlite"):
        with sqlite3.connect(gdir / name) as db:  # still a valid database
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    book = ClassGradebook(gdir / "gradebook.db")
    try:
        totals = book.totals(A)
        scores = [g.auto_score for s in book.gb.assignment_submissions(A) for n in s.notebooks for g in n.grades]
    finally:
        book.close()
    assert {s: t[0] for s, t in totals.items()} == {s: r.score for s, r in batch["latest"].items()}
    assert max(scores) <= 3 and 999 not in scores
    # the graded notebook of the submission that planted links is a notebook, not a link
    planted = gdir / "autograded" / "rt-write-gradebook" / A / f"{A}.ipynb"
    assert planted.is_file() and not planted.is_symlink()
    nbformat.read(planted, as_version=4)


def test_sandbox_as_seen_from_inside_a_kernel(batch):
    nb = nbformat.read(batch["gdir"] / "autograded" / "probe-sandbox" / A / f"{A}.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    facts = json.loads(text.split("PROBE ", 1)[1].splitlines()[0])
    iso = batch["iso"]
    assert not any(k.startswith("PPML_LAB_GRADING") for k in facts["env"])
    assert facts["cwd"] == []  # the scratch folder holds no notebook copy (it would show the hidden tests)
    assert not facts["kit_writable"]
    assert facts["address_space"] > 0 and facts["address_space"] != -1
    if iso.drop_uid:
        assert facts["uid"] != 0 and facts["nproc"] == LIMITS.max_processes
    if iso.files_hidden:
        assert not facts["solutions_visible"] and not facts["grading_visible"]
        # only the path to its own folder, and to the interpreter if it is installed under /tmp
        bound_back = {Path(d).relative_to("/tmp").parts[0] for d in interpreter_dirs() if d.startswith("/tmp/")}
        assert all(name.startswith("ppml-grade-") or name in bound_back for name in facts["tmp"]), facts["tmp"]
    if iso.network_blocked:
        assert not facts["host_port_reachable"]


def test_reports_feedback_and_lms_export(batch):
    gdir, summary, latest = batch["gdir"], batch["summary"], batch["latest"]
    html = summary.report_html.read_text()
    for phrase in ("Difficulty per test cell", "data:image/png;base64,", "histogram of totals", "bad-invalid-json",
                   "invalid JSON", "test_k_anonymity"):
        assert phrase in html
    rows = summary.report_csv.read_text().splitlines()
    assert rows[0].split(",")[:4] == ["student", "status", "score", "max_score"] and len(rows) == len(latest) + 1
    canvas = (batch["root"] / "canvas.csv").read_text().splitlines()
    assert canvas[0] == "Student,ID,SIS User ID,SIS Login ID,Section,00_orientation"
    # points possible: the 9 automatic points and the 3 of the written answer the instructor marks
    assert canvas[1].split(",")[-1] == "12"
    exported = {line.split(",")[0]: float(line.split(",")[-1]) for line in canvas[2:]}
    assert exported == {s: r.score for s, r in latest.items()}
    feedback = gdir / "feedback" / "honest-wrongk" / A / f"{A}.html"
    assert feedback.is_file() and "test_k_anonymity" in feedback.read_text()
