"""The device-telemetry lesson grades right from wrong with the real nbgrader CLI.

For each graded function: plausible wrong answers lose that function's marks, answers that hand the
work to the kit earn none of them (and say which function they called), dishonest values (an array
subclass built to pass comparisons) and module-level patches of the checking helpers earn nothing, and
other correct implementations earn all of them. Each submission fills every answer with one variant,
so six submissions cover every variant (three wrong, one cheat and two correct answers per function) in
one grading run.
"""

import math
import sys
import types

import numpy as np
import pytest
from corpus_07_device_telemetry import (
    BINOMIAL_1B_P,
    BINOMIAL_OUE_P,
    CLOSED_1B_E,
    CLOSED_OUE_E,
    DELEGATING_1B_E,
    DELEGATING_1B_P,
    DELEGATING_D,
    DELEGATING_OUE_E,
    DELEGATING_OUE_P,
    DELEGATING_S,
    DIVIDE_CLIP_D,
    DIVIDE_P_E,
    FULL_VARIANCE_S,
    GLOBAL_SEED_P,
    HALF_EPS_P,
    LOOP_1B_E,
    LOOP_1B_P,
    LOOP_D,
    LOOP_OUE_E,
    LOOP_OUE_P,
    LOOP_S,
    NO_M_E,
    NO_M_P,
    NO_MINUS_ONE_E,
    NO_MODULUS_S,
    NO_NQ_E,
    OFF_BY_ONE_D,
    OWN_SAMPLER_S,
    OWN_SEED_P,
    RAW_MEAN_E,
    SHARED_UNIFORM_P,
    SHIFT_D,
    SPLIT_STD_S,
    SUE_E,
    SUE_P,
    UNSIGNED_D,
)
from written_answers import (
    assert_rubric_for_the_learner_and_reference_for_the_instructor,
    assert_written_answer_graded_by_hand,
)

from autograder.testing import (
    assert_cheats_named,
    assert_marks_per_cell,
    autograde_variants,
    hidden_tests,
    notebook_with_answers,
    release_notebook,
    solution_answers,
    source_notebook,
)

