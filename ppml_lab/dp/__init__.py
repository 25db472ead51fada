"""Differential privacy: mechanisms, exact samplers, accountants and DP-SGD.

The order follows the lessons: mechanisms and their guarantees (:mod:`.mechanisms`,
:mod:`.discrete`, :mod:`.sensitivity`), composition and accounting (:mod:`.accountants`, with the
mathematics in :mod:`.analysis.rdp`), private training (:mod:`.dpsgd`), and local DP for
telemetry (:mod:`.local`: frequency oracles and mean estimators).
"""

from ppml_lab.dp._random import noise_generator
from ppml_lab.dp.accountants import (
    AdvancedCompositionAccountant,
    BasicCompositionAccountant,
    IAccountant,
    PLDAccountant,
    RDPAccountant,
    get_noise_multiplier,
)
from ppml_lab.dp.discrete import bernoulli_exp, sample_discrete_gaussian, sample_discrete_laplace
from ppml_lab.dp.mechanisms import (
    ExponentialMechanism,
    GaussianMechanism,
    LaplaceMechanism,
    PrivacyGuarantee,
    RandomizedResponse,
    calibrate_analytic_gaussian,
    classic_gaussian_sigma,
    gaussian_delta,
    randomized_response_epsilon,
)
from ppml_lab.dp.selection import (
    above_threshold,
    above_threshold_probabilities,
    report_noisy_max,
    report_noisy_max_probabilities,
)
from ppml_lab.dp.sensitivity import (
    bounded_mean,
    bounded_sum,
    clip_l1,
    clip_l2,
    mean_sensitivity,
    sum_sensitivity,
)

# DP-SGD needs PyTorch, which takes seconds to import: load it when first asked for, so that a
# lesson using only the mechanisms or the accountants does not pay for it.
_DPSGD = (
    "DPLogisticRegression",
    "DPSGDResult",
    "add_gaussian_noise",
    "clip_and_sum",
    "clip_per_sample_gradients",
    "logistic_dp_sgd_step",
    "logistic_per_sample_gradients",
    "per_sample_gradients",
    "poisson_sample",
    "train_dp_sgd",
)


def __getattr__(name: str):
    if name in _DPSGD:
        from ppml_lab.dp import dpsgd

        return getattr(dpsgd, name)
    raise AttributeError(f"module 'ppml_lab.dp' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

__all__ = [
    "AdvancedCompositionAccountant",
    "BasicCompositionAccountant",
    "DPLogisticRegression",
    "DPSGDResult",
    "ExponentialMechanism",
    "GaussianMechanism",
    "IAccountant",
    "LaplaceMechanism",
    "PLDAccountant",
    "PrivacyGuarantee",
    "RDPAccountant",
    "RandomizedResponse",
    "above_threshold",
    "above_threshold_probabilities",
    "add_gaussian_noise",
    "bernoulli_exp",
    "bounded_mean",
    "bounded_sum",
    "calibrate_analytic_gaussian",
    "classic_gaussian_sigma",
    "clip_and_sum",
    "clip_l1",
    "clip_l2",
    "clip_per_sample_gradients",
    "gaussian_delta",
    "get_noise_multiplier",
    "logistic_dp_sgd_step",
    "logistic_per_sample_gradients",
    "mean_sensitivity",
    "noise_generator",
    "per_sample_gradients",
    "poisson_sample",
    "randomized_response_epsilon",
    "report_noisy_max",
    "report_noisy_max_probabilities",
    "sample_discrete_gaussian",
    "sample_discrete_laplace",
    "sum_sensitivity",
    "train_dp_sgd",
]
