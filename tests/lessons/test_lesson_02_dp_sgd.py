"""The DP-SGD lesson grades right from wrong with the real nbgrader CLI.

Every graded function gets plausible wrong answers (each losing marks), a delegation cheat (zero on
that function, with a message naming what it called) and other correct answers (full marks). Each
submission fills every graded function with one variant, so six submissions cover them all in one
``autograde_variants`` run; further cheats (dishonest return values, other delegations) run the same
graded cells in this process.
"""

import ast
import math

import numpy as np
import pandas as pd
import pytest
from written_answers import (
    assert_rubric_for_the_learner_and_reference_for_the_instructor,
    assert_written_answer_graded_by_hand,
    code_answers,
)

from autograder.testing import (
    autograde_variants,
    code_cells,
    hidden_tests,
    notebook_with_answers,
    release_notebook,
    solution_answers,
)

A = "02_dp_sgd"
CELLS = {
    "clip": ("test_clip", "test_clip_edges"),
    "noise": ("test_noise", "test_noise_rng"),
    "account": ("test_account",),
    "gradients": ("test_gradients", "test_gradients_extreme"),
    "dp_sgd_step": ("test_dp_sgd_step", "test_dp_sgd_step_noise"),
    "epsilon_per_epoch": ("test_epsilon_per_epoch", "test_epsilon_per_epoch_opacus"),
}
ORDER = tuple(c for cells in CELLS.values() for c in cells)
POINTS = {"test_clip": 2, "test_clip_edges": 2, "test_noise": 2, "test_noise_rng": 1, "test_account": 2,
          "test_gradients": 3, "test_gradients_extreme": 1, "test_dp_sgd_step": 4, "test_dp_sgd_step_noise": 3,
          "test_epsilon_per_epoch": 3, "test_epsilon_per_epoch_opacus": 2}
MAX_SCORE = sum(POINTS.values())
MANUAL = "interview_dp_sgd_choice"  # the written answer, graded by hand
MANUAL_POINTS = 3

# --- clip_gradients ---------------------------------------------------------------------------------
# The mistake the lesson warns about: clipping the batch gradient instead of each example's.
BATCH_CLIP = """
def clip_gradients(per_example_grads, max_norm):
    g = np.asarray(per_example_grads, dtype=float)
    norm = np.linalg.norm(g.sum(axis=0))
    return g * min(1.0, max_norm / max(norm, 1e-12))
"""
# Clips every coordinate to [-C, C]: bounds the L-infinity norm, not the L2 norm.
COORDINATE_CLIP = """
def clip_gradients(per_example_grads, max_norm):
    return np.clip(np.asarray(per_example_grads, dtype=float), -max_norm, max_norm)
"""
# Normalise, then scale to min(norm, C): right for every row but an all-zero one, which becomes 0/0 = NaN.
RESCALE_CLIP = """
def clip_gradients(per_example_grads, max_norm):
    g = np.asarray(per_example_grads, dtype=float)
    norms = np.linalg.norm(g, axis=1, keepdims=True)
    return g / norms * np.minimum(norms, max_norm)
"""
# Opacus's convention, a small constant in the denominator: rows at the boundary shrink.
EPSILON_CLIP = """
def clip_gradients(per_example_grads, max_norm):
    g = np.asarray(per_example_grads, dtype=float)
    norms = np.linalg.norm(g, axis=1, keepdims=True)
    return g * np.minimum(1.0, max_norm / (norms + 1e-6))
"""
# Scales every row to norm C, small ones up too.
NORMALISE_CLIP = """
def clip_gradients(per_example_grads, max_norm):
    g = np.asarray(per_example_grads, dtype=float)
    return g * max_norm / np.linalg.norm(g, axis=1, keepdims=True)
"""
# Cheats: the kit's own clipping, a sibling of the reference; PyTorch's clipping row by row.
SIBLING_CLIP = """
from ppml_lab.dp import clip_l2

def clip_gradients(per_example_grads, max_norm):
    return clip_l2(per_example_grads, max_norm)
"""
TORCH_CLIP = """
import torch

def clip_gradients(per_example_grads, max_norm):
    rows = []
    for row in np.asarray(per_example_grads, dtype=float):
        t = torch.tensor(row, requires_grad=True)
        t.grad = torch.tensor(row)
        torch.nn.utils.clip_grad_norm_([t], max_norm)
        rows.append(t.grad.numpy())
    return np.array(rows)
"""
DISHONEST_CLIP = """
class _Any(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)

def clip_gradients(per_example_grads, max_norm):
    return np.zeros(np.shape(per_example_grads)).view(_Any)
"""
# Other correct answers: a loop over rows returning lists; division by max(1, norm / C).
LOOP_CLIP = """
def clip_gradients(per_example_grads, max_norm):
    out = []
    for row in per_example_grads:
        norm = math.sqrt(sum(float(x) ** 2 for x in row))
        scale = max_norm / norm if norm > max_norm else 1.0
        out.append([float(x) * scale for x in row])
    return out
"""
# Correct, with an unguarded C / 0 = inf and min(1, inf) = 1: NumPy warns on stderr, which costs nothing.
UNGUARDED_CLIP = """
def clip_gradients(per_example_grads, max_norm):
    g = np.asarray(per_example_grads, dtype=float)
    norms = np.linalg.norm(g, axis=1, keepdims=True)
    return g * np.minimum(1.0, max_norm / norms)
"""
RATIO_CLIP = """
def clip_gradients(per_example_grads, max_norm):
    g = np.asarray(per_example_grads, dtype=float)
    return g / np.maximum(1.0, np.linalg.norm(g, axis=1, keepdims=True) / max_norm)
"""

