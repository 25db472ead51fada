"""The DP foundations lesson grades right from wrong with the real nbgrader CLI.

Every graded function gets plausible wrong answers (each losing marks), a delegation cheat (zero on
that function, with a message naming what it called) and other correct answers (full marks). Each
submission fills every graded function with one variant, so six submissions cover them all in one
``autograde_variants`` run; dishonest return values and further cheats run the same graded cells in
this process.
"""

import ast
import math

import numpy as np
import pytest
from scipy import stats
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

A = "01_dp_foundations"
MANUAL = "interview_epsilon_one"  # the written answer, graded by hand
MANUAL_POINTS = 3
CELLS = {
    "laplace": ("test_laplace_distribution", "test_laplace_rng", "test_laplace_errors"),
    "gaussian_sigma": ("test_gaussian_sigma",),
    "exponential": ("test_exponential",),
    "exponential_sample": ("test_exponential_sample",),
    "report_noisy_max": ("test_report_noisy_max",),
    "above_threshold": ("test_above_threshold",),
    "rr_estimate": ("test_rr_estimate",),
    "advanced_composition": ("test_advanced_composition",),
}
ORDER = tuple(c for cells in CELLS.values() for c in cells)
MAX_SCORE = 18

# --- laplace_mechanism ------------------------------------------------------------------------------
# A classic slip: the scale written as epsilon / sensitivity.
LAPLACE_INVERTED = """
def laplace_mechanism(value, sensitivity, epsilon, rng):
    if epsilon <= 0 or sensitivity <= 0:
        raise ValueError("epsilon and sensitivity must be > 0")
    return value + rng.laplace(0.0, epsilon / sensitivity)
"""
# One-sided noise (an exponential), and no argument checks.
LAPLACE_ONE_SIDED = """
def laplace_mechanism(value, sensitivity, epsilon, rng):
    return value + rng.exponential(sensitivity / epsilon)
"""
# NumPy's global generator instead of the rng argument.
LAPLACE_GLOBAL = """
def laplace_mechanism(value, sensitivity, epsilon, rng):
    if epsilon <= 0 or sensitivity <= 0:
        raise ValueError("epsilon and sensitivity must be > 0")
    return value + np.random.laplace(0.0, sensitivity / epsilon)
"""
LAPLACE_DELEGATING = """
from ppml_lab.dp import LaplaceMechanism

def laplace_mechanism(value, sensitivity, epsilon, rng):
    return LaplaceMechanism(epsilon, sensitivity).randomise(value, rng)
"""
LAPLACE_DISHONEST = """
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

def laplace_mechanism(value, sensitivity, epsilon, rng):
    if epsilon <= 0 or sensitivity <= 0:
        raise ValueError("epsilon and sensitivity must be > 0")
    return _Any(value)
"""
# Inverse CDF from one uniform; a difference of two exponentials (both Laplace).
LAPLACE_INVERSE_CDF = """
def laplace_mechanism(value, sensitivity, epsilon, rng):
    if not epsilon > 0:
        raise ValueError(f"epsilon must be positive, got {epsilon}")
    if not sensitivity > 0:
        raise ValueError(f"sensitivity must be positive, got {sensitivity}")
    u = rng.random() - 0.5
    return value - (sensitivity / epsilon) * math.copysign(1.0, u) * math.log(1.0 - 2.0 * abs(u))
"""
LAPLACE_TWO_EXPONENTIALS = """
def laplace_mechanism(value, sensitivity, epsilon, rng):
    if min(epsilon, sensitivity) <= 0:
        raise ValueError("epsilon and sensitivity must both be > 0")
    b = sensitivity / epsilon
    return np.float64(value) + rng.exponential(b) - rng.exponential(b)
"""

