"""One grader, however it is started: plain ``nbgrader autograde`` and ``ppml-lab grade`` give the same
marks to the same honest answers and cheats, and the cheats earn nothing on the question they cheat.
Neither scores the manually graded written answer, and ``ppml-lab grade`` keeps the instructor's mark
for it when the submission is graded again."""

import csv

import nbformat
import pytest

from autograder import samples
from autograder.grade import GradeOptions, grade
from autograder.gradebook import History
from autograder.sandbox import Limits
from autograder.testing import autograde_variants, notebook_with_answers, release_notebook, solution_answers

pytestmark = pytest.mark.slow

A = "00_orientation"
TM = ("test_threat_model",)
RR = ("test_rr_epsilon_values", "test_rr_epsilon_edges")
K = ("test_k_anonymity",)
MANUAL = "interview_threat_models"
WRITTEN = "Plain FL shows the server every hospital's update; secure aggregation leaves it the sum only."


WARNS_RR = """
import warnings

def randomized_response_epsilon(p_truth):
    warnings.warn("this survey library is deprecated", FutureWarning)
    if not 0.0 <= p_truth <= 1.0:
        raise ValueError(f"p_truth must be in [0, 1], got {p_truth}")
    return math.inf if p_truth == 1.0 else math.log((1 + p_truth) / (1 - p_truth))
"""


def _submissions():
    answers = solution_answers(A)

    def nb(rr=None, k=None):
        return notebook_with_answers(A, {"threat_model": answers["threat_model"],
                                         "rr_epsilon": rr or answers["rr_epsilon"],
                                         "k_anonymity": k or answers["k_anonymity"], MANUAL: WRITTEN})

    return {
        # name: (notebook, cells that must earn zero; every other cell earns full marks)
        "honest": (nb(), ()),
        "blank": (release_notebook(A), TM + RR + K),
        # a correct answer whose library warns on stderr: shown, not marked down
        "honest-warns": (nb(WARNS_RR), ()),
        "always-equal": (nb(samples.ORIENTATION_ALWAYS_EQUAL_RR, samples.ORIENTATION_ALWAYS_EQUAL_K), RR + K),
        "patch-helpers": (nb(samples.ORIENTATION_PATCH_HELPERS_RR, samples.ORIENTATION_PATCH_HELPERS_K), RR + K),
        "patch-during-call": (nb(samples.ORIENTATION_PATCH_DURING_CALL_RR), ("test_rr_epsilon_values",)),
    }


# a dozen gradings of the whole lesson: more than the suite's default per-test limit
@pytest.mark.timeout(2400)
def test_plain_nbgrader_and_ppml_lab_grade_give_the_same_marks_and_cheats_earn_nothing(tmp_path):
    subs = _submissions()
    plain = autograde_variants(A, {s: v[0] for s, v in subs.items()}, tmp_path / "plain", timeout=2400)

    folder = tmp_path / "submissions"
    for student, (notebook, _) in subs.items():
        (folder / student / A).mkdir(parents=True)
        nbformat.write(notebook, folder / student / A / f"{A}.ipynb")
    opts = GradeOptions(workers=1, fast=True, feedback=False,
                        limits=Limits(cell_seconds=120, notebook_seconds=600, memory_mb=4096))
    gdir = tmp_path / "grading"
    grade(A, folder, grading_dir=gdir, options=opts)
    history = History(gdir)
    try:
        batch = history.latest(A)
    finally:
        history.close()

    for student, (_, zero) in subs.items():
        plain_cells = {gid: tuple(m) for gid, m in plain[student].cells.items()}
        batch_cells = {gid: tuple(m) for gid, m in batch[student].cells.items() if gid != MANUAL}
        assert plain_cells == batch_cells, (student, plain_cells, batch_cells, batch[student].reason)
        for gid, (score, max_score) in plain_cells.items():
            assert score == (0.0 if gid in zero else max_score), (student, gid, plain_cells)
        # the written answer: never auto-scored (0 only when left as released), the same both ways
        written = (0.0, 3.0) if student == "blank" else (None, 3.0)
        assert plain[student].manual == {MANUAL: written} and tuple(batch[student].cells[MANUAL]) == written
        assert (batch[student].score, batch[student].max_score) == (plain[student].score, plain[student].max_score)
    assert plain["honest"].score == plain["honest"].max_score == 9 and plain["honest"].manual_pending == [MANUAL]
    report = {r["student"]: r for r in csv.DictReader(open(gdir / "reports" / A / "grades.csv"))}
    assert (report["honest"]["score"], report["honest"]["manual_pending"], report["honest"][MANUAL]) == (
        "9", "3", "pending")

    # the instructor marks the written answer in formgrader; a changed submission is graded again
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{gdir / 'gradebook.db'}") as gb:
        g = gb.find_grade(MANUAL, A, A, "honest")
        assert (g.auto_score, g.manual_score, g.needs_manual_grade) == (None, None, True)
        g.manual_score, g.needs_manual_grade = 2.0, False
        gb.db.commit()
    again = nbformat.read(folder / "honest" / A / f"{A}.ipynb", as_version=4)
    for cell in again.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == MANUAL:
            cell.source = WRITTEN + " DP noise bounds what the sum says about one patient."
    nbformat.write(again, folder / "honest" / A / f"{A}.ipynb")
    second = grade(A, folder, grading_dir=gdir, options=opts)
    assert set(second.graded) == {"honest"}, second.lines()
    with Gradebook(f"sqlite:///{gdir / 'gradebook.db'}") as gb:
        g = gb.find_grade(MANUAL, A, A, "honest")
        assert (g.auto_score, g.manual_score, g.needs_manual_grade) == (None, 2.0, True)  # kept, to review
        assert gb.find_submission(A, "honest").score == 11.0
    report = {r["student"]: r for r in csv.DictReader(open(gdir / "reports" / A / "grades.csv"))}
    assert (report["honest"]["manual_score"], report["honest"]["manual_pending"]) == ("2", "0")
    # what the guard saw is reported the same way: patches undone, tampering named
    assert "TamperingDetected" in plain["always-equal"].outputs_text("test_rr_epsilon_values")
    assert "TamperingDetected" in plain["patch-during-call"].outputs_text("test_rr_epsilon_values")
    assert "undid patches to" in batch["patch-helpers"].reason
    assert "this survey library is deprecated" in plain["honest-warns"].outputs_text("test_rr_epsilon_values")
