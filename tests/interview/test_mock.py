"""``--mock``: a scripted interview with a fake stdin, a fake clock and a fake drill runner."""

import io
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from ppml_lab.cli import build_parser
from ppml_lab.cli.interview import run
from ppml_lab.interview import History, load_bank, select_questions
from ppml_lab.interview.mock import MockInterview
from ppml_lab.interview.numeric import select_numeric

BANK = load_bank()
SEED = 5


@dataclass
class FakeDrillReport:
    passed: bool
    score: float
    max_score: float
    seconds: float = 1.5
    limit_seconds: float = 60.0
    timed_out: bool = False
    reference: str = "def clip(x):\n    return x"

    def lines(self) -> list[str]:
        return [f"fake grade: {self.score:g}/{self.max_score:g}"]


class FakeDrills:
    """The drill API the mock codes against: DRILLS, start(name, folder), grade(name, path)."""

    def __init__(self, passed: bool = False) -> None:
        self.DRILLS = {
            "clip-gradients": SimpleNamespace(lesson="03_dp_sgd", minutes=15, engine="dp"),
            "share-secret": SimpleNamespace(lesson="04_two_bank_fraud", minutes=10, engine="smpc"),
        }
        self.passed = passed
        self.started: list[str] = []
        self.graded: list[tuple[str, Path]] = []

    def start(self, name: str, folder: Path) -> Path:
        self.started.append(name)
        path = Path(folder) / f"{name}.py"
        path.write_text("# statement\ndef stub():\n    raise NotImplementedError\n")
        return path

    def grade(self, name: str, answer_path: Path) -> FakeDrillReport:
        self.graded.append((name, Path(answer_path)))
        return FakeDrillReport(self.passed, 4.0 if self.passed else 1.0, 4.0)


def fake_clock(*times: float):
    ticks = iter(times)
    return lambda: next(ticks)


# design takes 600 s, numeric 300 s, the drill 1200 s (its budget at 45 min is 900 s)
TIMES = (0.0, 600.0, 1000.0, 1300.0, 2000.0, 3200.0)


def _numeric():
    return select_numeric(None, n=1, seed=SEED)[0]


def _mock(tmp_path, script: str, drills=None, **kwargs):
    out = io.StringIO()
    mock = MockInterview(
        BANK,
        History(tmp_path / "h.sqlite"),
        io.StringIO(script),
        out,
        seed=SEED,
        clock=fake_clock(*TIMES),
        drills=drills,
        answer_dir=tmp_path,
        **kwargs,
    )
    return mock, mock.run(), out.getvalue()


def _wrong(q) -> float:
    return q.answer + 10 * q.tolerance.value * (1 if q.tolerance.kind == "abs" else abs(q.answer) or 1)


def test_scripted_mock_separates_checked_from_self_assessed(tmp_path):
    drills = FakeDrills(passed=False)
    design = select_questions(BANK, n=1, seed=SEED)[0]
    q = _numeric()
    script = f"Rounds and latency dominate; I would batch.\n\n1 2\n{_wrong(q)!r}\n\n"
    mock, report, text = _mock(tmp_path, script, drills)

    assert [p.part for p in report.parts] == ["design", "numeric", "drill"]
    assert report.part("design").item == design.id and report.part("design").judged == "self-assessed"
    assert report.part("design").ok is None and f"2/{len(design.rubric)}" in report.part("design").outcome
    numeric = report.part("numeric")
    assert (numeric.item, numeric.judged, numeric.ok) == (q.name, "checked", False)
    assert numeric.outcome.startswith("wrong")
    drill = report.part("drill")
    assert drill.judged == "checked" and drill.ok is False and drill.outcome.startswith("failed, 1/4")
    assert drill.item in drills.DRILLS and drills.graded == [(drill.item, tmp_path / f"{drill.item}.py")]
    assert [p.seconds for p in report.parts] == [600.0, 300.0, 1200.0]
    assert [p.budget_seconds for p in report.parts] == [1350.0, 450.0, 900.0]

    body = text[text.index("=== Mock interview report") :]
    checked, assessed = body.index("Checked automatically:"), body.index("Self-assessed")
    assert checked < body.index(f"numeric [{q.name}]") < assessed
    assert checked < body.index(f"drill [{drill.item}]") < assessed
    assert body.index(f"design [{design.id}]") > assessed
    assert "time 10 min 00 s of 22 min 30 s (within budget)" in body
    assert "time 20 min 00 s of 15 min 00 s (over by 5 min 00 s)" in body
    assert "Total time 35 min 00 s of 45 min 00 s" in body
    assert "Reference solution:" in text and "fake grade: 1/4" in text
    assert str(tmp_path / f"{drill.item}.py") in text  # the answer file's path is printed


