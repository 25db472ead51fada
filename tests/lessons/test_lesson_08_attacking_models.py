"""The attacks lesson grades right from wrong with the real nbgrader CLI.

For each graded function: plausible wrong answers lose that function's marks, answers that hand the
work to the kit or to a library AUC earn none of them (and say which function they called), and
other correct implementations (loops, ranks, NumPy scalars) earn all of them. Each submission below
fills the three answers with one variant each; an attack variant that reuses ``example_losses`` is
paired with a correct one, so every cell's marks depend on one variant only.
"""

import pytest

from autograder.testing import autograde_variants, notebook_with_answers, release_notebook, solution_answers

A = "08_attacking_models"

# --- example_losses (test_example_losses: 2 points) -----------------------------------------------

# One minus the probability instead of minus its log: the same ranking, the wrong losses.
NO_LOG = """
def example_losses(probs, labels):
    p = np.asarray(probs, dtype=float)
    return 1.0 - p[np.arange(len(p)), np.asarray(labels)]
"""

# The loss of the predicted class (the largest probability), not of the record's label.
PREDICTED_CLASS = """
def example_losses(probs, labels):
    p = np.asarray(probs, dtype=float)
    return -np.log(np.maximum(p.max(axis=1), 1e-300))
"""

# A customary epsilon (1e-12) instead of the stated floor: a zero probability gives 27.6, not 690.8.
EPS_CLIP = """
def example_losses(probs, labels):
    p = np.clip(np.asarray(probs, dtype=float), 1e-12, 1.0)
    return -np.log(p[np.arange(len(p)), np.asarray(labels)])
"""

# Losses in bits: the base-2 logarithm.
LOG2 = """
def example_losses(probs, labels):
    p = np.asarray(probs, dtype=float)
    return -np.log2(np.maximum(p[np.arange(len(p)), labels], 1e-300))
"""

# Hands the work to a sibling in the kit: the loss from log-probabilities.
DELEGATING_LOSSES = """
def example_losses(probs, labels):
    return attacks.logit_losses(np.log(np.maximum(np.asarray(probs, dtype=float), 1e-300)), labels)
"""

# Correct: a Python loop with math.log.
LOOP_LOSSES = """
def example_losses(probs, labels):
    return np.array([-math.log(max(float(row[int(c)]), 1e-300)) for row, c in zip(probs, labels)])
"""

# Correct: take_along_axis and clip.
TAKE_ALONG = """
def example_losses(probs, labels):
    p = np.asarray(probs, dtype=np.float64)
    p_y = np.take_along_axis(p, np.asarray(labels).reshape(-1, 1), axis=1)[:, 0]
    return -np.log(np.clip(p_y, 1e-300, None))
"""

# Correct, though np.where evaluates log(0) on the way (a RuntimeWarning that must cost nothing).
WHERE_WARNS = """
def example_losses(probs, labels):
    p = np.asarray(probs, dtype=float)
    p_y = p[np.arange(len(p)), labels]
    return np.where(p_y > 1e-300, -np.log(p_y), -np.log(1e-300))
"""


# --- loss_threshold_attack (test_loss_threshold_attack: 1 point) ----------------------------------

# A strict comparison: a loss equal to the threshold is guessed a non-member.
STRICT = """
def loss_threshold_attack(probs, labels, threshold):
    p = np.asarray(probs, dtype=float)
    return -np.log(np.maximum(p[np.arange(len(p)), labels], 1e-300)) < threshold
"""

# Members are the records with a *high* loss: the attack upside down.
REVERSED = """
def loss_threshold_attack(probs, labels, threshold):
    p = np.asarray(probs, dtype=float)
    return -np.log(np.maximum(p[np.arange(len(p)), labels], 1e-300)) >= threshold
"""

# The model's confidence in its predicted class instead of the loss of the true label.
CONFIDENCE = """
def loss_threshold_attack(probs, labels, threshold):
    p = np.asarray(probs, dtype=float)
    return -np.log(np.maximum(p.max(axis=1), 1e-300)) <= threshold
"""

# The right decisions as 0/1 integers, not the booleans the exercise asks for.
ZERO_ONE = """
def loss_threshold_attack(probs, labels, threshold):
    p = np.asarray(probs, dtype=float)
    return (-np.log(np.maximum(p[np.arange(len(p)), labels], 1e-300)) <= threshold).astype(int)
"""

# The kit's losses, thresholded.
DELEGATING_ATTACK = """
def loss_threshold_attack(probs, labels, threshold):
    return attacks.example_losses(probs, labels) <= threshold
"""