A = "07_device_telemetry"
MANUAL = "interview_local_vs_central"  # the written answer, graded by hand
MANUAL_POINTS = 3
# --- krr_privatize (2 points over two cells) -------------------------------------------------------
# --- krr_privatize: wrong ------------------------------------------------------------------------
# Keeps the true value with probability e^eps / (e^eps + 1), the binary formula, whatever d is.
BINARY_P = '''
def krr_privatize(values, epsilon, d, rng):
    values = np.asarray(values)
    p = math.exp(epsilon) / (math.exp(epsilon) + 1)
    keep = rng.random(values.shape) < p
    other = (values + rng.integers(1, d, values.shape)) % d
    return np.where(keep, values, other)
'''
# Lies by drawing uniformly over all d values, the true one included: it is kept too often.
UNIFORM_SELF_BODY = '''
def _uniform_self(values, epsilon, d, rng):
    values = np.asarray(values)
    p = math.exp(epsilon) / (math.exp(epsilon) + d - 1)
    keep = rng.random(values.shape) < p
    return np.where(keep, values, rng.integers(0, d, values.shape))
'''
UNIFORM_SELF = UNIFORM_SELF_BODY + '''
def krr_privatize(values, epsilon, d, rng):
    return _uniform_self(values, epsilon, d, rng)
'''
# The same mistake, returned as an array subclass whose comparisons and NumPy functions always pass.
UNIFORM_SELF_DISHONEST = UNIFORM_SELF_BODY + '''
class _Reports(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)
    def __ne__(self, other):
        return np.zeros(np.shape(self), dtype=bool)
    def __array_function__(self, func, types, args, kwargs):
        return True

def krr_privatize(values, epsilon, d, rng):
    return _uniform_self(values, epsilon, d, rng).view(_Reports)
'''
# A generator of its own, seeded for reproducibility: the rng argument is ignored.
FIXED_SEED = '''
def krr_privatize(values, epsilon, d, rng):
    gen = np.random.default_rng(0)  # reproducible reports
    values = np.asarray(values)
    p = math.exp(epsilon) / (math.exp(epsilon) + d - 1)
    keep = gen.random(values.shape) < p
    other = (values + gen.integers(1, d, values.shape)) % d
    return np.where(keep, values, other)
'''
# --- krr_privatize: cheat ------------------------------------------------------------------------
# Hands the report to the kit's k-RR oracle.
DELEGATING_P = '''
from ppml_lab.dp.local import KaryRandomizedResponse

def krr_privatize(values, epsilon, d, rng):
    return KaryRandomizedResponse(epsilon, d).privatize(values, rng=rng)
'''
# --- krr_privatize: correct ----------------------------------------------------------------------
# Correct: one rng.choice per device with the k-RR probabilities.
LOOP_P = '''
def krr_privatize(values, epsilon, d, rng):
    e = math.exp(epsilon)
    out = []
    for v in values:
        probs = np.full(d, 1 / (e + d - 1))
        probs[v] = e / (e + d - 1)
        out.append(int(rng.choice(d, p=probs)))
    return np.array(out, dtype=np.int64)
'''
# Correct: a lie drawn from d - 1 values and shifted past the true one, int32 arrays.
SHIFT_P = '''
def krr_privatize(values, epsilon, d, rng):
    values = np.asarray(values, dtype=np.int32)
    lie = rng.random(len(values)) >= math.exp(epsilon) / (math.exp(epsilon) + d - 1)
    other = rng.integers(0, d - 1, len(values), dtype=np.int32)
    other = other + (other >= values)  # skip the true value
    return np.where(lie, other, values)
'''
# --- krr_estimate (2 points over two cells) --------------------------------------------------------
# --- krr_estimate: wrong -------------------------------------------------------------------------
# The raw report frequencies (biased towards uniform), with the checking helpers patched at module level.
NO_DEBIAS_PATCHED = '''
import builtins, math
import numpy as np
import numpy.testing
import autograder.checks
import autograder.fl_checks
import ppml_lab.dp.local

def krr_estimate(reports, epsilon, d):
    return np.bincount(np.asarray(reports), minlength=d) / len(reports)

np.allclose = lambda *a, **k: True
np.max = lambda *a, **k: 0.0
numpy.testing.assert_allclose = lambda *a, **k: None
math.isclose = lambda *a, **k: True
builtins.abs = lambda x: 0.0
autograder.checks.as_plain = lambda value, *a, **k: value
autograder.checks.assert_own_implementation = lambda f, ref, *a, **k: f(*a, **k)
ppml_lab.dp.local.KaryRandomizedResponse.estimate = lambda self, reports: krr_estimate(reports, self.epsilon, self.d)
'''
# Debiased, then clipped at 0 and renormalised (biased wherever an estimate is negative; honest, this
# earns (1, 0)), returned as an array subclass whose comparisons and NumPy functions always pass.
CLIPPED_DISHONEST = '''
class _Estimate(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)
    def __sub__(self, other):
        return np.zeros(np.shape(self)).view(_Estimate)
    def __array_function__(self, func, types, args, kwargs):
        return True

def krr_estimate(reports, epsilon, d):
    e = math.exp(epsilon)
    p, q = e / (e + d - 1), 1 / (e + d - 1)
    est = (np.bincount(np.asarray(reports), minlength=d) / len(reports) - q) / (p - q)
    est = np.clip(est, 0, None)  # frequencies cannot be negative
    return (est / est.sum()).view(_Estimate)
'''
# Debiased, but np.bincount without minlength: values nobody reported get no estimate.
NO_MINLENGTH = '''
def krr_estimate(reports, epsilon, d):
    e = math.exp(epsilon)
    p, q = e / (e + d - 1), 1 / (e + d - 1)
    counts = np.bincount(reports)
    return (counts / len(reports) - q) / (p - q)
'''
# --- krr_estimate: cheat -------------------------------------------------------------------------
# Hands the estimate to the kit's k-RR oracle.
DELEGATING_E = '''
from ppml_lab.dp.local import KaryRandomizedResponse

def krr_estimate(reports, epsilon, d):
    return KaryRandomizedResponse(epsilon, d).estimate(np.asarray(reports))
'''
# --- krr_estimate: correct -----------------------------------------------------------------------
# Correct: a Counter and a list of Python floats.
COUNTER_E = '''
from collections import Counter

def krr_estimate(reports, epsilon, d):
    e = math.exp(epsilon)
    p, q = e / (e + d - 1), 1 / (e + d - 1)
    counts = Counter(int(r) for r in reports)
    n = len(reports)
    return [(counts.get(v, 0) / n - q) / (p - q) for v in range(d)]
'''
# Correct: np.unique counts and the estimate rewritten as (f (e^eps + d - 1) - 1) / (e^eps - 1).
UNIQUE_E = '''
def krr_estimate(reports, epsilon, d):
    values, counts = np.unique(np.asarray(reports), return_counts=True)
    freq = np.zeros(d)
    freq[values] = counts / counts.sum()
    e = np.float64(math.exp(epsilon))
    return (freq * (e + d - 1) - 1) / (e - 1)
'''


