"""Numeric questions on differential privacy: mechanisms, composition, accounting and local DP."""

from __future__ import annotations

import math
import random

from ppml_lab import dp
from ppml_lab.dp import local
from ppml_lab.interview.numeric.core import pick, register

FOUNDATIONS = ("01_dp_foundations",)
DPSGD = ("02_dp_sgd",)
TELEMETRY = ("07_device_telemetry",)


@register("laplace-scale", "dp", 1e-3, lessons=FOUNDATIONS, functions=("ppml_lab.dp.LaplaceMechanism",))
def laplace_scale(rng: random.Random) -> tuple[str, dict, float]:
    """Laplace scale b = sensitivity / epsilon."""
    p = {"sensitivity": pick(rng, [1, 2, 5, 10]), "epsilon": pick(rng, [0.1, 0.25, 0.5, 1.0, 2.0])}
    text = f"A counting query with L1 sensitivity {p['sensitivity']} is released with the Laplace mechanism at epsilon = {p['epsilon']}. What is the noise scale b?"
    return text, p, dp.LaplaceMechanism(p["epsilon"], p["sensitivity"]).scale


@register("laplace-std", "dp", 1e-3, lessons=FOUNDATIONS, functions=("ppml_lab.dp.LaplaceMechanism",))
def laplace_std(rng: random.Random) -> tuple[str, dict, float]:
    """Standard deviation of Laplace noise: sqrt(2) * b."""
    p = {"sensitivity": pick(rng, [1, 2, 4]), "epsilon": pick(rng, [0.2, 0.5, 1.0])}
    text = f"What is the standard deviation of the noise the Laplace mechanism adds to a query of sensitivity {p['sensitivity']} at epsilon = {p['epsilon']}?"
    return text, p, math.sqrt(2.0) * dp.LaplaceMechanism(p["epsilon"], p["sensitivity"]).scale


@register(
    "classic-gaussian-sigma",
    "dp",
    1e-3,
    lessons=FOUNDATIONS,
    functions=("ppml_lab.dp.classic_gaussian_sigma",),
)
def classic_gaussian(rng: random.Random) -> tuple[str, dict, float]:
    """sigma = sqrt(2 ln(1.25/delta)) * sensitivity / epsilon."""
    p = {
        "epsilon": pick(rng, [0.1, 0.3, 0.5, 0.9]),
        "delta": pick(rng, [1e-5, 1e-6]),
        "sensitivity": pick(rng, [1.0, 2.0]),
    }
    text = f"Using the classic Gaussian-mechanism bound, which sigma gives ({p['epsilon']}, {p['delta']:g})-DP for L2 sensitivity {p['sensitivity']}?"
    return text, p, dp.classic_gaussian_sigma(p["epsilon"], p["delta"], p["sensitivity"])


@register(
    "analytic-gaussian-sigma",
    "dp",
    1e-2,
    lessons=FOUNDATIONS,
    functions=("ppml_lab.dp.calibrate_analytic_gaussian",),
)
def analytic_gaussian(rng: random.Random) -> tuple[str, dict, float]:
    """Smallest sigma of the analytic Gaussian mechanism (Balle & Wang 2018)."""
    p = {"epsilon": pick(rng, [0.5, 1.0, 2.0, 4.0]), "delta": pick(rng, [1e-5, 1e-6]), "sensitivity": 1.0}
    text = f"With the analytic Gaussian mechanism, what is the smallest sigma for ({p['epsilon']}, {p['delta']:g})-DP at L2 sensitivity 1?"
    return text, p, dp.calibrate_analytic_gaussian(p["epsilon"], p["delta"], p["sensitivity"])


@register("gaussian-delta", "dp", 2e-2, lessons=FOUNDATIONS, functions=("ppml_lab.dp.gaussian_delta",))
def gaussian_delta(rng: random.Random) -> tuple[str, dict, float]:
    """Exact delta of a Gaussian mechanism at a given epsilon."""
    p = {"sigma": pick(rng, [1.0, 2.0, 3.0]), "epsilon": pick(rng, [0.5, 1.0, 2.0]), "sensitivity": 1.0}
    text = f"A Gaussian mechanism adds noise of std {p['sigma']} to a query of L2 sensitivity 1. What is its exact delta at epsilon = {p['epsilon']}?"
    return text, p, dp.gaussian_delta(p["sigma"], p["epsilon"], p["sensitivity"])


@register("dp-sgd-epsilon", "dp-sgd", 2e-2, lessons=DPSGD, functions=("ppml_lab.dp.RDPAccountant",))
def dp_sgd_epsilon(rng: random.Random) -> tuple[str, dict, float]:
    """Epsilon of T Poisson-subsampled Gaussian steps (RDP accountant)."""
    p = {
        "sample_rate": pick(rng, [0.001, 0.004, 0.01]),
        "noise_multiplier": pick(rng, [0.8, 1.0, 1.1, 1.5]),
        "steps": pick(rng, [1000, 2000, 5000]),
        "delta": 1e-5,
    }
    text = (
        f"DP-SGD runs {p['steps']} steps with Poisson sampling rate q = {p['sample_rate']} and noise multiplier "
        f"sigma = {p['noise_multiplier']}. What epsilon does an RDP accountant report at delta = 1e-5?"
    )
    acc = dp.RDPAccountant()
    acc.step(noise_multiplier=p["noise_multiplier"], sample_rate=p["sample_rate"], num_steps=p["steps"])
    return text, p, acc.get_epsilon(p["delta"])


