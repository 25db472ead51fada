"""The attacks lesson grades full, zero and partial marks with the real nbgrader CLI, and refuses delegation."""

from autograder.testing import autograde_variants, notebook_with_answers, release_notebook, solution_answers

A = "08_attacking_models"

# One minus the probability instead of minus its log: the same ranking, the wrong losses and decisions.
NO_LOG = """
def example_losses(probs, labels):
    p = np.asarray(probs, dtype=float)
    return 1.0 - p[np.arange(len(p)), np.asarray(labels)]
"""
# Ties counted as losses for the members: right on continuous scores, wrong when scores tie.
STRICT_AUC = """
def roc_auc(scores, is_member):
    s = np.asarray(scores, dtype=float)
    m = np.asarray(is_member, dtype=bool)
    return float((s[m][:, None] > s[~m][None, :]).mean())
"""
# Members are the records with a *high* loss: the attack upside down.
REVERSED = """
def loss_threshold_attack(probs, labels, threshold):
    return example_losses(probs, labels) >= threshold
"""
# Forwards to the reference it is graded against.
DELEGATING_AUC = """
from ppml_lab.attacks import roc_auc as _forward

def roc_auc(scores, is_member):
    return _forward(scores, is_member)
"""


def test_attacks_lesson_grades_full_zero_partial_and_refuses_delegation(tmp_path):
    answers = solution_answers(A)
    assert set(answers) == {"example_losses", "loss_threshold_attack", "roc_auc"}
    results = autograde_variants(
        A,
        {
            "solution": notebook_with_answers(A, answers),
            "blank": release_notebook(A),
            "nolog_strict": notebook_with_answers(
                A, {**answers, "example_losses": NO_LOG, "roc_auc": STRICT_AUC}
            ),
            "reversed_delegates": notebook_with_answers(
                A, {**answers, "loss_threshold_attack": REVERSED, "roc_auc": DELEGATING_AUC}
            ),
        },
        tmp_path,
    )
    full, blank = results["solution"], results["blank"]
    assert full.max_score == 5 and full.score == 5, full.cells
    assert blank.score == 0 and blank.max_score == 5, blank.cells

    # Wrong losses cost both loss exercises; the AUC without ties still earns its first mark.
    wrong = results["nolog_strict"]
    assert wrong.cells["test_example_losses"] == (0.0, 2.0)
    assert wrong.cells["test_loss_threshold_attack"] == (0.0, 1.0)
    assert wrong.cells["test_roc_auc"] == (1.0, 1.0)
    assert wrong.cells["test_roc_auc_ties"] == (0.0, 1.0)
    assert wrong.score == 1

    # An upside-down attack loses its mark; forwarding the AUC to the reference earns nothing, and says why.
    other = results["reversed_delegates"]
    assert other.cells["test_example_losses"] == (2.0, 2.0)
    assert other.cells["test_loss_threshold_attack"] == (0.0, 1.0)
    assert other.cells["test_roc_auc"] == (0.0, 1.0)
    assert other.cells["test_roc_auc_ties"] == (0.0, 1.0)
    assert other.score == 2
    assert "the reference implementation it is graded against" in other.outputs_text("test_roc_auc")