# --- analytic_gaussian_sigma -------------------------------------------------------------------------
# The classic bound the text shows, not the analytic calibration.
SIGMA_CLASSIC = """
def analytic_gaussian_sigma(epsilon, delta, sensitivity):
    return math.sqrt(2.0 * math.log(1.25 / delta)) * sensitivity / epsilon
"""
# Forgets the e^epsilon factor of the second term.
SIGMA_NO_EXP = """
def analytic_gaussian_sigma(epsilon, delta, sensitivity):
    def d(s):
        return stats.norm.cdf(sensitivity / (2 * s) - epsilon * s / sensitivity) - stats.norm.cdf(
            -sensitivity / (2 * s) - epsilon * s / sensitivity)
    lo, hi = 1e-6, 1.0
    while d(hi) > delta:
        lo, hi = hi, 2 * hi
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if d(mid) > delta else (lo, mid)
    return hi
"""
# Bisection on a fixed bracket [0, 50]: misses the large sigma of a small epsilon.
SIGMA_FIXED_BRACKET = """
def analytic_gaussian_sigma(epsilon, delta, sensitivity):
    def d(s):
        a, b = sensitivity / (2 * s), epsilon * s / sensitivity
        return stats.norm.cdf(a - b) - math.exp(epsilon) * stats.norm.cdf(-a - b)
    lo, hi = 1e-9, 50.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if d(mid) > delta:
            lo = mid
        else:
            hi = mid
    return hi
"""
SIGMA_KIT = """
from ppml_lab.dp import GaussianMechanism

def analytic_gaussian_sigma(epsilon, delta, sensitivity):
    return GaussianMechanism(epsilon, delta, sensitivity).sigma
"""
SIGMA_BRENTQ = """
from scipy.optimize import brentq

def analytic_gaussian_sigma(epsilon, delta, sensitivity):
    def d(s):
        a, b = sensitivity / (2 * s), epsilon * s / sensitivity
        return stats.norm.cdf(a - b) - math.exp(epsilon) * stats.norm.cdf(-a - b) - delta
    return brentq(d, 1e-6, 1e6, xtol=1e-14)
"""
SIGMA_DISHONEST = LAPLACE_DISHONEST.split("def laplace")[0] + """
def analytic_gaussian_sigma(epsilon, delta, sensitivity):
    return _Any(7.0)
"""
# Phi through math.erf, with a while loop; bisection on log(sigma) with scipy.special.ndtr.
SIGMA_ERF = """
def analytic_gaussian_sigma(epsilon, delta, sensitivity):
    phi = lambda x: 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))
    def privacy_profile(s):
        a, b = sensitivity / (2 * s), epsilon * s / sensitivity
        return phi(a - b) - math.exp(epsilon) * phi(-a - b)
    lo, hi = 0.0, sensitivity
    while privacy_profile(hi) > delta:
        lo, hi = hi, hi * 2
    while hi - lo > 1e-13 * hi:
        mid = lo + (hi - lo) / 2
        if privacy_profile(mid) > delta:
            lo = mid
        else:
            hi = mid
    return hi
"""
SIGMA_LOG = """
from scipy.special import ndtr

def analytic_gaussian_sigma(epsilon, delta, sensitivity):
    def too_little_noise(log_s):
        s = np.exp(log_s)
        a, b = sensitivity / (2 * s), epsilon * s / sensitivity
        return ndtr(a - b) - np.exp(epsilon) * ndtr(-a - b) > delta
    lo, hi = np.log(sensitivity) - 20, np.log(sensitivity) + 1
    while too_little_noise(hi):
        hi += 1
    for _ in range(100):
        mid = (lo + hi) / 2
        if too_little_noise(mid):
            lo = mid
        else:
            hi = mid
    return np.exp(hi)
"""

# --- exponential_probabilities -----------------------------------------------------------------------
# Forgets the 2 in exp(eps * u / (2 * sensitivity)).
PROBS_NO_HALF = """
def exponential_probabilities(utilities, epsilon, sensitivity):
    logits = epsilon * np.asarray(utilities, dtype=float) / sensitivity
    w = np.exp(logits - logits.max())
    return w / w.sum()
"""
# No shift before exp: large utilities overflow to inf / inf = NaN.
PROBS_OVERFLOW = """
def exponential_probabilities(utilities, epsilon, sensitivity):
    w = np.exp(epsilon * np.asarray(utilities, dtype=float) / (2 * sensitivity))
    return w / w.sum()
"""
# A softmax of the raw utilities: epsilon and the sensitivity left out.
PROBS_RAW_SOFTMAX = """
def exponential_probabilities(utilities, epsilon, sensitivity):
    u = np.asarray(utilities, dtype=float)
    w = np.exp(u - u.max())
    return w / w.sum()
"""
PROBS_DELEGATING = """
from ppml_lab.dp import ExponentialMechanism

def exponential_probabilities(utilities, epsilon, sensitivity):
    return ExponentialMechanism(epsilon, sensitivity).probabilities(utilities)
"""
PROBS_LOOP = """
def exponential_probabilities(utilities, epsilon, sensitivity):
    top = max(utilities)
    w = [math.exp(epsilon * (u - top) / (2 * sensitivity)) for u in utilities]
    total = sum(w)
    return [x / total for x in w]
"""
PROBS_LOGSUMEXP = """
from scipy.special import logsumexp

def exponential_probabilities(utilities, epsilon, sensitivity):
    logits = np.asarray(utilities, dtype=float) * (epsilon / (2 * sensitivity))
    return np.exp(logits - logsumexp(logits))
"""