@register(
    "dp-sgd-noise-multiplier", "dp-sgd", 5e-2, lessons=DPSGD, functions=("ppml_lab.dp.get_noise_multiplier",)
)
def dp_sgd_noise(rng: random.Random) -> tuple[str, dict, float]:
    """Smallest noise multiplier reaching a target epsilon (RDP accountant)."""
    p = {
        "target_epsilon": pick(rng, [1.0, 3.0, 8.0]),
        "sample_rate": pick(rng, [0.004, 0.01]),
        "steps": pick(rng, [1000, 3000]),
        "delta": 1e-5,
    }
    text = (
        f"Which noise multiplier lets {p['steps']} DP-SGD steps at sampling rate {p['sample_rate']} stay within "
        f"epsilon = {p['target_epsilon']} at delta = 1e-5 (RDP accounting)?"
    )
    return text, p, dp.get_noise_multiplier(p["target_epsilon"], p["delta"], p["sample_rate"], p["steps"])


@register(
    "rr-epsilon", "dp", 1e-3, lessons=FOUNDATIONS, functions=("ppml_lab.dp.randomized_response_epsilon",)
)
def rr_epsilon(rng: random.Random) -> tuple[str, dict, float]:
    """Coin-flip randomized response: epsilon = ln((1 + p) / (1 - p))."""
    p = {"p_truth": pick(rng, [0.25, 0.5, 0.75, 0.9])}
    text = f"In a survey each person answers truthfully with probability {p['p_truth']} and otherwise reports a fair coin. What is its epsilon?"
    return text, p, dp.randomized_response_epsilon(p["p_truth"])


@register(
    "rr-keep-probability", "dp", 1e-3, lessons=FOUNDATIONS, functions=("ppml_lab.dp.RandomizedResponse",)
)
def rr_keep(rng: random.Random) -> tuple[str, dict, float]:
    """k-ary randomized response keeps the truth w.p. e^eps / (e^eps + k - 1)."""
    p = {"epsilon": pick(rng, [0.5, 1.0, 2.0, 3.0]), "k": pick(rng, [2, 3, 5, 10])}
    text = f"k-ary randomized response over k = {p['k']} categories at epsilon = {p['epsilon']}: with what probability is the true category reported?"
    return text, p, dp.RandomizedResponse(p["epsilon"], p["k"]).p_keep


def _oracle_variance(cls: type, rng: random.Random, label: str) -> tuple[str, dict, float]:
    p = {
        "epsilon": pick(rng, [0.5, 1.0, 2.0, 4.0]),
        "domain_size": pick(rng, [4, 16, 64, 256]),
        "n": pick(rng, [1000, 10000, 100000]),
    }
    text = (
        f"{label} at epsilon = {p['epsilon']} over d = {p['domain_size']} values, n = {p['n']} devices: what is "
        "the variance of the estimated frequency of a value nobody holds?"
    )
    return text, p, float(cls(p["epsilon"], p["domain_size"]).variance(p["n"])[0])


@register(
    "krr-variance", "ldp", 1e-3, lessons=TELEMETRY, functions=("ppml_lab.dp.local.KaryRandomizedResponse",)
)
def krr_variance(rng: random.Random) -> tuple[str, dict, float]:
    """k-RR estimator variance (e^eps + d - 2) / (n (e^eps - 1)^2)."""
    return _oracle_variance(local.KaryRandomizedResponse, rng, "Generalized randomized response (k-RR)")


@register(
    "oue-variance", "ldp", 1e-3, lessons=TELEMETRY, functions=("ppml_lab.dp.local.OptimizedUnaryEncoding",)
)
def oue_variance(rng: random.Random) -> tuple[str, dict, float]:
    """OUE estimator variance 4 e^eps / (n (e^eps - 1)^2)."""
    return _oracle_variance(local.OptimizedUnaryEncoding, rng, "Optimized unary encoding (OUE)")


@register(
    "sue-variance", "ldp", 1e-3, lessons=TELEMETRY, functions=("ppml_lab.dp.local.SymmetricUnaryEncoding",)
)
def sue_variance(rng: random.Random) -> tuple[str, dict, float]:
    """Basic RAPPOR variance e^(eps/2) / (n (e^(eps/2) - 1)^2)."""
    return _oracle_variance(
        local.SymmetricUnaryEncoding, rng, "Symmetric unary encoding (basic one-time RAPPOR)"
    )