# --- noisy_sum ---------------------------------------------------------------------------------------
# Noise on every row, then the sum: its std is sqrt(n) times too large.
PER_ROW_NOISE = """
def noisy_sum(clipped, noise_multiplier, max_norm, rng):
    c = np.asarray(clipped, dtype=float)
    return (c + rng.normal(0.0, noise_multiplier * max_norm, size=c.shape)).sum(axis=0)
"""
# One scalar for every coordinate: each coordinate looks right, together they are perfectly correlated.
SCALAR_NOISE = """
def noisy_sum(clipped, noise_multiplier, max_norm, rng):
    return np.asarray(clipped, dtype=float).sum(axis=0) + rng.normal(0.0, noise_multiplier * max_norm)
"""
# NumPy's global generator instead of the rng argument.
GLOBAL_NOISE = """
def noisy_sum(clipped, noise_multiplier, max_norm, rng):
    total = np.asarray(clipped, dtype=float).sum(axis=0)
    return total + np.random.normal(0.0, noise_multiplier * max_norm, size=total.shape)
"""
# The noise multiplier alone, forgetting the clipping norm.
NO_NORM_NOISE = """
def noisy_sum(clipped, noise_multiplier, max_norm, rng):
    total = np.asarray(clipped, dtype=float).sum(axis=0)
    return total + rng.normal(0.0, noise_multiplier, size=total.shape)
"""
DELEGATING_NOISE = """
from ppml_lab.dp import add_gaussian_noise

def noisy_sum(clipped, noise_multiplier, max_norm, rng):
    return add_gaussian_noise(np.sum(clipped, axis=0), noise_multiplier, max_norm, rng)
"""
DISHONEST_NOISE = """
class _Any(float):
    def __eq__(self, other):
        return True
    def __abs__(self):
        return 0.0

def noisy_sum(clipped, noise_multiplier, max_norm, rng):
    return [_Any(rng.normal()) for _ in range(np.shape(clipped)[1])]
"""
LOOP_NOISE = """
def noisy_sum(clipped, noise_multiplier, max_norm, rng):
    totals = np.asarray(clipped, dtype=float).sum(axis=0)
    return [float(t) + rng.normal(0.0, noise_multiplier * max_norm) for t in totals]
"""
STANDARD_NOISE = """
def noisy_sum(clipped, noise_multiplier, max_norm, rng):
    total = np.sum(clipped, axis=0)
    return total + noise_multiplier * max_norm * rng.standard_normal(total.shape)
"""

