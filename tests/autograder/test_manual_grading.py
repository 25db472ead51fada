"""Manually graded answers: never auto-scored, an instructor's score survives re-grading, and the
reports and the LMS export keep automatic, entered and pending manual points apart.

Needs no kernel: the gradebook comes from ``nbgrader generate_assignment`` of lesson 00 (which has one
3-point manually graded answer) and the autograder's scores are recorded as a worker returns them.
"""

import csv

import pytest

from autograder.gradebook import ClassGradebook, export_csv, pending_path
from autograder.pipeline import generate_release
from autograder.reports import cell_layout, manual_layout, write_csv, write_html
from autograder.testing import manual_grade_ids, read_grades
from autograder.worker import _read_scores

A = "00_orientation"
MANUAL = "interview_threat_models"
AUTO = {"test_threat_model": [3.0, 3.0], "test_rr_epsilon_values": [2.0, 2.0], "test_rr_epsilon_edges": [1.0, 1.0],
        "test_k_anonymity": [3.0, 3.0]}


@pytest.fixture(scope="module")
def gdir(tmp_path_factory):
    root = tmp_path_factory.mktemp("manual")
    generate_release(A, root / "release", root / "grading")
    return root / "grading"


def _grade(gdir, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{gdir / 'gradebook.db'}") as gb:
        g = gb.find_grade(MANUAL, A, A, student)
        return g.auto_score, g.manual_score, g.needs_manual_grade


def _enter_manual_score(gdir, student, score):
    """What formgrader does when the instructor marks the answer."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{gdir / 'gradebook.db'}") as gb:
        grade = gb.find_grade(MANUAL, A, A, student)
        grade.manual_score = score
        grade.needs_manual_grade = False
        gb.db.commit()


def test_lesson_00_has_one_manual_cell_outside_the_automatic_layout():
    assert manual_grade_ids(A) == [MANUAL]
    assert [(c.grade_id, c.points) for c in manual_layout(A)] == [(MANUAL, 3.0)]
    assert MANUAL not in {c.grade_id for c in cell_layout(A)}
    assert sum(c.points for c in cell_layout(A)) == 9


def test_manual_cell_is_pending_and_an_entered_score_survives_regrading(gdir, tmp_path):
    book = ClassGradebook(gdir / "gradebook.db")
    try:
        for student in ("ann", "ben"):
            book.record(A, student, {**AUTO, MANUAL: [None, 3.0]})
        assert _grade(gdir, "ann") == (None, None, True)  # as nbgrader autograde leaves it
        assert book.totals(A) == {"ann": (9.0, 12.0), "ben": (9.0, 12.0)}

        _enter_manual_score(gdir, "ann", 2.0)
        book.gb.db.expire_all()
        book.record(A, "ann", {**AUTO, "test_k_anonymity": [0.0, 3.0], MANUAL: [None, 3.0]})  # graded again
        book.record(A, "ben", {**AUTO, MANUAL: [None, 3.0]})
        auto, manual, review = _grade(gdir, "ann")
        assert (auto, manual) == (None, 2.0) and review  # kept, flagged for review as nbgrader does
        assert book.totals(A) == {"ann": (8.0, 12.0), "ben": (9.0, 12.0)}
        status = book.manual_status(A, [MANUAL])
    finally:
        book.close()
    assert status["ann"].score == 2.0 and status["ann"].pending == [] and status["ann"].review == [MANUAL]
    assert status["ben"].pending == [MANUAL] and status["ben"].pending_points == 3.0 and status["ben"].score == 0

    # the helpers of autograder.testing and the worker read the same gradebook the same way
    graded = read_grades(gdir, A, ["ann", "ben"])
    assert (graded["ann"].score, graded["ann"].max_score) == (6.0, 9.0)
    assert graded["ann"].manual == {MANUAL: (2.0, 3.0)} and graded["ann"].manual_score == 2.0
    assert graded["ben"].manual == {MANUAL: (None, 3.0)} and graded["ben"].manual_pending == [MANUAL]
    assert graded["ben"].manual_max_score == 3.0 and MANUAL not in graded["ben"].cells
    assert _read_scores(gdir / "gradebook.db", A, "ben", {MANUAL}) == (9.0, 9.0, {**AUTO, MANUAL: [None, 3.0]})

    # LMS export: the total of automatic and entered manual points; pending students marked
    totals = {"ann": (8.0, 12.0), "ben": (9.0, 12.0)}
    moodle = list(csv.reader(open(export_csv(tmp_path / "m.csv", A, totals, style="moodle", manual=status))))
    assert moodle[1][:2] == ["ann", "8"] and "pending" not in moodle[1][2]
    assert moodle[2][:2] == ["ben", "9"] and "manual grading pending: 3 of 3 manual points" in moodle[2][2]
    canvas = export_csv(tmp_path / "c.csv", A, totals, manual=status)
    assert list(csv.reader(open(canvas)))[1][-1] == "12"
    side = list(csv.reader(open(pending_path(canvas))))
    assert side[0][:3] == ["student", "pending_manual_points", "manual_max_score"] and side[1][:3] == ["ben", "3", "3"]
    export_csv(canvas, A, totals, manual={})
    assert not pending_path(canvas).exists()  # nothing pending: no stale list

    # class reports: automatic apart from manual, pending said as such
    from autograder.gradebook import GradeRow

    rows = [GradeRow(0, 1, A, s, "h", "s", "graded", "", sc, 9.0, {**AUTO, MANUAL: [None, 3.0]}, {}, 0.0, 1.0, None)
            for s, sc in (("ann", 8.0), ("ben", 9.0))]
    rep = list(csv.reader(open(write_csv(tmp_path / "g.csv", rows, cell_layout(A), manual_cells=manual_layout(A),
                                         manual=status))))
    head = rep[0]
    assert head[:4] == ["student", "status", "score", "max_score"]
    cols = {name: i for i, name in enumerate(head)}
    assert [rep[2][cols[k]] for k in ("score", "max_score", "manual_score", "manual_pending", "manual_max_score",
                                      MANUAL)] == ["9", "9", "0", "3", "3", "pending"]
    assert [rep[1][cols[k]] for k in ("manual_score", "manual_pending", MANUAL)] == ["2", "0", "2 (to review)"]
    page = write_html(tmp_path / "r.html", A, rows, cell_layout(A), manual_cells=manual_layout(A),
                      manual=status).read_text()
    assert "1 of 2 students have manual points pending" in page and "0 (+3 pending)" in page