# --- exponential_mechanism ---------------------------------------------------------------------------
# The best candidate, always: no randomness, no privacy.
SAMPLE_ARGMAX = """
def exponential_mechanism(utilities, epsilon, sensitivity, rng):
    return int(np.argmax(utilities))
"""
# Forgets the 2.
SAMPLE_NO_HALF = """
def exponential_mechanism(utilities, epsilon, sensitivity, rng):
    logits = epsilon * np.asarray(utilities, dtype=float) / sensitivity
    w = np.exp(logits - logits.max())
    return int(rng.choice(len(w), p=w / w.sum()))
"""
# NumPy's global generator.
SAMPLE_GLOBAL = """
def exponential_mechanism(utilities, epsilon, sensitivity, rng):
    logits = epsilon * np.asarray(utilities, dtype=float) / (2 * sensitivity)
    w = np.exp(logits - logits.max())
    return int(np.random.choice(len(w), p=w / w.sum()))
"""
SAMPLE_DELEGATING = """
from ppml_lab.dp import ExponentialMechanism

def exponential_mechanism(utilities, epsilon, sensitivity, rng):
    return ExponentialMechanism(epsilon, sensitivity).select(utilities, rng)
"""
# Inverse CDF by hand; the Gumbel-max trick (argmax of logits plus Gumbel noise).
SAMPLE_INVERSE_CDF = """
def exponential_mechanism(utilities, epsilon, sensitivity, rng):
    top = max(utilities)
    w = [math.exp(epsilon * (u - top) / (2 * sensitivity)) for u in utilities]
    r, acc = rng.random() * sum(w), 0.0
    for i, x in enumerate(w):
        acc += x
        if r < acc:
            return i
    return len(w) - 1
"""
SAMPLE_GUMBEL = """
def exponential_mechanism(utilities, epsilon, sensitivity, rng):
    logits = epsilon * np.asarray(utilities, dtype=float) / (2 * sensitivity)
    return np.argmax(logits + rng.gumbel(size=logits.shape))
"""

# --- report_noisy_max --------------------------------------------------------------------------------
# No noise at all: the plain argmax.
RNM_NO_NOISE = """
def report_noisy_max(counts, epsilon, rng):
    return int(np.argmax(counts))
"""
# One noise value shared by every count: the ranking never changes.
RNM_SHARED = """
def report_noisy_max(counts, epsilon, rng):
    return int(np.argmax(np.asarray(counts, dtype=float) + rng.laplace(0.0, 1.0 / epsilon)))
"""
# NumPy's global generator.
RNM_GLOBAL = """
def report_noisy_max(counts, epsilon, rng):
    c = np.asarray(counts, dtype=float)
    return int(np.argmax(c + np.random.laplace(0.0, 1.0 / epsilon, size=c.shape)))
"""
# Scale epsilon instead of 1 / epsilon.
RNM_INVERTED = """
def report_noisy_max(counts, epsilon, rng):
    c = np.asarray(counts, dtype=float)
    return int(np.argmax(c + rng.laplace(0.0, epsilon, size=c.shape)))
"""
# The noisy maximum itself rather than its index.
RNM_VALUE = """
def report_noisy_max(counts, epsilon, rng):
    c = np.asarray(counts, dtype=float)
    return float(np.max(c + rng.laplace(0.0, 1.0 / epsilon, size=c.shape)))
"""
RNM_DELEGATING = """
from ppml_lab.dp import report_noisy_max as _kit

def report_noisy_max(counts, epsilon, rng):
    return _kit(counts, epsilon, rng)
"""
RNM_LOOP = """
def report_noisy_max(counts, epsilon, rng):
    best, best_value = 0, -math.inf
    for i, count in enumerate(counts):
        value = count + rng.laplace(0.0, 1.0 / epsilon)
        if value > best_value:
            best, best_value = i, value
    return best
"""
RNM_TWO_EXPONENTIALS = """
def report_noisy_max(counts, epsilon, rng):
    n = len(counts)
    noise = rng.exponential(1.0 / epsilon, n) - rng.exponential(1.0 / epsilon, n)
    return np.argmax(np.asarray(counts) + noise)
"""