# Correct: a loop, one decision per record.
LOOP_ATTACK = """
def loss_threshold_attack(probs, labels, threshold):
    out = []
    for row, c in zip(probs, labels):
        out.append(-math.log(max(float(row[c]), 1e-300)) <= threshold)
    return np.array(out, dtype=bool)
"""

# Correct: not greater than the threshold, from the learner's own losses.
NOT_GREATER = """
def loss_threshold_attack(probs, labels, threshold):
    return ~np.greater(example_losses(probs, labels), threshold)
"""


# --- roc_auc (test_roc_auc and test_roc_auc_ties: 1 point each) -----------------------------------

# Ties counted as losses for the members: right on continuous scores only.
STRICT_AUC = """
def roc_auc(scores, is_member):
    s = np.asarray(scores, dtype=float)
    m = np.asarray(is_member, dtype=bool)
    return float((s[m][:, None] > s[~m][None, :]).mean())
"""

# Ties counted as wins for the members.
TIES_WIN = """
def roc_auc(scores, is_member):
    s = np.asarray(scores, dtype=float)
    m = np.asarray(is_member, dtype=bool)
    return float((s[m][:, None] >= s[~m][None, :]).mean())
"""

# The Mann-Whitney formula with ordinal ranks (ties broken by position, not averaged).
ORDINAL_RANKS = """
def roc_auc(scores, is_member):
    s = np.asarray(scores, dtype=float)
    m = np.asarray(is_member, dtype=bool)
    ranks = np.empty(len(s))
    ranks[np.argsort(s, kind="stable")] = np.arange(1, len(s) + 1)
    n_pos, n_neg = m.sum(), (~m).sum()
    return float((ranks[m].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
"""

# Forwards to the reference it is graded against.
DELEGATING_AUC = """
from ppml_lab.attacks import roc_auc as _forward

def roc_auc(scores, is_member):
    return _forward(scores, is_member)
"""

# The kit's ROC curve integrated with np.trapezoid.
SIBLING_AUC = """
def roc_auc(scores, is_member):
    fpr, tpr, _ = attacks.roc_curve(scores, is_member)
    return float(np.trapezoid(tpr, fpr))
"""

# scikit-learn's AUC.
SKLEARN_AUC = """
from sklearn.metrics import roc_auc_score

def roc_auc(scores, is_member):
    return float(roc_auc_score(np.asarray(is_member, dtype=bool), np.asarray(scores, dtype=float)))
"""

# Correct: every member/non-member pair in a Python loop; returns a Python float.
LOOP_AUC = """
def roc_auc(scores, is_member):
    pos = [float(s) for s, m in zip(scores, is_member) if m]
    neg = [float(s) for s, m in zip(scores, is_member) if not m]
    wins = 0.0
    for a in pos:
        for b in neg:
            wins += 1.0 if a > b else 0.5 if a == b else 0.0
    return wins / (len(pos) * len(neg))
"""

# Correct: the Mann-Whitney formula with tie-averaged ranks; returns a NumPy float64.
MIDRANK_NP = """
def roc_auc(scores, is_member):
    s = np.asarray(scores, dtype=float)
    m = np.asarray(is_member, dtype=bool)
    values, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
    midrank = np.cumsum(counts) - (counts - 1) / 2.0
    ranks = midrank[inverse]
    n_pos, n_neg = m.sum(), (~m).sum()
    return (ranks[m].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
"""
# Its own ROC curve, integrated by np.trapezoid: the exercise names it among the library routines refused.
OWN_CURVE_TRAPZ = """
def roc_auc(scores, is_member):
    s = np.asarray(scores, dtype=float)
    m = np.asarray(is_member, dtype=bool)
    thresholds = np.r_[np.inf, np.unique(s)[::-1]]
    tpr = [(s[m] >= t).mean() for t in thresholds]
    fpr = [(s[~m] >= t).mean() for t in thresholds]
    return float(np.trapezoid(tpr, fpr))
"""


