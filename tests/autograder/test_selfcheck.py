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
from autograder.selfcheck import STUDENT
from autograder.testing import notebook_with_answers, read_grades, solution_answers
from ppml_lab.cli import main

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
