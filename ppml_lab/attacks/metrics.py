"""How well a membership attack works: ROC curve, AUC, and the true-positive rate at a low false-positive rate.

An attack gives every candidate record a **score** (higher means "more likely a member") and is
judged against the truth (``is_member``). Sweeping a threshold over the scores traces the ROC
curve; its area (AUC) summarises the attack over all thresholds. Carlini et al. (2022) argue that
the figure that matters for privacy is the **TPR at a low FPR** (0.1% or 1%): an attack that
confidently identifies a few members is a real breach even when its AUC is close to 0.5, while a
high AUC earned by many unsure guesses harms nobody in particular. Report both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ppml_lab._checks import check_float


def _check_scores(scores, is_member) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=np.float64)
    m = np.asarray(is_member)
    if s.ndim != 1:
        raise ValueError(f"scores must be one-dimensional, got shape {s.shape}")
    if m.shape != s.shape:
        raise ValueError(f"is_member must have the shape of scores {s.shape}, got {m.shape}")
    if m.dtype != bool:
        if not np.isin(m, (0, 1)).all():
            raise ValueError("is_member must hold booleans or 0/1")
        m = m.astype(bool)
    if np.isnan(s).any():
        raise ValueError("scores must not contain NaN")
    if m.all() or not m.any():
        raise ValueError("is_member must contain both members and non-members")
    return s, m


def roc_curve(scores, is_member) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fpr, tpr, thresholds)``: predicting "member" when ``score >= threshold``, for every distinct score.

    The curve starts at (0, 0) (threshold ``+inf``) and ends at (1, 1); tied scores move both
    rates at once, as they must (one threshold cannot split them).
    """
    s, m = _check_scores(scores, is_member)
    order = np.argsort(-s, kind="mergesort")
    s, m = s[order], m[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s) != 0), len(s) - 1]
    tp = np.cumsum(m)[last_of_tie]
    fp = np.cumsum(~m)[last_of_tie]
    tpr = np.r_[0.0, tp / m.sum()]
    fpr = np.r_[0.0, fp / (~m).sum()]
    return fpr, tpr, np.r_[np.inf, s[last_of_tie]]


def roc_auc(scores, is_member) -> float:
    """Area under the ROC curve: the chance that a random member outscores a random non-member (ties half)."""
    fpr, tpr, _ = roc_curve(scores, is_member)
    return float(np.trapezoid(tpr, fpr))


def tpr_at_fpr(scores, is_member, max_fpr: float) -> float:
    """The best true-positive rate among thresholds whose false-positive rate is at most ``max_fpr``.

    With ``n`` non-members, an FPR below ``1 / n`` means no false positive at all.
    """
    max_fpr = check_float("max_fpr", max_fpr, minimum=0.0, maximum=1.0)
    fpr, tpr, _ = roc_curve(scores, is_member)
    return float(tpr[fpr <= max_fpr + 1e-12].max())


@dataclass
class AttackResult:
    """One attack's scores against the truth, with its ROC curve and the usual summary figures."""

    name: str
    scores: np.ndarray
    is_member: np.ndarray
    fpr: np.ndarray = field(init=False, repr=False)
    tpr: np.ndarray = field(init=False, repr=False)
    auc: float = field(init=False)

    def __post_init__(self) -> None:
        self.scores, self.is_member = _check_scores(self.scores, self.is_member)
        self.fpr, self.tpr, _ = roc_curve(self.scores, self.is_member)
        self.auc = float(np.trapezoid(self.tpr, self.fpr))

    def tpr_at(self, max_fpr: float) -> float:
        """True-positive rate at a false-positive rate of at most ``max_fpr``."""
        max_fpr = check_float("max_fpr", max_fpr, minimum=0.0, maximum=1.0)
        return float(self.tpr[self.fpr <= max_fpr + 1e-12].max())

    @property
    def advantage(self) -> float:
        """Membership advantage (Yeom et al. 2018): the largest ``TPR - FPR`` over thresholds."""
        return float(np.max(self.tpr - self.fpr))

    def summary(self) -> dict[str, float | str]:
        """AUC, advantage and TPR at 0.1% and 1% FPR, for a table."""
        return {
            "attack": self.name,
            "AUC": self.auc,
            "advantage": self.advantage,
            "TPR@0.1%FPR": self.tpr_at(0.001),
            "TPR@1%FPR": self.tpr_at(0.01),
        }
