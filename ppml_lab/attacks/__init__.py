"""Attacks on trained models, and the audit that turns an attack into a bound on epsilon.

In the order of the lesson (``08_attacking_models``):

* :mod:`.metrics` — ROC curve, AUC and TPR at a low FPR, the figures every attack reports.
* :mod:`.targets` — the population (sensitive records with a memorizable ZIP code) and the
  recipes that train target and shadow models: non-private MLPs, all at once, or our DP-SGD.
* :mod:`.membership` — membership inference: loss threshold (Yeom et al. 2018), shadow models
  (Shokri et al. 2017) and the likelihood-ratio attack LiRA (Carlini et al. 2022).
* :mod:`.inversion` — gradient inversion (DLG, iDLG) of a client's MRI slice, and the defences:
  clipping with noise, secure aggregation.
* :mod:`.audit` — a lower bound on a DP-SGD trainer's epsilon from a canary game with
  Clopper-Pearson intervals, and a deliberately broken DP-SGD for it to catch.
"""

from ppml_lab.attacks.audit import (
    MISTAKES,
    AuditResult,
    audit_dp_sgd,
    broken_dp_sgd_trials,
    choose_threshold,
    clopper_pearson,
    dp_sgd_trials,
    epsilon_from_rates,
    epsilon_lower_bound,
    epsilon_lower_bound_from_counts,
)
from ppml_lab.attacks.inversion import (
    InversionCNN,
    InversionResult,
    clip_and_noise,
    gradient_distance,
    infer_label,
    invert_gradient,
    reconstruction_mse,
    secure_sum,
    shared_gradient,
)
from ppml_lab.attacks.membership import (
    MembershipGame,
    example_losses,
    lira_attack,
    lira_scores,
    logit_confidence,
    logit_losses,
    loss_attack,
    loss_threshold_attack,
    play_membership_game,
    run_attacks,
    shadow_model_attack,
    softmax,
)
from ppml_lab.attacks.metrics import AttackResult, roc_auc, roc_curve, tpr_at_fpr
from ppml_lab.attacks.targets import (
    DPSGDRecipe,
    MLPRecipe,
    attack_design_matrix,
    balanced_masks,
    membership_population,
    single_thread,
)

__all__ = [
    "MISTAKES",
    "AttackResult",
    "AuditResult",
    "DPSGDRecipe",
    "InversionCNN",
    "InversionResult",
    "MLPRecipe",
    "MembershipGame",
    "attack_design_matrix",
    "audit_dp_sgd",
    "balanced_masks",
    "broken_dp_sgd_trials",
    "choose_threshold",
    "clip_and_noise",
    "clopper_pearson",
    "dp_sgd_trials",
    "epsilon_from_rates",
    "epsilon_lower_bound",
    "epsilon_lower_bound_from_counts",
    "example_losses",
    "gradient_distance",
    "infer_label",
    "invert_gradient",
    "lira_attack",
    "lira_scores",
    "logit_confidence",
    "logit_losses",
    "loss_attack",
    "loss_threshold_attack",
    "membership_population",
    "play_membership_game",
    "reconstruction_mse",
    "roc_auc",
    "roc_curve",
    "run_attacks",
    "secure_sum",
    "shadow_model_attack",
    "shared_gradient",
    "single_thread",
    "softmax",
    "tpr_at_fpr",
]