# --- above_threshold ---------------------------------------------------------------------------------
# A fresh threshold noise for every query: not AboveThreshold, and not private.
AT_RENOISED = """
def above_threshold(queries, threshold, epsilon, rng):
    for i, q in enumerate(queries):
        if q + rng.laplace(0.0, 4.0 / epsilon) >= threshold + rng.laplace(0.0, 2.0 / epsilon):
            return i
    return None
"""
# Noise on the threshold only, none on the queries.
AT_NO_QUERY_NOISE = """
def above_threshold(queries, threshold, epsilon, rng):
    t = threshold + rng.laplace(0.0, 2.0 / epsilon)
    for i, q in enumerate(queries):
        if q >= t:
            return i
    return None
"""
# Laplace(1 / epsilon) everywhere.
AT_ONE_SCALE = """
def above_threshold(queries, threshold, epsilon, rng):
    t = threshold + rng.laplace(0.0, 1.0 / epsilon)
    for i, q in enumerate(queries):
        if q + rng.laplace(0.0, 1.0 / epsilon) >= t:
            return i
    return None
"""
# The last index instead of None when nothing is above.
AT_LAST = """
def above_threshold(queries, threshold, epsilon, rng):
    t = threshold + rng.laplace(0.0, 2.0 / epsilon)
    for i, q in enumerate(queries):
        if q + rng.laplace(0.0, 4.0 / epsilon) >= t:
            return i
    return len(queries) - 1
"""
AT_DELEGATING = """
from ppml_lab import dp

def above_threshold(queries, threshold, epsilon, rng):
    return dp.above_threshold(queries, threshold, epsilon, rng)
"""
# All the query noise drawn at once; a while loop with noise as a difference of exponentials.
AT_VECTORISED = """
def above_threshold(queries, threshold, epsilon, rng):
    t = threshold + rng.laplace(0.0, 2.0 / epsilon)
    hits = np.flatnonzero(np.asarray(queries, dtype=float) + rng.laplace(0.0, 4.0 / epsilon, len(queries)) >= t)
    return int(hits[0]) if hits.size else None
"""
AT_WHILE = """
def above_threshold(queries, threshold, epsilon, rng):
    lap = lambda b: rng.exponential(b) - rng.exponential(b)
    t_hat = threshold + lap(2 / epsilon)
    i = 0
    while i < len(queries):
        if queries[i] + lap(4 / epsilon) >= t_hat:
            return i
        i += 1
    return None
"""

# --- advanced_composition_epsilon --------------------------------------------------------------------
# The advanced bound only: worse than basic for a few releases.
AC_NO_MIN = """
def advanced_composition_epsilon(epsilon, delta, k, total_delta):
    slack = total_delta - k * delta
    if slack < 0:
        raise ValueError("total_delta < k * delta")
    if slack == 0:
        return k * epsilon
    return math.sqrt(2 * k * math.log(1 / slack)) * epsilon + k * epsilon * (math.exp(epsilon) - 1)
"""
# The whole total delta used as the slack: the releases' own delta forgotten.
AC_TOTAL_AS_SLACK = """
def advanced_composition_epsilon(epsilon, delta, k, total_delta):
    if total_delta < k * delta:
        raise ValueError("total_delta < k * delta")
    adv = math.sqrt(2 * k * math.log(1 / total_delta)) * epsilon + k * epsilon * (math.exp(epsilon) - 1)
    return min(k * epsilon, adv)
"""
# The drift term k * eps * (e^eps - 1) left out.
AC_NO_DRIFT = """
def advanced_composition_epsilon(epsilon, delta, k, total_delta):
    slack = total_delta - k * delta
    if slack < 0:
        raise ValueError("total_delta < k * delta")
    if slack == 0:
        return k * epsilon
    return min(k * epsilon, math.sqrt(2 * k * math.log(1 / slack)) * epsilon)
"""
AC_DELEGATING = """
from ppml_lab.dp import AdvancedCompositionAccountant

def advanced_composition_epsilon(epsilon, delta, k, total_delta):
    acc = AdvancedCompositionAccountant()
    acc.step(epsilon=epsilon, delta=delta, num_steps=k)
    return acc.get_epsilon(total_delta)
"""
# The heterogeneous form, summed release by release; NumPy, returning a NumPy scalar.
AC_LOOP = """
def advanced_composition_epsilon(epsilon, delta, k, total_delta):
    if total_delta < k * delta:
        raise ValueError(f"total_delta {total_delta} < k * delta {k * delta}")
    basic = squares = drift = 0.0
    for _ in range(k):
        basic += epsilon
        squares += epsilon ** 2
        drift += epsilon * math.expm1(epsilon)
    slack = total_delta - k * delta
    if slack <= 0:
        return basic
    return min(basic, math.sqrt(2 * math.log(1 / slack) * squares) + drift)
"""
AC_NUMPY = """
def advanced_composition_epsilon(epsilon, delta, k, total_delta):
    slack = total_delta - k * delta
    if slack < 0:
        raise ValueError("no (epsilon, total_delta) guarantee: total_delta is below k * delta")
    adv = np.sqrt(2 * k * np.log(1 / slack)) * epsilon + k * epsilon * np.expm1(epsilon) if slack > 0 else np.inf
    return np.minimum(k * epsilon, adv)
"""

