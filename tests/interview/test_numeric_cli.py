"""``ppml-lab interview --numeric``: scripted answers are checked and appended to the history."""

import io
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ppml_lab.cli import build_parser
from ppml_lab.cli.interview import run
from ppml_lab.interview import History, HistoryError, Session, load_bank
from ppml_lab.interview.numeric import select_numeric


def _args(*extra: str):
    return build_parser().parse_args(["interview", *extra])


def test_scripted_numeric_session_checks_and_records_each_answer(tmp_path):
    history = tmp_path / "h.sqlite"
    expected = select_numeric(["he", "smpc"], n=3, seed=11)
    q1, q2, _ = expected
    wrong = q2.answer + 10 * q2.tolerance.value * (1 if q2.tolerance.kind == "abs" else abs(q2.answer) or 1)
    script = io.StringIO(f"{q1.answer!r}\n{wrong!r}\nno idea\n")
    out = io.StringIO()
    args = _args(
        "--numeric",
        "--topic",
        "he",
        "--topic",
        "smpc",
        "--seed",
        "11",
        "--count",
        "3",
        "--history",
        str(history),
    )
    assert run(args, stdin=script, out=out) == 0
    text = out.getvalue()
    for q in expected:
        assert q.name in text and q.text.split()[0] in text
    assert text.count("  right: ") == 1 and text.count("  wrong: ") == 2 and "not a number" in text
    assert "1/3 right" in text
    rows = History(history).attempts()
    assert [r["question_id"] for r in rows] == [f"numeric:{q.name}" for q in expected]
    assert [r["covered"] for r in rows] == ["0", "", ""]
    assert rows[2]["answer"] == "no idea" and all(r["seed"] == 11 for r in rows)
    assert all(r["topics"].startswith("numeric-") for r in rows)


def test_numeric_answers_are_appended_to_an_existing_history(tmp_path):
    history = tmp_path / "h.sqlite"
    bank = load_bank()
    s = Session(n=1, seed=1, history=History(history), bank=bank)
    s.answer(s.questions[0], "rounds and latency", covered=[0], seconds=3.0)
    before = History(history).attempts()
    out = io.StringIO()
    assert (
        run(
            _args("--numeric", "--seed", "2", "--count", "2", "--history", str(history)),
            io.StringIO("1\n2\n"),
            out,
        )
        == 0
    )
    rows = History(history).attempts()
    assert rows[:1] == before and len(rows) == 3
    assert [r["question_id"].startswith("numeric:") for r in rows] == [False, True, True]
    out = io.StringIO()
    assert run(_args("--progress", "--history", str(history)), io.StringIO(""), out) == 0
    assert "% right" in out.getvalue() and "% of rubric points" in out.getvalue()


def test_end_of_input_stops_without_recording_the_unanswered_question(tmp_path):
    history = tmp_path / "h.sqlite"
    out = io.StringIO()
    assert (
        run(
            _args("--numeric", "--seed", "0", "--count", "3", "--history", str(history)),
            io.StringIO("4\n"),
            out,
        )
        == 0
    )
    assert "end of input" in out.getvalue() and len(History(history).attempts()) == 1


@pytest.mark.parametrize("extra", [[], ["--numeric"], ["--progress"]])
def test_a_corrupt_history_is_reported_and_left_untouched(tmp_path, extra):
    history = tmp_path / "h.sqlite"
    garbage = b"these are my notes, not a database\n" * 50
    history.write_bytes(garbage)
    out = io.StringIO()
    code = run(
        _args(*extra, "--seed", "1", "-n", "1", "--history", str(history)), io.StringIO("1\n\n\n"), out
    )
    assert code == 2
    assert str(history) in out.getvalue() and "left untouched" in out.getvalue()
    assert history.read_bytes() == garbage


def test_a_foreign_attempts_table_is_refused_not_altered(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE attempts (foo TEXT)")
        db.execute("INSERT INTO attempts VALUES ('keep me')")
    with pytest.raises(HistoryError, match="lacks columns"):
        History(path)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT * FROM attempts").fetchall() == [("keep me",)]


def test_numeric_errors_name_the_argument(tmp_path):
    out = io.StringIO()
    assert (
        run(
            _args("--numeric", "--topic", "astrology", "--history", str(tmp_path / "h")), io.StringIO(""), out
        )
        == 2
    )
    assert "astrology" in out.getvalue()
    out = io.StringIO()
    assert (
        run(_args("--numeric", "--count", "0", "--history", str(tmp_path / "h")), io.StringIO(""), out) == 2
    )
    assert "count" in out.getvalue()
    out = io.StringIO()
    assert run(_args("--numeric", "--list-topics"), io.StringIO(""), out) == 0
    assert "he " in out.getvalue() and "numeric question type" in out.getvalue()


def test_console_script_reads_answers_from_stdin(tmp_path):
    q = select_numeric(["dp"], n=1, seed=5)[0]
    exe = Path(sys.executable).parent / "ppml-lab"
    history = tmp_path / "h.sqlite"
    proc = subprocess.run(
        [
            str(exe),
            "interview",
            "--numeric",
            "--topic",
            "dp",
            "--seed",
            "5",
            "--count",
            "1",
            "--history",
            str(history),
        ],
        input=f"{q.answer!r}\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert q.name in proc.stdout and "1/1 right" in proc.stdout
    assert History(history).attempts()[0]["covered"] == "0"
