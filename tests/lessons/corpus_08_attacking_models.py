"""Answers to the attacks lesson's exercises as learners write them: wrong, cheating, and correct.

Each string is one solution cell. The lesson test packs them into a few submissions graded through
nbgrader and checks the rest in-process against the same references.
"""

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