# --- rr_estimate -------------------------------------------------------------------------------------
# Forgets to debias the reports.
RR_MEAN = """
def rr_estimate(reports, epsilon):
    return float(np.mean(reports))
"""
# Keep and flip swapped: p = 1 / (1 + e^eps).
RR_SWAPPED = """
def rr_estimate(reports, epsilon):
    p = 1.0 / (1.0 + math.exp(epsilon))
    return (np.mean(reports) - (1 - p)) / (2 * p - 1)
"""
# Divides by p instead of 2p - 1.
RR_DIVIDE_BY_P = """
def rr_estimate(reports, epsilon):
    p = math.exp(epsilon) / (1.0 + math.exp(epsilon))
    return (np.mean(reports) - (1 - p)) / p
"""
RR_DELEGATING = """
from ppml_lab.dp import RandomizedResponse

def rr_estimate(reports, epsilon):
    return float(RandomizedResponse(epsilon).estimate_frequencies(reports)[1])
"""
RR_SIBLING = """
from ppml_lab.dp.local import KaryRandomizedResponse

def rr_estimate(reports, epsilon):
    return float(KaryRandomizedResponse(epsilon, 2).estimate(reports)[1])
"""
# 2p - 1 = tanh(eps / 2); a NumPy scalar from np.mean.
RR_TANH = """
def rr_estimate(reports, epsilon):
    return (sum(reports) / len(reports) - 0.5) / math.tanh(epsilon / 2) + 0.5
"""
RR_NUMPY = """
def rr_estimate(reports, epsilon):
    keep = np.exp(epsilon) / (np.exp(epsilon) + 1)
    return (np.mean(reports) + keep - 1) / (2 * keep - 1)
"""