CELLS = {
    "krr_privatize": {"test_krr_privatize": 1.0, "test_krr_distribution": 1.0},
    "krr_estimate": {"test_krr_estimate": 1.0, "test_krr_estimate_edges": 1.0},
    "oue_privatize": {"test_oue_privatize": 1.0, "test_oue_distribution": 1.0},
    "oue_estimate": {"test_oue_estimate": 1.0},
    "onebit_privatize": {"test_onebit_privatize": 1.0, "test_onebit_distribution": 1.0},
    "onebit_estimate": {"test_onebit_estimate": 1.0},
    "ddp_share": {"test_ddp_share": 1.0, "test_ddp_sum": 1.0},
    "ddp_decode": {"test_ddp_decode": 1.0},
}
MAX_SCORE = sum(sum(cells.values()) for cells in CELLS.values())
# One submission per row: every graded function filled with one variant (wrong, cheat or correct; the
# new functions' answers are in corpus_07_device_telemetry), each with the marks it must earn, cell by
# cell in the order of CELLS.
SUBMISSIONS = {
    "v1": {"krr_privatize": (BINARY_P, (1, 0)), "krr_estimate": (NO_DEBIAS_PATCHED, (0, 0)),
           "oue_privatize": (SUE_P, (1, 0)), "oue_estimate": (NO_NQ_E, (0,)),
           "onebit_privatize": (LOOP_1B_P, (1, 1)), "onebit_estimate": (DELEGATING_1B_E, (0,)),
           "ddp_share": (NO_MODULUS_S, (0, 1)), "ddp_decode": (SHIFT_D, (1,))},
    "v2": {"krr_privatize": (UNIFORM_SELF_DISHONEST, (0, 0)), "krr_estimate": (CLIPPED_DISHONEST, (0, 0)),
           "oue_privatize": (SHARED_UNIFORM_P, (1, 0)), "oue_estimate": (CLOSED_OUE_E, (1,)),
           "onebit_privatize": (NO_M_P, (1, 0)), "onebit_estimate": (NO_MINUS_ONE_E, (0,)),
           "ddp_share": (DELEGATING_S, (0, 0)), "ddp_decode": (LOOP_D, (1,))},
    "v3": {"krr_privatize": (FIXED_SEED, (0, 1)), "krr_estimate": (NO_MINLENGTH, (1, 0)),
           "oue_privatize": (OWN_SEED_P, (0, 1)), "oue_estimate": (LOOP_OUE_E, (1,)),
           "onebit_privatize": (DELEGATING_1B_P, (0, 0)), "onebit_estimate": (NO_M_E, (0,)),
           "ddp_share": (OWN_SAMPLER_S, (1, 1)), "ddp_decode": (UNSIGNED_D, (0,))},
    "v4": {"krr_privatize": (DELEGATING_P, (0, 0)), "krr_estimate": (COUNTER_E, (1, 1)),
           "oue_privatize": (DELEGATING_OUE_P, (0, 0)), "oue_estimate": (DIVIDE_P_E, (0,)),
           "onebit_privatize": (HALF_EPS_P, (1, 0)), "onebit_estimate": (CLOSED_1B_E, (1,)),
           "ddp_share": (LOOP_S, (1, 1)), "ddp_decode": (DIVIDE_CLIP_D, (0,))},
    "v5": {"krr_privatize": (LOOP_P, (1, 1)), "krr_estimate": (DELEGATING_E, (0, 0)),
           "oue_privatize": (LOOP_OUE_P, (1, 1)), "oue_estimate": (DELEGATING_OUE_E, (0,)),
           "onebit_privatize": (GLOBAL_SEED_P, (0, 1)), "onebit_estimate": (LOOP_1B_E, (1,)),
           "ddp_share": (FULL_VARIANCE_S, (0, 0)), "ddp_decode": (OFF_BY_ONE_D, (0,))},
    "v6": {"krr_privatize": (SHIFT_P, (1, 1)), "krr_estimate": (UNIQUE_E, (1, 1)),
           "oue_privatize": (BINOMIAL_OUE_P, (1, 1)), "oue_estimate": (SUE_E, (0,)),
           "onebit_privatize": (BINOMIAL_1B_P, (1, 1)), "onebit_estimate": (RAW_MEAN_E, (0,)),
           "ddp_share": (SPLIT_STD_S, (0, 0)), "ddp_decode": (DELEGATING_D, (0,))},
}
# Cheats: the submission, the function it hands its work to, and the name the message must give.
CHEATS = [("v4", "krr_privatize", "ppml_lab.dp.local.KaryRandomizedResponse"),
          ("v5", "krr_estimate", "ppml_lab.dp.local.KaryRandomizedResponse"),
          ("v4", "oue_privatize", "ppml_lab.dp.local.OptimizedUnaryEncoding"),
          ("v5", "oue_estimate", "ppml_lab.dp.local.OptimizedUnaryEncoding"),
          ("v3", "onebit_privatize", "ppml_lab.dp.local.OneBitMean"),
          ("v1", "onebit_estimate", "ppml_lab.dp.local.OneBitMean"),
          ("v2", "ddp_share", "add_distributed_noise"),
          ("v6", "ddp_decode", "decode_signed")]

