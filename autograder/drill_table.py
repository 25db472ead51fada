"""The coding drills: which graded function of which lesson, its engine and its time limit.

Only names are kept here. The statement, stub, tests and reference solution of a drill are read from
the lesson notebooks when it runs (:mod:`autograder.drills`), so a drill always matches its lesson.
"""

from __future__ import annotations

from dataclasses import dataclass

ENGINES = ("dp", "he", "smpc", "secagg", "fl", "attacks", "anonymity")


@dataclass(frozen=True)
class Drill:
    """One drill: ``function`` is defined by a solution cell of ``lesson``; ``minutes`` is the limit."""

    id: str
    lesson: str
    function: str
    engine: str
    minutes: int


_L00, _L01, _L02 = "00_orientation", "01_dp_foundations", "02_dp_sgd"
_L03, _L04, _L05 = "03_encrypted_credit_risk", "04_two_bank_fraud", "05_hospital_mri_consortium"
_L06, _L07, _L08 = "06_non_iid_hospitals", "07_device_telemetry", "08_attacking_models"
_L09 = "09_anonymization"

_TABLE = [
    # differential privacy
    ("randomized-response-epsilon", _L00, "randomized_response_epsilon", "dp", 10),
    ("laplace-mechanism", _L01, "laplace_mechanism", "dp", 10),
    ("analytic-gaussian-sigma", _L01, "analytic_gaussian_sigma", "dp", 20),
    ("exponential-probabilities", _L01, "exponential_probabilities", "dp", 15),
    ("report-noisy-max", _L01, "report_noisy_max", "dp", 15),
    ("above-threshold", _L01, "above_threshold", "dp", 20),
    ("rr-estimate", _L01, "rr_estimate", "dp", 10),
    ("advanced-composition", _L01, "advanced_composition_epsilon", "dp", 10),
    ("per-example-clipping", _L02, "clip_gradients", "dp", 15),
    ("noisy-sum", _L02, "noisy_sum", "dp", 10),
    ("dp-sgd-step", _L02, "dp_sgd_step", "dp", 25),
    ("epsilon-from-rdp", _L02, "epsilon_from_rdp", "dp", 15),
    ("krr-estimate", _L07, "krr_estimate", "dp", 10),
    ("oue-privatize", _L07, "oue_privatize", "dp", 15),
    ("onebit-estimate", _L07, "onebit_estimate", "dp", 15),
    # homomorphic encryption
    ("levels-for-scoring", _L03, "levels_for_scoring", "he", 10),
    ("sigmoid-poly", _L03, "sigmoid_poly", "he", 15),
    ("rotate-and-sum", _L03, "rotate_and_sum", "he", 20),
    ("pack-block", _L03, "pack_block", "he", 15),
    ("paillier-total-and-mean", _L03, "encrypted_total_and_mean", "he", 15),
    # secure multi-party computation
    ("beaver-local-share", _L04, "beaver_local_share", "smpc", 10),
    ("beaver-multiplication", _L04, "beaver_multiply_shares", "smpc", 20),
    ("triple-reuse-leak", _L04, "triple_reuse_leak", "smpc", 15),
    ("fixed-point-truncation", _L04, "local_truncate", "smpc", 15),
    ("psi-intersection", _L04, "psi_intersection", "smpc", 25),
    # secure aggregation
    ("pairwise-mask", _L05, "pairwise_mask", "secagg", 20),
    ("ddp-share", _L07, "ddp_share", "secagg", 20),
    # federated learning
    ("weighted-fedavg", _L05, "fedavg_aggregate", "fl", 10),
    ("dp-fedavg-round", _L05, "dp_fedavg_round", "fl", 25),
    ("fedprox-term", _L06, "proximal_term", "fl", 10),
    ("fedavgm-round", _L06, "fedavgm_round", "fl", 15),
    ("robust-aggregate", _L06, "robust_aggregate", "fl", 25),
    # attacks
    ("loss-threshold-attack", _L08, "loss_threshold_attack", "attacks", 10),
    ("roc-auc", _L08, "roc_auc", "attacks", 15),
    ("tpr-at-fpr", _L08, "tpr_at_fpr", "attacks", 15),
    ("lira-score", _L08, "lira_score", "attacks", 20),
    ("audit-epsilon-bound", _L08, "audit_epsilon_bound", "attacks", 20),
    # anonymization
    ("k-anonymity-level", _L00, "k_anonymity_level", "anonymity", 10),
    ("k-anonymity", _L09, "k_anonymity", "anonymity", 10),
    ("reidentify", _L09, "reidentify", "anonymity", 15),
    ("median-cut", _L09, "median_cut", "anonymity", 20),
    ("l-diversity", _L09, "distinct_l_diversity", "anonymity", 15),
    ("ordered-t-closeness", _L09, "ordered_t_closeness", "anonymity", 20),
]

DRILLS: dict[str, Drill] = {row[0]: Drill(*row) for row in _TABLE}
