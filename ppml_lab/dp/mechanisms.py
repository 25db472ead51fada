"""Differential-privacy mechanisms and the privacy guarantees they carry."""

from __future__ import annotations

import math

from ppml_lab._checks import check_probability


def randomized_response_epsilon(p_truth: float) -> float:
    """Epsilon of the coin-flip randomized response survey.

    Each respondent answers truthfully with probability ``p_truth`` and otherwise reports the
    outcome of a fair coin ("yes" or "no" with probability 1/2 each). The worst-case ratio of the
    probabilities of an answer under the two possible truths is ``(1 + p) / (1 - p)``, so the
    survey is ``ln((1 + p) / (1 - p))``-differentially private; ``p_truth = 1`` gives no privacy
    (``inf``) and ``p_truth = 0`` perfect privacy (``0``).
    """
    p = check_probability("p_truth", p_truth)
    if p == 1.0:
        return math.inf
    return math.log((1.0 + p) / (1.0 - p))