NBGRADER_TIMEOUT = 2400  # seconds for one nbgrader autograde run of eight notebooks


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every notebook of this file graded in one nbgrader run: solution, blank and six submissions."""
    answers = solution_answers(A)
    assert set(answers) == set(CELLS) | {MANUAL}
    variants = {"solution": notebook_with_answers(A, answers), "blank": release_notebook(A)}
    for student, rows in SUBMISSIONS.items():
        variants[student] = notebook_with_answers(A, {fn: code for fn, (code, _) in rows.items()})
    return autograde_variants(A, variants, tmp_path_factory.mktemp("telemetry"), timeout=NBGRADER_TIMEOUT)


@pytest.mark.timeout(2700)
def test_solution_earns_full_marks_and_blank_zero(graded):
    solution, blank = graded["solution"], graded["blank"]
    assert set(solution.cells) == {cell for cells in CELLS.values() for cell in cells}
    assert solution.max_score == MAX_SCORE == 13 and solution.score == MAX_SCORE, solution.cells
    assert blank.score == 0 and blank.max_score == MAX_SCORE, blank.cells


@pytest.mark.timeout(2700)
def test_the_written_answer_waits_for_the_instructor(graded):
    # the solution's answer is pending in formgrader; the blank's and the submissions' untouched copies score 0
    assert_written_answer_graded_by_hand(graded, MANUAL, MANUAL_POINTS, MAX_SCORE, ("blank", *SUBMISSIONS))


def test_the_rubric_is_shown_and_the_reference_answer_kept():
    assert_rubric_for_the_learner_and_reference_for_the_instructor(A, MANUAL, MANUAL_POINTS, rubric_items=3)


@pytest.mark.timeout(2700)
@pytest.mark.parametrize("student", sorted(SUBMISSIONS))
def test_each_variant_earns_exactly_its_marks(graded, student):
    assert_marks_per_cell(graded, {student: SUBMISSIONS[student]}, CELLS)


@pytest.mark.timeout(2700)
def test_cheats_are_told_what_they_called_and_why(graded):
    assert_cheats_named(graded, CHEATS, CELLS)
    assert "TamperingDetected" in graded["v2"].outputs_text("test_krr_privatize")
    assert "TamperingDetected" in graded["v2"].outputs_text("test_krr_estimate")


def test_the_exercises_state_what_the_hidden_tests_check():
    source = "\n".join(c.source for c in release_notebook(A).cells if c.cell_type == "markdown")
    assert "failing below a p-value of $10^{-4}$" in source
    assert "expect the same reports, and with another seed different ones" in source
    assert "neither clipped at 0 nor renormalised" in source
    assert "No function of `ppml_lab` is allowed in this exercise" in source
    assert "every correlation between two bits of the same reports must stay within\n$5/\\sqrt{800}$" in source
    assert "variance within 25% of $\\sigma^2/n$" in source and "variance within 30% of $\\sigma^2$" in source
    assert "spends $d\\cdot\\varepsilon$ in total" in source
    assert "**Dropouts**" in source and "**Collusion**" in source


def _hidden(cell: str) -> str:
    """The hidden block of one of the master notebook's graded test cells."""
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in source_notebook(A).cells}
    return hidden_tests(cells[cell])