# One submission per row: (example_losses, loss_threshold_attack, roc_auc) variants, each with the
# marks it must earn. None stands for the master's solution.
CELLS = {
    "example_losses": {"test_example_losses": 2.0},
    "loss_threshold_attack": {"test_loss_threshold_attack": 1.0},
    "roc_auc": {"test_roc_auc": 1.0, "test_roc_auc_ties": 1.0},
}
SUBMISSIONS = {
    "v1": {"example_losses": (NO_LOG, 0), "loss_threshold_attack": (STRICT, 0), "roc_auc": (STRICT_AUC, 1)},
    "v2": {"example_losses": (PREDICTED_CLASS, 0), "loss_threshold_attack": (REVERSED, 0), "roc_auc": (TIES_WIN, 1)},
    "v3": {"example_losses": (EPS_CLIP, 0), "loss_threshold_attack": (CONFIDENCE, 0),
           "roc_auc": (ORDINAL_RANKS, 1)},
    "v4": {"example_losses": (LOG2, 0), "loss_threshold_attack": (ZERO_ONE, 0), "roc_auc": (DELEGATING_AUC, 0)},
    "v5": {"example_losses": (DELEGATING_LOSSES, 0), "loss_threshold_attack": (LOOP_ATTACK, 1),
           "roc_auc": (SIBLING_AUC, 0)},
    "v6": {"example_losses": (LOOP_LOSSES, 2), "loss_threshold_attack": (DELEGATING_ATTACK, 0),
           "roc_auc": (SKLEARN_AUC, 0)},
    "v7": {"example_losses": (TAKE_ALONG, 2), "loss_threshold_attack": (NOT_GREATER, 1), "roc_auc": (LOOP_AUC, 2)},
    "v8": {"example_losses": (WHERE_WARNS, 2), "loss_threshold_attack": (None, 1), "roc_auc": (MIDRANK_NP, 2)},
    "v9": {"example_losses": (None, 2), "loss_threshold_attack": (None, 1), "roc_auc": (OWN_CURVE_TRAPZ, 0)},
}
# Cheats: the submission, the cells that must say why, and the function the message must name.
CHEATS = [
    ("v4", "roc_auc", "ppml_lab.attacks.roc_auc"),
    ("v5", "example_losses", "logit_losses"),
    ("v5", "roc_auc", "roc_curve"),
    ("v6", "loss_threshold_attack", "example_losses"),
    ("v6", "roc_auc", "sklearn.metrics.roc_auc_score"),
    ("v9", "roc_auc", "trapezoid"),
]


# Grading ten notebooks takes several minutes of CPU; on a shared machine the wall clock can be far longer.
SLOW = pytest.mark.timeout(2700)
NBGRADER_TIMEOUT = 2400  # seconds for one nbgrader autograde run


def _grade(tmp_path, students, extra=None):
    """Autograde the named submissions (and ``extra`` notebooks) and check the marks of each variant."""
    answers = solution_answers(A)
    assert set(answers) == set(CELLS)
    variants = dict(extra or {})
    for student in students:
        rows = SUBMISSIONS[student]
        filled = {fn: answers[fn] if code is None else code for fn, (code, _) in rows.items()}
        variants[student] = notebook_with_answers(A, filled)
    results = autograde_variants(A, variants, tmp_path, timeout=NBGRADER_TIMEOUT)
    for student in students:
        rows = SUBMISSIONS[student]
        got = results[student].cells
        for fn, (_, marks) in rows.items():
            earned = sum(got[cell][0] for cell in CELLS[fn])
            assert earned == marks, (student, fn, {cell: got[cell] for cell in CELLS[fn]})
        assert results[student].score == sum(m for _, m in rows.values()), (student, got)

    for student, fn, called in (c for c in CHEATS if c[0] in students):
        for cell in CELLS[fn]:
            text = results[student].outputs_text(cell)
            assert "No marks for this answer" in text and called in text, (student, cell, text[-600:])
    return results


@SLOW
def test_solution_earns_full_marks_blank_zero_and_wrong_answers_lose_theirs(tmp_path):
    answers = solution_answers(A)
    results = _grade(tmp_path, ["v1", "v2"],
                     {"solution": notebook_with_answers(A, answers), "blank": release_notebook(A)})

    full, blank = results["solution"], results["blank"]
    assert set(full.cells) == {cell for cells in CELLS.values() for cell in cells}
    assert full.max_score == 5 and full.score == 5, full.cells
    assert blank.score == 0 and blank.max_score == 5, blank.cells


@SLOW
def test_more_wrong_answers_lose_their_marks(tmp_path):
    _grade(tmp_path, ["v3", "v4"])


@SLOW
def test_cheats_earn_nothing_and_other_correct_answers_earn_everything(tmp_path):
    _grade(tmp_path, ["v5", "v6", "v7", "v8", "v9"])


def test_the_boundary_and_tie_cases_are_stated_in_the_exercises():
    # The hidden tests use thresholds equal to some losses and scores with ties: the text says so.
    source = "\n".join(c.source for c in release_notebook(A).cells if c.cell_type == "markdown")
    assert "*At most* includes\nequality" in source
    assert "a tied member/non-member pair counts one half" in source
    assert "`sklearn.metrics.roc_auc_score`" in source and "`np.trapezoid`" in source