# --- epsilon_from_rdp --------------------------------------------------------------------------------
# Mironov's original conversion, without the (alpha - 1) / alpha improvement.
MIRONOV_EPS = """
def epsilon_from_rdp(orders, rdp, delta):
    a, r = np.asarray(orders, dtype=float), np.asarray(rdp, dtype=float)
    return float(np.min(r + np.log(1 / delta) / (a - 1)))
"""
# The worst order instead of the best.
MAX_EPS = """
def epsilon_from_rdp(orders, rdp, delta):
    a, r = np.asarray(orders, dtype=float), np.asarray(rdp, dtype=float)
    return float(np.max(r - (np.log(delta) + np.log(a)) / (a - 1) + np.log((a - 1) / a)))
"""
# Picks the order with the smallest RDP, then converts at that order.
SMALLEST_RDP_EPS = """
def epsilon_from_rdp(orders, rdp, delta):
    a, r = np.asarray(orders, dtype=float), np.asarray(rdp, dtype=float)
    i = int(np.argmin(r))
    return float(r[i] - (np.log(delta) + np.log(a[i])) / (a[i] - 1) + np.log((a[i] - 1) / a[i]))
"""
OPACUS_EPS = """
from opacus.accountants.analysis.rdp import get_privacy_spent

def epsilon_from_rdp(orders, rdp, delta):
    return float(get_privacy_spent(orders=orders, rdp=rdp, delta=delta)[0])
"""
KIT_EPS = """
from ppml_lab.dp.analysis import rdp as _rdp

def epsilon_from_rdp(orders, rdp, delta):
    return _rdp.get_privacy_spent(orders, rdp, delta)[0]
"""
DISHONEST_EPS = """
class _Any(float):
    def __eq__(self, other):
        return True
    def __lt__(self, other):
        return True
    def __gt__(self, other):
        return True
    def __abs__(self):
        return 0.0
    def __sub__(self, other):
        return _Any(0.0)

def epsilon_from_rdp(orders, rdp, delta):
    return _Any(1.7)
"""
LOOP_EPS = """
def epsilon_from_rdp(orders, rdp, delta):
    best = math.inf
    for a, r in zip(orders, rdp):
        best = min(best, r + math.log1p(-1 / a) - (math.log(delta) + math.log(a)) / (a - 1))
    return best
"""
NUMPY_SCALAR_EPS = """
def epsilon_from_rdp(orders, rdp, delta):
    a = np.asarray(orders, dtype=float)
    return np.min(np.asarray(rdp) + np.log((a - 1) / a) - (np.log(delta) + np.log(a)) / (a - 1))
"""

# --- logistic_gradients ------------------------------------------------------------------------------
# (y - p) instead of (p - y): the gradient of the log-likelihood, a step uphill.
GRAD_SIGN = """
def logistic_gradients(w, X, y):
    Xb = np.hstack([X, np.ones((len(X), 1))])
    p = 1.0 / (1.0 + np.exp(-(Xb @ w)))
    return (y - p)[:, None] * Xb
"""
# Forgets the bias column: one weight short per row.
GRAD_NO_BIAS = """
def logistic_gradients(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w[:-1] + w[-1])))
    return (p - y)[:, None] * X
"""
# Right formula, math.exp row by row: OverflowError past a logit of about -709.
GRAD_MATH_EXP = """
def logistic_gradients(w, X, y):
    rows = []
    for x, label in zip(X, y):
        p = 1.0 / (1.0 + math.exp(-(float(np.dot(x, w[:-1])) + w[-1])))
        rows.append([(p - label) * v for v in x] + [p - label])
    return np.array(rows)
"""
# The batch's mean gradient: what plain SGD needs, useless for per-example clipping.
GRAD_MEAN = """
def logistic_gradients(w, X, y):
    Xb = np.hstack([X, np.ones((len(X), 1))])
    p = 1.0 / (1.0 + np.exp(-(Xb @ w)))
    return ((p - y)[:, None] * Xb).mean(axis=0)
"""
# The bias column is there, but the bias is left out of the logit.
GRAD_LOGIT_NO_BIAS = """
def logistic_gradients(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w[:-1])))
    return (p - y)[:, None] * np.hstack([X, np.ones((len(X), 1))])
"""
GRAD_KIT = """
from ppml_lab.dp import logistic_per_sample_gradients

def logistic_gradients(w, X, y):
    return logistic_per_sample_gradients(w, X, y)
"""
# Other correct answers: a loop with the two-sided stable sigmoid; scipy's expit.
GRAD_LOOP = """
def logistic_gradients(w, X, y):
    out = []
    for x, label in zip(X, y):
        z = sum(float(a) * float(b) for a, b in zip(x, w[:-1])) + float(w[-1])
        p = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
        out.append([(p - label) * float(a) for a in x] + [p - label])
    return out
"""
GRAD_EXPIT = """
from scipy.special import expit

def logistic_gradients(w, X, y):
    Xb = np.c_[X, np.ones(len(X))]
    return (expit(Xb @ w) - y)[:, None] * Xb
"""