@register("duchi-output", "ldp", 1e-3, lessons=TELEMETRY, functions=("ppml_lab.dp.local.DuchiMean",))
def duchi_output(rng: random.Random) -> tuple[str, dict, float]:
    """Duchi et al.'s mechanism reports +-C with C = (e^eps + 1) / (e^eps - 1)."""
    p = {"epsilon": pick(rng, [0.5, 1.0, 2.0, 3.0])}
    text = f"Duchi et al.'s one-bit mean mechanism on [-1, 1] at epsilon = {p['epsilon']} reports +C or -C. What is C?"
    return text, p, local.DuchiMean(p["epsilon"]).C


@register(
    "basic-composition",
    "accounting",
    1e-3,
    lessons=FOUNDATIONS,
    functions=("ppml_lab.dp.BasicCompositionAccountant",),
)
def basic_composition(rng: random.Random) -> tuple[str, dict, float]:
    """Basic composition: epsilons add up."""
    p = {"epsilon": pick(rng, [0.05, 0.1, 0.2, 0.5]), "k": pick(rng, [5, 10, 20, 50])}
    text = f"{p['k']} queries are each answered with {p['epsilon']}-DP. By basic composition, what is the total epsilon?"
    acc = dp.BasicCompositionAccountant()
    acc.step(epsilon=p["epsilon"], num_steps=p["k"])
    return text, p, acc.get_epsilon(0.0)


@register(
    "advanced-composition",
    "accounting",
    1e-3,
    lessons=FOUNDATIONS,
    functions=("ppml_lab.dp.AdvancedCompositionAccountant",),
)
def advanced_composition(rng: random.Random) -> tuple[str, dict, float]:
    """Advanced composition: sqrt(2k ln(1/delta')) eps + k eps (e^eps - 1), capped by k eps."""
    p = {
        "epsilon": pick(rng, [0.01, 0.05, 0.1]),
        "k": pick(rng, [100, 500, 1000]),
        "delta_slack": pick(rng, [1e-5, 1e-6]),
    }
    text = (
        f"{p['k']} mechanisms, each {p['epsilon']}-DP, are composed with the advanced composition theorem at slack "
        f"delta' = {p['delta_slack']:g}. What is the total epsilon (the smaller of basic and advanced)?"
    )
    acc = dp.AdvancedCompositionAccountant()
    acc.step(epsilon=p["epsilon"], num_steps=p["k"])
    return text, p, acc.get_epsilon(p["delta_slack"])


@register("sum-sensitivity", "dp", 1e-3, lessons=FOUNDATIONS, functions=("ppml_lab.dp.sum_sensitivity",))
def sum_sens(rng: random.Random) -> tuple[str, dict, float]:
    """Sensitivity of a clamped sum under add/remove or replace neighbours."""
    p = {
        "lower": pick(rng, [-10.0, -5.0, 0.0]),
        "upper": pick(rng, [20.0, 50.0, 100.0]),
        "neighbouring": pick(rng, ["add_remove", "replace"]),
    }
    rel = (
        "adding or removing one person"
        if p["neighbouring"] == "add_remove"
        else "replacing one person's value"
    )
    text = f"Values are clamped to [{p['lower']}, {p['upper']}] and summed. Under neighbours that differ by {rel}, what is the sum's sensitivity?"
    return text, p, dp.sum_sensitivity(p["lower"], p["upper"], p["neighbouring"])


@register("mean-sensitivity", "dp", 1e-3, lessons=FOUNDATIONS, functions=("ppml_lab.dp.mean_sensitivity",))
def mean_sens(rng: random.Random) -> tuple[str, dict, float]:
    """Replace-one sensitivity of a mean of n clamped values: (upper - lower) / n."""
    p = {"lower": 0.0, "upper": pick(rng, [1.0, 100.0, 120.0]), "n": pick(rng, [50, 200, 1000])}
    text = f"The mean of n = {p['n']} values clamped to [0, {p['upper']}] is released (n public, replace-one neighbours). What is its sensitivity?"
    return text, p, dp.mean_sensitivity(p["lower"], p["upper"], p["n"])


@register(
    "exponential-mechanism", "dp", 1e-3, lessons=FOUNDATIONS, functions=("ppml_lab.dp.ExponentialMechanism",)
)
def exponential(rng: random.Random) -> tuple[str, dict, float]:
    """Probability the exponential mechanism picks the best candidate."""
    p = {
        "utilities": [pick(rng, [0, 2, 4]), pick(rng, [5, 6, 8]), 10],
        "epsilon": pick(rng, [0.5, 1.0, 2.0]),
        "sensitivity": 1.0,
    }
    text = (
        f"The exponential mechanism (epsilon = {p['epsilon']}, utility sensitivity 1) chooses among three candidates "
        f"with utilities {p['utilities']}. With what probability does it pick the one of utility 10?"
    )
    return (
        text,
        p,
        float(dp.ExponentialMechanism(p["epsilon"], p["sensitivity"]).probabilities(p["utilities"])[2]),
    )
