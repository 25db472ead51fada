"""``ppml-lab drill``: the registry matches the lessons, answer files are never replaced, and an answer
grades with the lesson's own tests (full marks for a correct one, the message for a wrong one, timed
out after the limit, no hidden test shown), recorded in the practice history as ``drill:NAME``.

Two answers of lesson 00 are graded, once each, by a module-scoped fixture: one through the Python
API, one through the command line.
"""

import contextlib
import io
import json
from datetime import UTC, datetime, timedelta

import nbformat
import pytest
from test_feedback import secret_lines

from autograder import drills
from autograder.pipeline import RELEASE_DIR
from autograder.reports import cell_layout
from autograder.testing import source_notebook
from ppml_lab.cli import main
from ppml_lab.interview import History
from ppml_lab.interview.review import boxes

A = "00_orientation"
RIGHT, WRONG = "randomized-response-epsilon", "k-anonymity-level"
# The smallest class, but 1 for an empty table: passes the visible checks, fails a hidden one.
WRONG_EMPTY_K = '''
def k_anonymity_level(df, quasi_identifiers):
    return int(df.groupby(list(quasi_identifiers)).size().min()) if len(df) else 1
'''


def test_registry_names_real_cells_of_every_engine():
    assert len(drills.DRILLS) >= 25 and len(set(drills.DRILLS)) == len(drills.DRILLS)
    assert {d.engine for d in drills.DRILLS.values()} == set(drills.ENGINES)
    for d in drills.DRILLS.values():
        assert d.id == d.id.lower() and " " not in d.id and isinstance(d.minutes, int) and 5 <= d.minutes <= 60
        gid = drills.grade_id(d)
        master = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in source_notebook(d.lesson).cells}
        assert master[gid].metadata["nbgrader"]["solution"] and f"def {d.function}(" in master[gid].source
        tests = drills.graded_cell_ids(d)
        assert tests and set(tests) <= {c.grade_id for c in cell_layout(d.lesson)}, d.id
        released = nbformat.read(RELEASE_DIR / d.lesson / f"{d.lesson}.ipynb", as_version=4)
        stub = drills.stub(d)
        assert stub in [c.source for c in released.cells] and f"def {d.function}(" in stub
        assert "### BEGIN SOLUTION" not in drills.reference(d) and drills.reference(d).strip() != stub.strip()
        assert drills.statement(d).strip(), d.id
    # two exercises before one block of tests: each drill gets the tests of its own function
    assert drills.graded_cell_ids(drills.get("krr-estimate")) == ["test_krr_estimate", "test_krr_estimate_edges"]