# --- dp_sgd_step -------------------------------------------------------------------------------------
# Divides by the drawn batch size instead of the expected one.
STEP_DRAWN_BATCH = """
from ppml_lab.dp import logistic_per_sample_gradients

def dp_sgd_step(w, X, y, sample_rate, noise_multiplier, max_norm, lr, rng):
    w = np.asarray(w, dtype=float)
    batch = rng.random(len(X)) < sample_rate
    g = logistic_per_sample_gradients(w, X[batch], y[batch])
    g = g * np.minimum(1.0, max_norm / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-12))
    noisy = g.sum(axis=0) + rng.normal(0.0, noise_multiplier * max_norm, size=w.shape)
    return w - lr * noisy / max(batch.sum(), 1)
"""
# A fixed-size batch drawn without replacement: not the Poisson sampling the accountant assumes.
STEP_FIXED_BATCH = """
from ppml_lab.dp import logistic_per_sample_gradients

def dp_sgd_step(w, X, y, sample_rate, noise_multiplier, max_norm, lr, rng):
    w = np.asarray(w, dtype=float)
    idx = rng.choice(len(X), size=int(round(sample_rate * len(X))), replace=False)
    g = logistic_per_sample_gradients(w, X[idx], y[idx])
    g = g * np.minimum(1.0, max_norm / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-12))
    noisy = g.sum(axis=0) + rng.normal(0.0, noise_multiplier * max_norm, size=w.shape)
    return w - lr * noisy / (sample_rate * len(X))
"""
# Noise of std sigma, forgetting the clipping norm.
STEP_NOISE_NO_C = """
from ppml_lab.dp import logistic_per_sample_gradients

def dp_sgd_step(w, X, y, sample_rate, noise_multiplier, max_norm, lr, rng):
    w = np.asarray(w, dtype=float)
    batch = rng.random(len(X)) < sample_rate
    g = logistic_per_sample_gradients(w, X[batch], y[batch])
    g = g * np.minimum(1.0, max_norm / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-12))
    noisy = g.sum(axis=0) + rng.normal(0.0, noise_multiplier, size=w.shape)
    return w - lr * noisy / (sample_rate * len(X))
"""
# Noise on every sampled example's gradient instead of once on the sum.
STEP_NOISE_PER_EXAMPLE = """
from ppml_lab.dp import logistic_per_sample_gradients

def dp_sgd_step(w, X, y, sample_rate, noise_multiplier, max_norm, lr, rng):
    w = np.asarray(w, dtype=float)
    batch = rng.random(len(X)) < sample_rate
    g = logistic_per_sample_gradients(w, X[batch], y[batch])
    g = g * np.minimum(1.0, max_norm / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-12))
    noisy = (g + rng.normal(0.0, noise_multiplier * max_norm, size=g.shape)).sum(axis=0)
    return w - lr * noisy / (sample_rate * len(X))
"""
# Clips the batch's summed gradient, not each example's: no bound on any one person's influence.
STEP_CLIP_SUM = """
from ppml_lab.dp import logistic_per_sample_gradients

def dp_sgd_step(w, X, y, sample_rate, noise_multiplier, max_norm, lr, rng):
    w = np.asarray(w, dtype=float)
    batch = rng.random(len(X)) < sample_rate
    total = logistic_per_sample_gradients(w, X[batch], y[batch]).sum(axis=0)
    total = total * min(1.0, max_norm / max(np.linalg.norm(total), 1e-12))
    noisy = total + rng.normal(0.0, noise_multiplier * max_norm, size=w.shape)
    return w - lr * noisy / (sample_rate * len(X))
"""
STEP_KIT = """
from ppml_lab.dp import logistic_dp_sgd_step

def dp_sgd_step(w, X, y, sample_rate, noise_multiplier, max_norm, lr, rng):
    return logistic_dp_sgd_step(w, X, y, sample_rate, noise_multiplier, max_norm, lr, rng)
"""
# Row by row, the gradient by hand; every gradient computed, then masked.
STEP_LOOP = """
def dp_sgd_step(w, X, y, sample_rate, noise_multiplier, max_norm, lr, rng):
    w = [float(v) for v in w]
    total = [0.0] * len(w)
    for x, label in zip(X, y):
        if rng.random() >= sample_rate:
            continue
        z = sum(a * b for a, b in zip(x, w[:-1])) + w[-1]
        p = 1.0 / (1.0 + math.exp(-z))
        g = [(p - label) * a for a in x] + [p - label]
        norm = math.sqrt(sum(v * v for v in g))
        scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
        total = [t + scale * v for t, v in zip(total, g)]
    noisy = [t + rng.normal(0.0, noise_multiplier * max_norm) for t in total]
    return np.array([wi - lr * v / (sample_rate * len(X)) for wi, v in zip(w, noisy)])
"""
STEP_MASKED = """
from ppml_lab.dp import logistic_per_sample_gradients

def dp_sgd_step(w, X, y, sample_rate, noise_multiplier, max_norm, lr, rng):
    mask = (rng.random(len(X)) < sample_rate).astype(float)
    g = logistic_per_sample_gradients(np.asarray(w, dtype=float), X, y)
    g = g / np.maximum(1.0, np.linalg.norm(g, axis=1, keepdims=True) / max_norm)
    summed = (mask[:, None] * g).sum(axis=0)
    noisy = summed + noise_multiplier * max_norm * rng.standard_normal(summed.shape)
    return w - lr * noisy / (sample_rate * len(X))
"""