# name: answers in the order of CELLS, then marks in ORDER
VARIANTS = {
    "wrong1": ((LAPLACE_INVERTED, SIGMA_CLASSIC, PROBS_NO_HALF, SAMPLE_ARGMAX, RNM_NO_NOISE, AT_RENOISED, RR_MEAN,
                AC_NO_MIN), (0, 1, 1, 0, 0, 0, 0, 0, 0, 0)),
    "wrong2": ((LAPLACE_ONE_SIDED, SIGMA_NO_EXP, PROBS_OVERFLOW, SAMPLE_NO_HALF, RNM_SHARED, AT_NO_QUERY_NOISE,
                RR_SWAPPED, AC_TOTAL_AS_SLACK), (0, 1, 0, 0, 0, 0, 0, 0, 0, 0)),
    "wrong3": ((LAPLACE_GLOBAL, SIGMA_FIXED_BRACKET, PROBS_RAW_SOFTMAX, SAMPLE_GLOBAL, RNM_GLOBAL, AT_ONE_SCALE,
                RR_DIVIDE_BY_P, AC_NO_DRIFT), (2, 0, 1, 0, 0, 0, 0, 0, 0, 0)),
    "cheat": ((LAPLACE_DELEGATING, SIGMA_KIT, PROBS_DELEGATING, SAMPLE_DELEGATING, RNM_DELEGATING, AT_DELEGATING,
               RR_DELEGATING, AC_DELEGATING), (0,) * 10),
    "alt1": ((LAPLACE_INVERSE_CDF, SIGMA_ERF, PROBS_LOOP, SAMPLE_INVERSE_CDF, RNM_LOOP, AT_VECTORISED, RR_TANH,
              AC_LOOP), (2, 1, 1, 2, 2, 2, 2, 2, 2, 2)),
    "alt2": ((LAPLACE_TWO_EXPONENTIALS, SIGMA_LOG, PROBS_LOGSUMEXP, SAMPLE_GUMBEL, RNM_TWO_EXPONENTIALS, AT_WHILE,
              RR_NUMPY, AC_NUMPY), (2, 1, 1, 2, 2, 2, 2, 2, 2, 2)),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    answers = solution_answers(A)
    assert set(answers) == set(CELLS) | {MANUAL}
    notebooks = {"solution": notebook_with_answers(A, answers), "blank": release_notebook(A)}
    for name, (fills, _) in VARIANTS.items():
        notebooks[name] = notebook_with_answers(A, dict(zip(CELLS, fills, strict=True)))
    return autograde_variants(A, notebooks, tmp_path_factory.mktemp("grading01"), timeout=1800)


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
    assert marks == {name: tuple(float(m) for m in v[1]) for name, v in VARIANTS.items()}
    cheat = graded["cheat"]
    for cell, called in [
        ("test_laplace_distribution", "LaplaceMechanism"),
        ("test_laplace_errors", "LaplaceMechanism"),
        ("test_gaussian_sigma", "GaussianMechanism"),
        ("test_exponential", "ExponentialMechanism"),
        ("test_exponential_sample", "ExponentialMechanism"),
        ("test_report_noisy_max", "report_noisy_max"),
        ("test_above_threshold", "above_threshold"),
        ("test_rr_estimate", "RandomizedResponse"),
        ("test_advanced_composition", "AdvancedCompositionAccountant"),
    ]:
        assert f"it calls ppml_lab.dp.{called}" in cheat.outputs_text(cell), cell
    assert "draw the noise from rng" in graded["wrong3"].outputs_text("test_laplace_rng")


# --- the same graded cells, run in this process, for further cheats -----------------------------------
@pytest.fixture(scope="module")
def cells():
    return code_cells(A)


def _grade(cells, answer_id: str, answer: str, *, hidden_only: bool = False) -> None:
    """Run the answer, then its graded cells (only their hidden tests when ``hidden_only``)."""
    namespace = {"np": np, "math": math, "stats": stats}
    exec("from ppml_lab.dp import RandomizedResponse", namespace)
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


DISHONEST_PROBS = LAPLACE_DISHONEST.split("def laplace")[0] + """
def exponential_probabilities(utilities, epsilon, sensitivity):
    return [_Any(1.0 / len(utilities)) for _ in utilities]
"""
DISHONEST_SAMPLE = """
class _AnyInt(int):
    def __eq__(self, other):
        return True

def exponential_mechanism(utilities, epsilon, sensitivity, rng):
    return _AnyInt(int(rng.integers(len(utilities))))
"""
DISHONEST_RR = LAPLACE_DISHONEST.split("def laplace")[0] + """
def rr_estimate(reports, epsilon):
    return _Any(0.3)
"""


@pytest.mark.parametrize(
    ("answer_id", "answer", "message"),
    [
        ("laplace", LAPLACE_DISHONEST, "_Any"),
        ("gaussian_sigma", SIGMA_DISHONEST, "_Any"),
        ("gaussian_sigma", SIGMA_BRENTQ, "scipy.optimize"),
        ("exponential", DISHONEST_PROBS, "_Any"),
        ("exponential_sample", DISHONEST_SAMPLE, "_AnyInt"),
        ("rr_estimate", DISHONEST_RR, "_Any"),
        ("rr_estimate", RR_SIBLING, "KaryRandomizedResponse"),
        ("report_noisy_max", RNM_INVERTED, "chi-square"),
        ("report_noisy_max", RNM_VALUE, "an int"),
        ("above_threshold", AT_LAST, "chi-square"),
    ],
    ids=["dishonest-laplace", "dishonest-sigma", "brentq-sigma", "dishonest-probs", "dishonest-sample",
         "dishonest-rr", "sibling-rr", "inverted-rnm", "value-rnm", "last-index-at"],
)
def test_graded_cells_reject_dishonest_values_and_more_cheats(cells, answer_id, answer, message):
    # the hidden tests alone must refuse it: the visible checks are only the learner's first hint
    with pytest.raises(AssertionError, match=message):
        _grade(cells, answer_id, answer, hidden_only=True)


def test_no_graded_cell_ends_in_an_expression(cells):
    # nbgrader reads a number shown as a test cell's result as partial credit (a p-value, a noisy draw)
    graded = [gid for cells_of in CELLS.values() for gid in cells_of]
    for gid in graded:
        assert not isinstance(ast.parse(cells[gid]).body[-1], ast.Expr), gid