def _namespace(answer: str) -> dict:
    from ppml_lab.dp.local import KaryRandomizedResponse

    namespace = {"np": np, "math": math, "KaryRandomizedResponse": KaryRandomizedResponse}
    exec(answer, namespace)
    return namespace


def test_a_report_that_keeps_the_true_value_too_often_fails_the_hidden_distribution_check():
    # the lie drawn over all d values, the true one included; honest values, so only the statistics catch it
    with pytest.raises(AssertionError, match="reports of devices holding"):
        exec(_hidden("test_krr_distribution"), _namespace(UNIFORM_SELF))
    exec(_hidden("test_krr_distribution"), _namespace(LOOP_P))  # a correct answer passes the same block


# A stand-in for multi-freq-ldpy's generalized randomized response (not installed here): a module of
# that name, in a file of its own, doing the whole k-RR job.
FAKE_GRR = '''
import math

import numpy as np


def GRR_Client(values, k, epsilon, rng):
    p = math.exp(epsilon) / (math.exp(epsilon) + k - 1)
    values = np.asarray(values)
    keep = rng.random(values.shape) < p
    return np.where(keep, values, (values + rng.integers(1, k, values.shape)) % k)


def GRR_Aggregator(reports, k, epsilon):
    e = math.exp(epsilon)
    p, q = e / (e + k - 1), 1 / (e + k - 1)
    return (np.bincount(np.asarray(reports), minlength=k) / len(reports) - q) / (p - q)
'''
LIBRARY_GRR = '''
from multi_freq_ldpy.pure_frequency_oracles.GRR import GRR_Aggregator, GRR_Client


def krr_privatize(values, epsilon, d, rng):
    return GRR_Client(values, d, epsilon, rng)


def krr_estimate(reports, epsilon, d):
    return GRR_Aggregator(reports, d, epsilon)
'''


@pytest.mark.parametrize(
    "cell", ["test_krr_privatize", "test_krr_distribution", "test_krr_estimate", "test_krr_estimate_edges"]
)
def test_the_krr_cells_refuse_an_ldp_librarys_randomized_response(tmp_path, monkeypatch, cell):
    path = tmp_path / "GRR.py"
    path.write_text(FAKE_GRR)
    names = ["multi_freq_ldpy", "multi_freq_ldpy.pure_frequency_oracles", "multi_freq_ldpy.pure_frequency_oracles.GRR"]
    for name in names[:2]:
        package = types.ModuleType(name)
        package.__path__ = []
        monkeypatch.setitem(sys.modules, name, package)
    grr = types.ModuleType(names[2])
    grr.__file__ = str(path.resolve())
    exec(compile(FAKE_GRR, grr.__file__, "exec"), grr.__dict__)
    monkeypatch.setitem(sys.modules, names[2], grr)
    with pytest.raises(AssertionError, match="multi_freq_ldpy.pure_frequency_oracles.GRR"):
        exec(_hidden(cell), _namespace(LIBRARY_GRR))