# --- epsilon_per_epoch -------------------------------------------------------------------------------
_CONVERT = "(r - (np.log(delta) + np.log(a)) / (a - 1) + np.log((a - 1) / a)).min()"
# Composes the per-epoch epsilons (basic composition of converted values), not the RDP.
EPOCH_COMPOSED_EPS = f"""
def epsilon_per_epoch(sample_rate, noise_multiplier, steps_per_epoch, epochs, delta):
    a = np.asarray(DEFAULT_ALPHAS)
    r = compute_rdp(sample_rate, noise_multiplier, steps_per_epoch, DEFAULT_ALPHAS)
    one = float({_CONVERT})
    return [e * one for e in range(1, epochs + 1)]
"""
# Drops the sampling rate: every step accounted as a full-batch Gaussian.
EPOCH_NO_SAMPLING = f"""
def epsilon_per_epoch(sample_rate, noise_multiplier, steps_per_epoch, epochs, delta):
    a = np.asarray(DEFAULT_ALPHAS)
    out = []
    for e in range(1, epochs + 1):
        r = compute_rdp(1.0, noise_multiplier, e * steps_per_epoch, DEFAULT_ALPHAS)
        out.append(float({_CONVERT}))
    return out
"""
# Counts epochs as steps.
EPOCH_AS_STEPS = f"""
def epsilon_per_epoch(sample_rate, noise_multiplier, steps_per_epoch, epochs, delta):
    a = np.asarray(DEFAULT_ALPHAS)
    out = []
    for e in range(1, epochs + 1):
        r = compute_rdp(sample_rate, noise_multiplier, e, DEFAULT_ALPHAS)
        out.append(float({_CONVERT}))
    return out
"""
EPOCH_OPACUS = """
from opacus.accountants import RDPAccountant as _OpacusRDP

def epsilon_per_epoch(sample_rate, noise_multiplier, steps_per_epoch, epochs, delta):
    acc, out = _OpacusRDP(), []
    for _ in range(epochs):
        for _ in range(steps_per_epoch):
            acc.step(noise_multiplier=noise_multiplier, sample_rate=sample_rate)
        out.append(acc.get_epsilon(delta))
    return out
"""
EPOCH_LOOP = """
def epsilon_per_epoch(sample_rate, noise_multiplier, steps_per_epoch, epochs, delta):
    out = []
    for e in range(1, epochs + 1):
        rdp = compute_rdp(sample_rate, noise_multiplier, e * steps_per_epoch, DEFAULT_ALPHAS)
        out.append(min(r - (math.log(delta) + math.log(a)) / (a - 1) + math.log((a - 1) / a)
                       for a, r in zip(DEFAULT_ALPHAS, rdp)))
    return out
"""
EPOCH_MATRIX = """
def epsilon_per_epoch(sample_rate, noise_multiplier, steps_per_epoch, epochs, delta):
    a = np.asarray(DEFAULT_ALPHAS)
    one = compute_rdp(sample_rate, noise_multiplier, steps_per_epoch, DEFAULT_ALPHAS)
    r = np.arange(1, epochs + 1)[:, None] * one[None, :]
    return (r - (np.log(delta) + np.log(a)) / (a - 1) + np.log((a - 1) / a)).min(axis=1)
"""

