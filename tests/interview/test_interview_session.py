"""Mock interviews: seeded choice, honest hints, a history that is kept, and the CLI end to end."""

import io
import subprocess
import sys
from pathlib import Path

import pytest

from ppml_lab.cli import build_parser
from ppml_lab.cli.interview import run
from ppml_lab.interview import History, Session, keyword_hints, load_bank, select_questions

BANK = load_bank()


def test_selection_is_reproducible_and_filters():
    a = select_questions(BANK, n=3, seed=7)
    b = select_questions(BANK, n=3, seed=7)
    assert [q.id for q in a] == [q.id for q in b]
    only_smpc = select_questions(BANK, topics=["smpc"], n=50, seed=0)
    assert only_smpc and all("smpc" in q.topics for q in only_smpc)
    for kwargs, name in (
        ({"role": "chef"}, "role"),
        ({"topics": ["cooking"]}, "topic"),
        ({"difficulty": "x"}, "difficulty"),
    ):
        with pytest.raises(ValueError, match=name):
            select_questions(BANK, **kwargs)


def test_hints_list_only_unmentioned_rubric_points():
    q = next(q for q in BANK if q.id == "smpc-10x-slowdown")
    everything = " ".join(p.keywords[0] for p in q.rubric)
    assert keyword_hints(everything, q) == []
    assert len(keyword_hints("I would restart the servers.", q)) == len(q.rubric)


def test_history_records_and_is_never_dropped(tmp_path):
    path = tmp_path / "h.sqlite"
    s = Session(n=1, seed=1, history=History(path), bank=BANK)
    s.answer(s.questions[0], "rounds and latency", covered=[0], seconds=3.0)
    s2 = Session(n=1, seed=2, history=History(path), bank=BANK)  # reopening keeps the first attempt
    s2.answer(s2.questions[0], "depth", covered=None, seconds=1.0)
    rows = History(path).attempts()
    assert [r["seconds"] for r in rows] == [3.0, 1.0]
    progress = History(path).progress()
    topic = s.questions[0].topics[0]
    assert progress[topic]["attempts"] >= 1
    with pytest.raises(ValueError, match="covered"):
        s.answer(s.questions[0], "x", covered=[99])


def test_cli_runs_a_scripted_session_and_records_it(tmp_path):
    history = tmp_path / "hist.sqlite"
    args = build_parser().parse_args(
        ["interview", "--seed", "3", "-n", "2", "--topic", "smpc", "--history", str(history)]
    )
    script = io.StringIO("Rounds dominate, so I would batch.\n\n1 2\nDepth matters.\n\n\n")
    out = io.StringIO()
    assert run(args, stdin=script, out=out) == 0
    text = out.getvalue()
    assert "Model answer:" in text and "Rubric:" in text and "not a grade" in text
    rows = History(history).attempts()
    assert len(rows) == 2 and rows[0]["covered"] == "0,1" and rows[1]["covered"] == ""


def test_cli_errors_name_the_problem(tmp_path):
    out = io.StringIO()
    args = build_parser().parse_args(["interview", "--topic", "astrology", "--history", str(tmp_path / "h")])
    assert run(args, stdin=io.StringIO(""), out=out) == 2 and "astrology" in out.getvalue()
    args = build_parser().parse_args(
        ["interview", "--answer-file", str(tmp_path / "missing.txt"), "--history", str(tmp_path / "h2")]
    )
    out = io.StringIO()
    assert run(args, stdin=io.StringIO(""), out=out) == 2 and "missing.txt" in out.getvalue()


def test_console_script_non_interactive_with_answer_file(tmp_path):
    answer = tmp_path / "a.txt"
    answer.write_text("I would profile rounds and bytes, then batch and preprocess triples offline.")
    exe = Path(sys.executable).parent / "ppml-lab"
    proc = subprocess.run(
        [
            str(exe),
            "interview",
            "--seed",
            "1",
            "-n",
            "1",
            "--topic",
            "debugging",
            "--answer-file",
            str(answer),
            "--non-interactive",
            "--history",
            str(tmp_path / "h.sqlite"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "smpc-10x-slowdown" in proc.stdout
    progress = subprocess.run(
        [str(exe), "interview", "--progress", "--history", str(tmp_path / "h.sqlite")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "debugging" in progress.stdout and "not self-assessed" in progress.stdout
