"""``ppml-lab check``: a learner's notebook gets ``ppml-lab grade``'s marks, the reasons, and no hidden test.

One notebook of lesson 00 is graded (fast mode), with two wrong answers: one fails a visible check,
the other a hidden one. Bad input is refused before anything is graded.
"""

import re

import nbformat
import pytest
from test_feedback import secret_lines

from autograder import samples
from autograder.pipeline import ROOT
from autograder.selfcheck import STUDENT, check
from autograder.testing import notebook_with_answers, read_grades, solution_answers
from ppml_lab.cli import main
from ppml_lab.cli.visible_checks import HIDDEN_NOTE, VisibleReport

A = "00_orientation"
# The smallest class, but 1 for an empty table: passes the visible checks, fails a hidden one.
WRONG_EMPTY_K = '''
def k_anonymity_level(df, quasi_identifiers):
    return int(df.groupby(list(quasi_identifiers)).size().min()) if len(df) else 1
'''


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(["check", *argv])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_bad_input_is_refused_naming_the_problem(tmp_path, capsys):
    rc, _, err = _run(capsys, "99_nothing")
    assert rc == 2 and "unknown lesson '99_nothing'" in err and A in err
    rc, _, err = _run(capsys, A, str(tmp_path / "missing.ipynb"))
    assert rc == 2 and "missing.ipynb" in err and "does not exist" in err
    (tmp_path / "notes.ipynb").write_text("my notes, not JSON")
    rc, _, err = _run(capsys, A, str(tmp_path / "notes.ipynb"))
    assert rc == 2 and "is not a Jupyter notebook" in err
    for other in ("01_dp_foundations", "09_anonymization"):  # 09 shares the grade id k_anonymity with 00
        rc, _, err = _run(capsys, A, str(ROOT / "course" / other / f"{other}.ipynb"))
        assert rc == 2 and f"is not lesson {A}: it is lesson {other}'s notebook" in err
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), tmp_path / "plain.ipynb")
    rc, _, err = _run(capsys, A, str(tmp_path / "plain.ipynb"))
    assert rc == 2 and "has none of the lesson's graded cells" in err


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_check_prints_ppml_lab_grades_marks_the_reasons_and_the_rubric_but_no_hidden_test(tmp_path, capsys):
    answers = solution_answers(A)
    nb = notebook_with_answers(A, {**answers, "rr_epsilon": samples.ORIENTATION_WRONG_RR, "k_anonymity": WRONG_EMPTY_K})
    path = tmp_path / "my_work.ipynb"
    nbformat.write(nb, path)
    gdir = tmp_path / "grading"
    rc, out, err = _run(capsys, A, str(path), "--fast", "--grading-dir", str(gdir))
    assert rc == 0, err

    printed = {m[1]: (float(m[2]), float(m[3])) for m in re.finditer(r"^ +(test_\w+): ([\d.]+)/([\d.]+) ", out, re.M)}
    graded = read_grades(gdir, A, [STUDENT])[STUDENT]  # the gradebook ppml-lab grade wrote
    assert printed == graded.cells
    assert printed == {"test_threat_model": (3.0, 3.0), "test_rr_epsilon_values": (0.0, 2.0),
                       "test_rr_epsilon_edges": (1.0, 1.0), "test_k_anonymity": (0.0, 3.0)}
    assert "automatic marks: 4/9" in out
    # why: the visible check that failed, and a hidden test's own message
    assert "at the visible check: assert abs(randomized_response_epsilon(0.5) - math.log(3)) < 1e-9" in out
    assert "AssertionError: an empty table achieves k = 0" in out
    # the written answer: pending, with the rubric the learner's notebook shows, not the instructor's
    assert "manually graded interview_threat_models (3 points): pending, not scored" in out
    assert "one point\nfor what plain federated learning reveals" in re.sub(r"\n +", "\n", out)
    assert "Plain FL is not private" not in out
    secrets = secret_lines(A)
    assert secrets and sorted(s for s in secrets if s in out) == []


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_without_the_master_notebooks_the_check_runs_the_visible_checks_and_says_hidden_tests_run_later(tmp_path):
    """The student edition has no solutions/: simulated by an empty folder of masters."""
    nb = notebook_with_answers(A, {**solution_answers(A), "rr_epsilon": samples.ORIENTATION_WRONG_RR,
                                   "k_anonymity": WRONG_EMPTY_K})
    path = tmp_path / "work" / "my_work.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    (tmp_path / "no-solutions").mkdir()
    report = check(A, path, fast=True, source_dir=tmp_path / "no-solutions")
    assert isinstance(report, VisibleReport)
    # WRONG_EMPTY_K passes the visible checks (only a hidden test catches it): 7/9, where grading gives 4/9
    assert {c.grade_id: (c.score, c.max_score) for c in report.cells} == {
        "test_threat_model": (3.0, 3.0), "test_rr_epsilon_values": (0.0, 2.0),
        "test_rr_epsilon_edges": (1.0, 1.0), "test_k_anonymity": (3.0, 3.0)}
    out = "\n".join(report.lines())
    assert "visible checks only: 7/9 automatic marks" in out and HIDDEN_NOTE in out
    assert "test_rr_epsilon_values: 0/2 FAILED" in out and "AssertionError" in out
    assert "manually graded interview_threat_models (3 points): pending" in out
    assert not list((tmp_path / "work").glob("*grading*")), "a visible check grades nothing"