def test_history_gets_one_row_per_part(tmp_path):
    q = _numeric()
    mock, report, _ = _mock(tmp_path, f"my answer\n\n1\n{q.answer!r}\n\n", FakeDrills(passed=True))
    rows = History(tmp_path / "h.sqlite").attempts()
    assert [r["question_id"] for r in rows] == [
        report.part("design").item,
        f"numeric:{q.name}",
        f"drill:{report.part('drill').item}",
    ]
    assert [r["covered"] for r in rows] == ["0", "0", "0"]  # rubric point 1; numeric right; drill full marks
    assert [r["seconds"] for r in rows] == [600.0, 300.0, 1200.0]
    engine = FakeDrills().DRILLS[report.part("drill").item].engine
    assert rows[2]["topics"] == f"drill-{engine}" and "def stub" in rows[2]["answer"]
    assert all(r["seed"] == SEED for r in rows)
    assert report.part("numeric").ok is True and report.part("drill").ok is True


def test_same_seed_same_mock(tmp_path):
    script = "answer\n\n1\n3.0\n\n"
    runs = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        _, report, text = _mock(folder, script, FakeDrills())
        runs.append(([(p.part, p.item, p.outcome) for p in report.parts], text.replace(str(folder), "X")))
    assert runs[0] == runs[1]


def test_missing_drill_module_is_reported_not_raised(tmp_path):
    _, report, text = _mock(
        tmp_path, "answer\n\n\n1\n", None, drills_error="autograder.drills is not available"
    )
    drill = report.part("drill")
    assert drill.judged == "skipped" and drill.ok is None
    assert "drill part skipped: autograder.drills is not available" in text
    assert "Not run:" in text
    assert len(History(tmp_path / "h.sqlite").attempts()) == 2


def test_a_failing_runner_is_reported_as_skipped(tmp_path):
    drills = FakeDrills()

    def broken(name, path):
        raise RuntimeError("sandbox unavailable")

    drills.grade = broken
    _, report, text = _mock(tmp_path, "answer\n\n\n1\n\n", drills)
    assert report.part("drill").judged == "skipped"
    assert "drill part skipped" in text and "sandbox unavailable" in text


def test_existing_answer_file_is_used_and_kept(tmp_path):
    drills = FakeDrills(passed=True)
    name = __import__("random").Random(SEED).choice(sorted(drills.DRILLS))
    mine = tmp_path / f"{name}.py"
    mine.write_text("def solved():\n    return 1\n")
    _, report, text = _mock(tmp_path, "answer\n\n\n1\n", drills, interactive=False)
    assert drills.started == [] and drills.graded == [(name, mine)]
    assert mine.read_text() == "def solved():\n    return 1\n"
    assert "existing answer file" in text


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(ValueError, match="minutes"):
        MockInterview(BANK, History(tmp_path / "h.sqlite"), io.StringIO(), io.StringIO(), minutes=0)
    with pytest.raises(ValueError, match="answer file"):
        MockInterview(
            BANK, History(tmp_path / "h.sqlite"), io.StringIO(), io.StringIO(), answer_file=tmp_path / "none"
        )


def _cli(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = run(build_parser().parse_args(["interview", *argv]), stdin=io.StringIO(stdin), out=out)
    return code, out.getvalue()


def test_cli_mock_without_the_drill_module(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "autograder.drills", None)  # import fails as if it were absent
    answer = tmp_path / "answer.txt"
    answer.write_text("Profile rounds and bytes first.\n")
    code, text = _cli(
        "--mock", "--seed", "2", "--minutes", "30", "--answer-file", str(answer), "--non-interactive",
        "--history", str(tmp_path / "h.sqlite"), stdin="1.0\n",
    )  # fmt: skip
    assert code == 0, text
    assert "budget 30 min" in text and "drill part skipped: autograder.drills is not available" in text
    assert len(History(tmp_path / "h.sqlite").attempts()) == 2


def test_cli_mock_refuses_bad_combinations(tmp_path):
    code, text = _cli("--mock", "--numeric", "--history", str(tmp_path / "h.sqlite"))
    assert code == 2 and "--numeric" in text
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["interview", "--mock", "--minutes", "0"])
    assert exc.value.code == 2
