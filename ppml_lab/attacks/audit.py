"""Empirical privacy auditing: a statistical lower bound on a trainer's epsilon.

A trainer that claims (epsilon, delta)-DP promises that no test can tell whether one record was in
its training set with ``FPR + e^epsilon * FNR < 1 - delta`` (nor with the rates swapped;
Kairouz et al. 2015). So run the **membership game** many times (Jagielski et al. 2020,
Nasr et al. 2021): in each trial, train once with a **canary** and once without, let a test guess
which from the trained model, and count its false positives and false negatives. Clopper-Pearson
upper bounds on both rates then give, with confidence ``1 - alpha``,

    epsilon >= max(log((1 - delta - FNR_hi) / FPR_hi), log((1 - delta - FPR_hi) / FNR_hi)).

A correct trainer can never be caught above its claim (except with probability ``alpha``); a
broken one is caught as soon as the bound exceeds the claim. The bound is only a lower bound:
a weak test proves little, so the auditor takes the strongest canary it may.

The game here (:func:`audit_dp_sgd`) is DP-SGD on logistic regression in NumPy, vectorised over
thousands of trials. The canary is a **gradient canary** (Nasr et al. 2023): a record whose
gradient lies along an input feature no real record uses (a column of zeros) and is far longer
than the clipping norm, so a correct trainer clips it to exactly ``max_grad_norm`` and nothing else
touches that weight. The test statistic is that weight after training. The threshold is chosen on
one half of the trials and the rates counted on the other half, so choosing it costs no confidence.

:func:`broken_dp_sgd_trials` is **deliberately wrong**, for teaching: it forgets the noise, or clips
the noisy sum instead of each example's gradient, while claiming the same epsilon.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import beta
from tqdm.auto import tqdm

from ppml_lab import datasets as ds
from ppml_lab._checks import check_choice, check_float, check_int, check_probability
from ppml_lab.dp import RDPAccountant, add_gaussian_noise, clip_l2, get_noise_multiplier, noise_generator

MISTAKES = ("forgot_noise", "clip_after_noise")
TRAINERS = ("correct", *MISTAKES)


# --- statistics ----------------------------------------------------------------------------------


def clopper_pearson(successes: int, trials: int, alpha: float = 0.05) -> tuple[float, float]:
    """The exact two-sided ``1 - alpha`` confidence interval of a binomial proportion."""
    n = check_int("trials", trials, minimum=1)
    k = check_int("successes", successes, minimum=0, maximum=n)
    alpha = check_probability("alpha", alpha, open_low=True, open_high=True)
    lo = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lo, hi


def epsilon_from_rates(fpr: float, fnr: float, delta: float) -> float:
    """The smallest epsilon consistent with a test of these error rates at ``delta`` (0 if none is needed)."""
    fpr = check_probability("fpr", fpr)
    fnr = check_probability("fnr", fnr)
    delta = check_probability("delta", delta, open_high=True)
    best = 0.0
    for a, b in ((fpr, fnr), (fnr, fpr)):
        num = 1.0 - delta - b
        if num > 0:
            best = max(best, math.inf if a == 0 else math.log(num / a))
    return best


def _upper_limits(counts: np.ndarray, n: int, alpha: float) -> np.ndarray:
    """Clopper-Pearson one-sided ``1 - alpha/2`` upper limits of ``counts / n`` (vectorised)."""
    k = np.asarray(counts)
    hi = beta.ppf(1 - alpha / 2, k + 1, np.maximum(n - k, 1))
    return np.where(k >= n, 1.0, hi)


def _bounds(fn: np.ndarray, n_in: int, fp: np.ndarray, n_out: int, delta: float, alpha: float):
    fpr_hi, fnr_hi = _upper_limits(fp, n_out, alpha), _upper_limits(fn, n_in, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        one = np.log(np.maximum(1 - delta - fnr_hi, 0) / fpr_hi)
        two = np.log(np.maximum(1 - delta - fpr_hi, 0) / fnr_hi)
    return np.maximum(0.0, np.fmax(one, two)), fpr_hi, fnr_hi


def epsilon_lower_bound_from_counts(
    false_negatives: int,
    n_with_canary: int,
    false_positives: int,
    n_without_canary: int,
    delta: float,
    alpha: float = 0.05,
) -> float:
    """The epsilon lower bound (confidence ``1 - alpha``) from a canary game's error counts.

    A guess "canary present" was wrong ``false_negatives`` times among ``n_with_canary`` trainings
    with the canary and ``false_positives`` times among ``n_without_canary`` without. Each rate is
    replaced by its Clopper-Pearson upper limit at ``1 - alpha/2`` (so both hold together at
    ``1 - alpha``), and epsilon is the largest of ``0``, ``log((1 - delta - FNR) / FPR)`` and
    ``log((1 - delta - FPR) / FNR)`` (a side whose numerator is not positive proves nothing).
    """
    n_in = check_int("n_with_canary", n_with_canary, minimum=1)
    n_out = check_int("n_without_canary", n_without_canary, minimum=1)
    fn = check_int("false_negatives", false_negatives, minimum=0, maximum=n_in)
    fp = check_int("false_positives", false_positives, minimum=0, maximum=n_out)
    delta = check_probability("delta", delta, open_high=True)
    alpha = check_probability("alpha", alpha, open_low=True, open_high=True)
    eps, _, _ = _bounds(np.array(fn), n_in, np.array(fp), n_out, delta, alpha)
    return float(eps)


def _check_trial_scores(scores_in, scores_out) -> tuple[np.ndarray, np.ndarray]:
    s_in = np.asarray(scores_in, dtype=np.float64)
    s_out = np.asarray(scores_out, dtype=np.float64)
    if s_in.ndim != 1 or s_out.ndim != 1 or not len(s_in) or not len(s_out):
        raise ValueError("scores_in and scores_out must be non-empty 1-D arrays")
    return s_in, s_out


def epsilon_lower_bound(
    scores_in, scores_out, threshold: float, delta: float, alpha: float = 0.05
) -> tuple[float, float, float]:
    """``(epsilon_lb, fpr_hi, fnr_hi)`` for the test "canary present when score >= threshold".

    ``fpr_hi`` and ``fnr_hi`` are Clopper-Pearson upper bounds, each at confidence ``1 - alpha/2``
    (the upper ends of two-sided ``1 - alpha`` intervals), so the bound holds with confidence
    ``1 - alpha``. ``threshold`` must not be chosen on these scores.
    """
    s_in, s_out = _check_trial_scores(scores_in, scores_out)
    delta = check_probability("delta", delta, open_high=True)
    alpha = check_probability("alpha", alpha, open_low=True, open_high=True)
    threshold = float(threshold)
    fn, fp = int((s_in < threshold).sum()), int((s_out >= threshold).sum())
    eps, fpr_hi, fnr_hi = _bounds(np.array(fn), len(s_in), np.array(fp), len(s_out), delta, alpha)
    return float(eps), float(fpr_hi), float(fnr_hi)


def choose_threshold(
    scores_in, scores_out, delta: float, alpha: float = 0.05, max_candidates: int = 400
) -> float:
    """The threshold with the best bound on these (selection) scores; evaluate it on other trials."""
    s_in, s_out = _check_trial_scores(scores_in, scores_out)
    candidates = np.unique(np.quantile(np.r_[s_in, s_out], np.linspace(0, 1, max_candidates)))
    fn = np.searchsorted(np.sort(s_in), candidates, side="left")  # scores below the threshold
    fp = len(s_out) - np.searchsorted(np.sort(s_out), candidates, side="left")
    eps, _, _ = _bounds(fn, len(s_in), fp, len(s_out), delta, alpha)
    return float(candidates[int(np.argmax(eps))])


# --- the trainers: many DP-SGD runs at once -------------------------------------------------------


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _dp_sgd_trials(
    X,
    y,
    with_canary,
    noise_multiplier,
    max_grad_norm,
    sample_rate,
    steps,
    lr,
    canary_norm,
    rng,
    mistake,
    progress,
) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or y.shape != (len(X),):
        raise ValueError(f"X must be 2-D with one label in y per row, got X {X.shape} and y {y.shape}")
    with_canary = np.asarray(with_canary, dtype=bool)
    if with_canary.ndim != 1:
        raise ValueError("with_canary must be a 1-D boolean array (one entry per trial)")
    check_float("noise_multiplier", noise_multiplier, minimum=0.0)
    C = check_float("max_grad_norm", max_grad_norm, minimum=0.0, min_inclusive=False)
    q = check_probability("sample_rate", sample_rate, open_low=True)
    steps = check_int("steps", steps, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, min_inclusive=False)
    canary_norm = check_float("canary_norm", canary_norm, minimum=0.0, min_inclusive=False)
    rng = noise_generator(rng)
    n = len(X)
    # the records, an unused canary feature (all zeros) and the bias input
    Xb = np.hstack([X, np.zeros((n, 1)), np.ones((n, 1))])
    row_norms = np.linalg.norm(Xb, axis=1)
    k = X.shape[1]  # the canary's coordinate
    canary_grad = np.zeros(Xb.shape[1])
    canary_grad[k] = canary_norm
    trials = len(with_canary)
    W = np.zeros((trials, Xb.shape[1]))
    for _ in tqdm(range(steps), desc="DP-SGD trials", disable=not progress):
        sampled = rng.random((trials, n)) < q  # Poisson sampling, per trial
        canary_sampled = with_canary & (rng.random(trials) < q)
        residual = _sigmoid(W @ Xb.T) - y  # each example's gradient is residual * [x, 0, 1]
        if mistake == "clip_after_noise":
            total = (sampled * residual) @ Xb + np.outer(canary_sampled, canary_grad)
            noisy = clip_l2(add_gaussian_noise(total, noise_multiplier, C, rng), C)
        else:
            # per-example clipping without forming the gradients: the norm of residual * x is |residual| * |x|
            factor = np.minimum(1.0, C / np.maximum(np.abs(residual) * row_norms, 1e-300))
            total = (sampled * factor * residual) @ Xb
            total += np.outer(canary_sampled, clip_l2(canary_grad, C)[0])
            noisy = (
                total if mistake == "forgot_noise" else add_gaussian_noise(total, noise_multiplier, C, rng)
            )
        W -= lr * noisy / (q * n)
    return W


def dp_sgd_trials(
    X,
    y,
    with_canary,
    *,
    noise_multiplier: float,
    max_grad_norm: float = 1.0,
    sample_rate: float = 1.0,
    steps: int = 4,
    lr: float = 1.0,
    canary_norm: float = 1000.0,
    rng: np.random.Generator | int | None = None,
    progress: bool = False,
) -> np.ndarray:
    """One DP-SGD logistic-regression training per entry of ``with_canary``, all at once.

    Each trial: ``steps`` steps of Poisson sampling at ``sample_rate``, per-example clipping to
    ``max_grad_norm``, Gaussian noise ``noise_multiplier * max_grad_norm`` on the sum (the kit's
    :func:`~ppml_lab.dp.add_gaussian_noise`), division by the expected batch ``sample_rate * n``.
    Trials with the canary also sample it, with a gradient of norm ``canary_norm`` along an
    extra, all-zero input feature. Returns the final weights ``(trials, d + 2)``: the features,
    the canary feature (column ``d``) and the bias.
    """
    return _dp_sgd_trials(
        X,
        y,
        with_canary,
        noise_multiplier,
        max_grad_norm,
        sample_rate,
        steps,
        lr,
        canary_norm,
        rng,
        None,
        progress,
    )


def broken_dp_sgd_trials(
    X,
    y,
    with_canary,
    *,
    mistake: str,
    noise_multiplier: float,
    max_grad_norm: float = 1.0,
    sample_rate: float = 1.0,
    steps: int = 4,
    lr: float = 1.0,
    canary_norm: float = 1000.0,
    rng: np.random.Generator | int | None = None,
    progress: bool = False,
) -> np.ndarray:
    """DELIBERATELY BROKEN DP-SGD, for teaching what an audit catches: never train with this.

    ``mistake="forgot_noise"``: clips each example but adds no noise. ``mistake="clip_after_noise"``:
    adds the noise to the *unclipped* sum, then clips that noisy sum, so one example's influence is
    unbounded. Same arguments and output as :func:`dp_sgd_trials`; the accountant would still
    claim the epsilon of ``noise_multiplier``.
    """
    mistake = check_choice("mistake", mistake, MISTAKES)
    return _dp_sgd_trials(
        X,
        y,
        with_canary,
        noise_multiplier,
        max_grad_norm,
        sample_rate,
        steps,
        lr,
        canary_norm,
        rng,
        mistake,
        progress,
    )


# --- the audit -----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=128)
def _calibrated_noise(epsilon: float, delta: float, sample_rate: float, steps: int) -> float:
    # auditing several trainers at one claim calibrates once
    return get_noise_multiplier(epsilon, delta, sample_rate, steps)


@dataclass
class AuditResult:
    """An audit's outcome: the claim, the lower bound and the counts behind it."""

    trainer: str
    claimed_epsilon: float
    delta: float
    noise_multiplier: float
    epsilon_lower_bound: float
    threshold: float
    fpr_upper: float
    fnr_upper: float
    n_trials: int
    alpha: float

    @property
    def violated(self) -> bool:
        """True when the audit proves the claim false (at confidence ``1 - alpha``)."""
        return self.epsilon_lower_bound > self.claimed_epsilon