def test_start_writes_statement_limit_and_stub_and_never_overwrites(tmp_path, capsys):
    drill = drills.get("laplace-mechanism")
    path = drills.start(drill.id, tmp_path)
    text = path.read_text()
    assert path == tmp_path / "laplace-mechanism.py"
    assert "Time limit: 10 minutes" in text and "# Exercise 2.1 (4 points). Write `laplace_mechanism(" in text
    header, _, answer = text.partition(drills.ANSWER_MARKER)
    assert all(line.startswith("#") for line in header.splitlines() if line)
    assert answer.strip() == drills.stub(drill).strip() and "raise NotImplementedError()" in answer
    record = json.loads(drills.start_record_path(path).read_text())
    assert record["drill"] == drill.id and record["limit_minutes"] == 10
    path.write_text(text + "# my work\n")
    with pytest.raises(drills.DrillError, match="already exists"):
        drills.start(drill.id, tmp_path)
    assert main(["drill", drill.id, "--dir", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err and path.read_text().endswith("# my work\n")
    assert drills.answer_code(drill, path).startswith("def laplace_mechanism(")


def test_bad_input_exits_2_naming_the_problem(tmp_path, capsys):
    assert main(["drill", "--list"]) == 0
    listed = capsys.readouterr().out
    assert all(d in listed for d in drills.DRILLS) and "01_dp_foundations" in listed
    assert main(["drill", "laplace_mechanism"]) == 2
    assert "unknown drill 'laplace_mechanism' (did you mean laplace-mechanism?)" in capsys.readouterr().err
    history = ["--history", str(tmp_path / "h.sqlite")]
    assert main(["drill", RIGHT, "--check", str(tmp_path / "none.py"), *history]) == 2
    assert "none.py' does not exist" in capsys.readouterr().err
    (tmp_path / "notes.py").write_text("def randomized_response_epsilon(p):\n    return (\n")
    assert main(["drill", RIGHT, "--check", str(tmp_path / "notes.py"), *history]) == 2
    assert "notes.py' is not Python" in capsys.readouterr().err
    assert main(["drill"]) == 2 and "name a drill" in capsys.readouterr().err


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The reference answer, graded past its limit (API), and a wrong answer (command line)."""
    tmp = tmp_path_factory.mktemp("drills")
    gdir, history = tmp / "grading", History(tmp / "history.sqlite")
    late = datetime.now(UTC) - timedelta(minutes=drills.get(RIGHT).minutes + 5)
    right = drills.start(RIGHT, tmp / "answers", now=late)
    right.write_text(right.read_text().replace(drills.stub(drills.get(RIGHT)), drills.reference(drills.get(RIGHT))))
    report = drills.grade(RIGHT, right, grading_dir=gdir, history=history)
    wrong = drills.start(WRONG, tmp / "answers")
    wrong.write_text(wrong.read_text().replace(drills.stub(drills.get(WRONG)), WRONG_EMPTY_K))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["drill", WRONG, "--check", "--dir", str(tmp / "answers"), "--grading-dir", str(gdir),
                   "--history", str(history.path)])
    return report, (rc, out.getvalue(), err.getvalue()), history


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_a_correct_answer_passes_with_full_marks_and_is_timed_out_after_its_limit(graded):
    report = graded[0]
    assert report.status == "graded", report.reason
    assert report.passed and report.score == report.max_score == 3.0
    assert [c.grade_id for c in report.cells] == ["test_rr_epsilon_values", "test_rr_epsilon_edges"]
    assert report.timed_out and report.seconds > report.limit_seconds == 600.0
    text = "\n".join(report.lines())
    assert "TIMED OUT (graded all the same)" in text and "marks: 3/3 PASSED" in text
    assert "test_threat_model" not in text and "test_k_anonymity" not in text  # only this drill's cells
    assert report.reference == drills.reference(drills.get(RIGHT))
    shown = text.splitlines()
    assert all(f"    {line}".rstrip() in shown for line in report.reference.splitlines())  # the reference, last


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_a_wrong_answer_fails_with_its_message_and_no_hidden_test(graded):
    rc, out, err = graded[1]
    assert rc == 0, err
    assert "marks: 0/3 FAILED" in out and "test_k_anonymity: 0/3 FAILED" in out
    assert "AssertionError: an empty table achieves k = 0" in out
    assert "within the limit" in out and "TIMED OUT" not in out
    assert "def k_anonymity_level(df, quasi_identifiers):" in out  # the reference follows the marks
    secrets = secret_lines(A)
    shown = out + "\n".join(graded[0].lines())
    assert secrets and sorted(s for s in secrets if s in shown) == []


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_graded_drills_enter_the_practice_history(graded):
    rows = graded[2].attempts()
    assert [(r["question_id"], r["covered"], r["rubric_size"]) for r in rows] == [
        (f"drill:{RIGHT}", "0,1", 2), (f"drill:{WRONG}", "", 1)]
    assert rows[0]["topics"] == "drill-dp" and rows[0]["seconds"] > 600 and "math.log" in rows[0]["answer"]
    cards = boxes(rows)
    assert cards[f"drill:{RIGHT}"].box == 2 and cards[f"drill:{WRONG}"].box == 1
