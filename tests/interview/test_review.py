"""Leitner review: boxes replayed from the history, due dates, seeded order, and ``--review``."""

import io
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from ppml_lab.cli import build_parser
from ppml_lab.cli.interview import run
from ppml_lab.interview import History, Session, load_bank
from ppml_lab.interview.numeric import generate
from ppml_lab.interview.review import BOXES, boxes, due
from ppml_lab.interview.session import Attempt

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _rows(*attempts):
    """History rows from (question_id, covered, rubric_size, day)."""
    return [
        {
            "id": i,
            "question_id": q,
            "covered": c,
            "rubric_size": size,
            "at": (T0 + timedelta(days=d)).isoformat(),
        }
        for i, (q, c, size, d) in enumerate(attempts, 1)
    ]


def test_boxes_move_up_on_a_pass_and_back_to_one_on_a_miss():
    rows = _rows(
        ("numeric:a", "0", 1, 0),
        ("numeric:a", "0", 1, 1),
        ("numeric:a", "", 1, 2),  # up, up, miss
        *[("numeric:b", "0", 1, d) for d in range(8)],  # capped at the last box
        ("text", "0,1", 4, 0),
        ("text", None, 4, 1),  # half the rubric passes; unassessed stays
        ("text2", "0", 4, 0),  # a quarter is a miss
    )
    cards = boxes(rows)
    assert cards["numeric:a"].box == 1 and cards["numeric:a"].attempts == 3
    assert cards["numeric:b"].box == BOXES
    assert cards["text"].box == 2 and cards["text"].last == T0 + timedelta(days=1)
    assert cards["text2"].box == 1


def test_a_drill_passes_only_with_full_marks():
    # covered: the drill's test cells with full marks; rubric_size: how many test cells it has
    rows = _rows(
        ("drill:a", "0,1,2", 3, 0),
        ("drill:a", "0,1,2", 3, 1),  # full marks twice: up two boxes
        ("drill:b", "0,1", 3, 0),  # 2 of 3 cells: a miss, though a rubric would count it a pass
        ("text", "0,1", 3, 0),
        ("drill:c", "0", 2, 0),  # half the cells: a miss
        ("drill:d", "", 1, 0),
    )
    cards = boxes(rows)
    assert cards["drill:a"].box == 3
    assert cards["text"].box == 2 and cards["drill:b"].box == 1
    assert cards["drill:c"].box == 1 and cards["drill:d"].box == 1


def test_due_follows_the_intervals_and_a_seeded_order():
    rows = _rows(("one", "", 1, 0), ("two", "0", 1, 0), ("three", "0", 1, 0), ("four", "", 1, 0))
    assert due(rows, now=T0 + timedelta(hours=23), n=10) == []
    day1 = [c.question_id for c in due(rows, now=T0 + timedelta(days=1), n=10, seed=0)]
    assert sorted(day1) == ["four", "one"]  # box 1 is due after a day, box 2 not yet
    day2 = due(rows, now=T0 + timedelta(days=2), n=10, seed=0)
    assert [c.box for c in day2] == [1, 1, 2, 2]  # weakest first
    orders = {
        tuple(c.question_id for c in due(rows, now=T0 + timedelta(days=2), n=10, seed=s)) for s in range(8)
    }
    assert len(orders) > 1  # exact ties are shuffled by the seed...
    again = [c.question_id for c in due(rows, now=T0 + timedelta(days=2), n=10, seed=3)]
    assert again == [
        c.question_id for c in due(rows, now=T0 + timedelta(days=2), n=10, seed=3)
    ]  # ...reproducibly
    assert len(due(rows, now=T0 + timedelta(days=2), n=1)) == 1
    with pytest.raises(ValueError, match="n must"):
        due(rows, n=0)
    with pytest.raises(ValueError, match="now"):
        due(rows, now=datetime(2026, 1, 3))


def test_cli_review_asks_what_is_due_and_appends(tmp_path):
    path = tmp_path / "h.sqlite"
    history = History(path)
    history.record_numeric(generate("laplace-scale", 0), "1", False, seconds=1.0)
    bank = load_bank()
    s = Session(n=1, seed=4, history=history, bank=bank)
    s.answer(s.questions[0], "an answer", covered=[], seconds=2.0)
    out = io.StringIO()
    args = build_parser().parse_args(["interview", "--review", "--seed", "1", "--history", str(path)])
    assert run(args, stdin=io.StringIO(""), out=out) == 0 and "nothing is due" in out.getvalue()
    with sqlite3.connect(path) as db:  # both attempts were made ten days ago
        db.execute("UPDATE attempts SET at = ?", ((datetime.now(UTC) - timedelta(days=10)).isoformat(),))
    out = io.StringIO()
    script = io.StringIO("12345\nMy answer.\n\n1\n")
    assert run(args, stdin=script, out=out) == 0
    text = out.getvalue()
    assert (
        "Due for review: " in text and "numeric:laplace-scale (box 1)" in text and s.questions[0].id in text
    )
    rows = History(path).attempts()
    assert len(rows) == 4 and rows[2]["question_id"] == "numeric:laplace-scale"
    assert rows[3]["question_id"] == s.questions[0].id and rows[3]["covered"] == "0"


def test_cli_review_and_progress_name_a_due_drill(tmp_path):
    path = tmp_path / "h.sqlite"
    History(path).record(Attempt("drill:laplace-mechanism", ("drill-dp",), 300.0, "def f(): ...", (0,), 3))
    with sqlite3.connect(path) as db:
        db.execute("UPDATE attempts SET at = ?", ((datetime.now(UTC) - timedelta(days=3)).isoformat(),))
    out = io.StringIO()
    args = build_parser().parse_args(["interview", "--review", "--history", str(path)])
    assert run(args, stdin=io.StringIO(""), out=out) == 0
    text = out.getvalue()
    assert "drill:laplace-mechanism (box 1)" in text and "`ppml-lab drill laplace-mechanism --dir <a new folder>`" in text
    assert "bank" not in text and len(History(path).attempts()) == 1  # nothing asked, nothing recorded
    out = io.StringIO()
    assert run(build_parser().parse_args(["interview", "--progress", "--history", str(path)]), out=out) == 0
    assert "drill-dp" in out.getvalue() and "33% of test cells with full marks" in out.getvalue()