def audit_dp_sgd(
    claimed_epsilon: float,
    *,
    trainer: str = "correct",
    delta: float = 1e-5,
    steps: int = 4,
    sample_rate: float = 1.0,
    n_trials: int = 4000,
    n_records: int = 64,
    alpha: float = 0.05,
    seed: int = 0,
    progress: bool = False,
) -> AuditResult:
    """Audit DP-SGD (``trainer="correct"``, or one of the broken ``MISTAKES``) at ``claimed_epsilon``.

    The noise multiplier is calibrated by the RDP accountant so that ``steps`` steps at
    ``sample_rate`` spend ``claimed_epsilon`` at ``delta``. ``n_trials`` trainings on ``n_records``
    records of :func:`~ppml_lab.datasets.sensitive_tabular`, half with the canary; a random half of
    each kind picks the threshold, the other half bounds epsilon at confidence ``1 - alpha``.
    ``seed`` fixes the data, the trials and the noise (an audit replays a trainer; it never ships).
    """
    claimed_epsilon = check_float("claimed_epsilon", claimed_epsilon, minimum=0.0, min_inclusive=False)
    trainer = check_choice("trainer", trainer, TRAINERS)
    delta = check_probability("delta", delta, open_low=True, open_high=True)
    steps = check_int("steps", steps, minimum=1)
    sample_rate = check_probability("sample_rate", sample_rate, open_low=True)
    n_trials = check_int("n_trials", n_trials, minimum=40)
    n_records = check_int("n_records", n_records, minimum=10)
    alpha = check_probability("alpha", alpha, open_low=True, open_high=True)
    seed = check_int("seed", seed, minimum=0)
    sigma = _calibrated_noise(claimed_epsilon, delta, sample_rate, steps)
    accountant = RDPAccountant()
    accountant.step(noise_multiplier=sigma, sample_rate=sample_rate, num_steps=steps)
    if accountant.get_epsilon(delta) > claimed_epsilon * (1 + 1e-9):
        raise RuntimeError("the calibrated noise does not meet the claimed epsilon")
    X, y, _ = ds.sensitive_design_matrix(ds.sensitive_tabular(max(n_records, 20), seed=seed))
    X, y = X[:n_records], y[:n_records]
    rng = np.random.default_rng(seed)
    with_canary = np.arange(n_trials) % 2 == 0
    kwargs = dict(noise_multiplier=sigma, sample_rate=sample_rate, steps=steps, rng=rng, progress=progress)
    if trainer == "correct":
        W = dp_sgd_trials(X, y, with_canary, **kwargs)
    else:
        W = broken_dp_sgd_trials(X, y, with_canary, mistake=trainer, **kwargs)
    scores = -W[:, X.shape[1]]  # the canary's gradient pushes its weight down
    select = rng.permutation(n_trials) < n_trials // 2
    threshold = choose_threshold(scores[select & with_canary], scores[select & ~with_canary], delta, alpha)
    eps_lb, fpr_hi, fnr_hi = epsilon_lower_bound(
        scores[~select & with_canary], scores[~select & ~with_canary], threshold, delta, alpha
    )
    return AuditResult(
        trainer, claimed_epsilon, delta, sigma, eps_lb, threshold, fpr_hi, fnr_hi, n_trials, alpha
    )