# name: answers in the order of CELLS, then which graded cells pass, in ORDER (1: full marks, 0: none)
VARIANTS = {
    "wrong1": ((BATCH_CLIP, PER_ROW_NOISE, MIRONOV_EPS, GRAD_SIGN, STEP_DRAWN_BATCH, EPOCH_COMPOSED_EPS),
               (0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0)),
    "wrong2": ((COORDINATE_CLIP, SCALAR_NOISE, MAX_EPS, GRAD_NO_BIAS, STEP_FIXED_BATCH, EPOCH_NO_SAMPLING),
               (0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0)),
    "wrong3": ((RESCALE_CLIP, GLOBAL_NOISE, SMALLEST_RDP_EPS, GRAD_MATH_EXP, STEP_NOISE_NO_C, EPOCH_AS_STEPS),
               (1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0)),
    "cheat": ((SIBLING_CLIP, DELEGATING_NOISE, OPACUS_EPS, GRAD_KIT, STEP_KIT, EPOCH_OPACUS), (0,) * 11),
    "alt1": ((LOOP_CLIP, LOOP_NOISE, LOOP_EPS, GRAD_LOOP, STEP_LOOP, EPOCH_LOOP), (1,) * 11),
    "alt2": ((UNGUARDED_CLIP, STANDARD_NOISE, NUMPY_SCALAR_EPS, GRAD_EXPIT, STEP_MASKED, EPOCH_MATRIX), (1,) * 11),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    answers = solution_answers(A)
    assert set(answers) == set(CELLS) | {MANUAL}
    notebooks = {"solution": notebook_with_answers(A, answers), "blank": release_notebook(A)}
    for name, (fills, _) in VARIANTS.items():
        notebooks[name] = notebook_with_answers(A, dict(zip(CELLS, fills, strict=True)))
    return autograde_variants(A, notebooks, tmp_path_factory.mktemp("grading02"), timeout=1800)


@pytest.mark.timeout(1800)
def test_solution_full_blank_zero(graded):
    full, blank = graded["solution"], graded["blank"]
    assert full.max_score == MAX_SCORE and full.score == MAX_SCORE, full.cells
    assert blank.score == 0 and blank.max_score == MAX_SCORE, blank.cells


@pytest.mark.timeout(1800)
def test_the_written_answer_waits_for_the_instructor(graded):
    # the solution's answer is pending in formgrader; the blank's and the submissions' untouched copies score 0
    assert_written_answer_graded_by_hand(graded, MANUAL, MANUAL_POINTS, MAX_SCORE, ("blank", *VARIANTS))


def test_the_rubric_is_shown_and_the_reference_answer_kept():
    assert_rubric_for_the_learner_and_reference_for_the_instructor(A, MANUAL, MANUAL_POINTS, rubric_items=4)


@pytest.mark.timeout(1800)
def test_wrong_answers_lose_marks_cheats_earn_none_alternatives_earn_all(graded):
    marks = {name: tuple(graded[name].cells[c][0] for c in ORDER) for name in VARIANTS}
    assert marks == {name: tuple(float(POINTS[c] * ok) for c, ok in zip(ORDER, v[1], strict=True))
                     for name, v in VARIANTS.items()}
    cheat = graded["cheat"]
    assert "ppml_lab.dp.clip_l2, a function of the kit" in cheat.outputs_text("test_clip")
    assert "the reference implementation it is graded against" in cheat.outputs_text("test_noise")
    assert "opacus.accountants" in cheat.outputs_text("test_account")
    assert "opacus.accountants" in cheat.outputs_text("test_epsilon_per_epoch")
    assert "ppml_lab.dp.logistic_dp_sgd_step" in cheat.outputs_text("test_dp_sgd_step")
    assert "the reference implementation it is graded against" in cheat.outputs_text("test_gradients")
    assert "opacus.accountants" in cheat.outputs_text("test_epsilon_per_epoch_opacus")
    assert "OverflowError" in graded["wrong3"].outputs_text("test_gradients_extreme")
    assert "Poisson sampling" in graded["wrong2"].outputs_text("test_dp_sgd_step")
    assert "expected batch size" in graded["wrong1"].outputs_text("test_dp_sgd_step")
    # the visible checks catch these first; the hidden tests alone are checked in process below
    assert "every coordinate needs noise of its own" in graded["wrong2"].outputs_text("test_noise")
    assert "draw it from rng" in graded["wrong3"].outputs_text("test_noise_rng")
    assert "a zero row stays zero" in graded["wrong3"].outputs_text("test_clip_edges")
    # NumPy's divide-by-zero warning is shown to the learner and costs nothing
    assert "divide by zero" in graded["alt2"].outputs_text("test_clip_edges")


# --- the same graded cells, run in this process, for further cheats -----------------------------------
@pytest.fixture(scope="module")
def cells():
    return code_cells(A)


def _grade(cells, answer_id: str, answer: str, *, hidden_only: bool = False) -> None:
    """Run the answer, then its graded cells (only their hidden tests when ``hidden_only``)."""
    namespace = {"np": np, "math": math, "pd": pd}
    exec("from ppml_lab.dp.analysis.rdp import DEFAULT_ALPHAS, compute_rdp", namespace)
    exec("from ppml_lab.dp import logistic_per_sample_gradients", namespace)
    for solution in code_answers(A, MANUAL).values():  # the other answers, as the notebook defines them
        exec(solution, namespace)
    exec(answer, namespace)
    for cell in CELLS[answer_id]:
        source = cells[cell]
        exec(hidden_tests(source) if hidden_only else source, namespace)


def test_every_solution_passes_its_graded_cells_in_process(cells):
    for answer_id, answer in code_answers(A, MANUAL).items():
        _grade(cells, answer_id, answer)
        _grade(cells, answer_id, answer, hidden_only=True)


@pytest.mark.parametrize(
    ("answer_id", "answer", "message"),
    [
        ("clip", TORCH_CLIP, "clip_grad_norm_"),
        ("clip", DISHONEST_CLIP, "subclass|disguise|_Any"),
        ("clip", EPSILON_CLIP, "clipped on its own|unchanged"),
        ("clip", NORMALISE_CLIP, ""),
        ("clip", RESCALE_CLIP, "guard the division"),
        ("noise", NO_NORM_NOISE, "Kolmogorov-Smirnov"),
        ("noise", DISHONEST_NOISE, "_Any"),
        ("noise", SCALAR_NOISE, "correlated across coordinates"),
        ("noise", GLOBAL_NOISE, "rng argument"),
        ("account", KIT_EPS, "the reference implementation"),
        ("account", DISHONEST_EPS, "_Any"),
        ("gradients", GRAD_MEAN, "shape"),
        ("gradients", GRAD_LOGIT_NO_BIAS, "sigmoid"),
        ("dp_sgd_step", STEP_NOISE_PER_EXAMPLE, "noise of the step"),
        ("dp_sgd_step", STEP_CLIP_SUM, "expected batch size|sample_rate 1"),
    ],
    ids=["torch-clip", "dishonest-clip", "epsilon-clip", "normalise-clip", "rescale-clip", "no-norm-noise",
         "dishonest-noise", "scalar-noise", "global-noise",
         "kit-eps", "dishonest-eps", "mean-gradient", "logit-without-bias", "noise-per-example", "clip-the-sum"],
)
def test_graded_cells_reject_more_wrong_answers_and_cheats(cells, answer_id, answer, message):
    # the hidden tests alone must refuse it: the visible checks are only the learner's first hint
    with pytest.raises(AssertionError, match=message):
        _grade(cells, answer_id, answer, hidden_only=True)


@pytest.mark.parametrize(("answer_id", "answer"), [("clip", RATIO_CLIP)], ids=["ratio-clip"])
def test_graded_cells_accept_more_correct_answers(cells, answer_id, answer):
    _grade(cells, answer_id, answer)


def test_no_graded_cell_ends_in_an_expression(cells):
    # nbgrader reads a number shown as a test cell's result as partial credit (a p-value, a noisy draw)
    graded = [gid for cells_of in CELLS.values() for gid in cells_of]
    for gid in graded:
        assert not isinstance(ast.parse(cells[gid]).body[-1], ast.Expr), gid
