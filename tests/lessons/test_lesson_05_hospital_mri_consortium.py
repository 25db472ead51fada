"""The hospital consortium lesson grades right from wrong with the real nbgrader CLI.

FedAvg's key idea is the weighting by sample counts, so every test uses hospitals of unequal sizes,
a hospital with no scans, a single hospital and an empty federation. Plausible wrong answers lose
marks; one of them also patches the checking helpers at module level and another returns an array
subclass built to pass comparisons, and neither earns a mark; an answer that hands the average to the
kit earns none and is told what it called; other correct implementations earn everything. All of it
is one nbgrader run of eight notebooks.
"""

import pytest

from autograder.testing import autograde_variants, notebook_with_answers, release_notebook, solution_answers

A = "05_hospital_mri_consortium"

# Plain mean: ignores how many scans each hospital trained on; the checking helpers patched at module level.
UNWEIGHTED_PATCHED = """
import builtins, math
import numpy as np
import numpy.testing
import autograder.checks
import autograder.fl_checks
import ppml_lab.fl

def fedavg_aggregate(results):
    n_arrays = len(results[0][0])
    return [sum(params[i] for params, _ in results) / len(results) for i in range(n_arrays)]

def _mean(updates, weights):
    return fedavg_aggregate([(u, w) for u, w in zip(updates, weights)])

np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.max = lambda *a, **k: 0.0
numpy.testing.assert_allclose = lambda *a, **k: None
math.isclose = lambda *a, **k: True
builtins.abs = lambda x: 0.0
autograder.checks.assert_own_implementation = lambda f, ref, *a, **k: f(*a, **k)
autograder.fl_checks.as_param_list = lambda value, like, **k: value
autograder.fl_checks.assert_params_close = lambda *a, **k: None
ppml_lab.fl.weighted_average = _mean
"""
# Weights right, no guard for an empty federation (0 / 0 gives NaN), returned as an array subclass
# whose comparisons and NumPy functions always pass.
ZERO_NAN_DISHONEST = """
class _Params(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)
    def __sub__(self, other):
        return np.zeros(np.shape(self)).view(_Params)
    def __array_function__(self, func, types, args, kwargs):
        return True

def fedavg_aggregate(results):
    total = sum(n for _, n in results)
    n_arrays = len(results[0][0]) if results else 0
    return [np.asarray(sum(p[i] * n for p, n in results) / total).view(_Params) for i in range(n_arrays)]
"""
# Accumulates in place into the first hospital's arrays: right values, but the server's copy changes.
IN_PLACE = """
def fedavg_aggregate(results):
    total = sum(n for _, n in results)
    if total == 0:
        raise ValueError("no examples")
    first, n0 = results[0]
    avg = [a.astype(float, copy=False) for a in first]
    for a in avg:
        a *= n0 / total
    for params, n in results[1:]:
        for a, p in zip(avg, params):
            a += p * (n / total)
    return avg
"""
# Hands the average to the kit.
DELEGATING = """
from ppml_lab.fl import weighted_average

def fedavg_aggregate(results):
    return weighted_average([p for p, _ in results], [n for _, n in results])
"""
# Correct: np.average over stacked arrays with the counts as weights.
NP_AVERAGE = """
def fedavg_aggregate(results):
    counts = np.array([n for _, n in results], dtype=float)
    if counts.size == 0 or counts.sum() <= 0:
        raise ValueError("need at least one hospital with examples")
    return [np.average(np.stack(arrays), axis=0, weights=counts) for arrays in zip(*(p for p, _ in results))]
"""
# Correct: float64 accumulators in a loop, skipping empty hospitals, returned as a tuple.
LOOP = """
def fedavg_aggregate(results):
    kept = [(p, n) for p, n in results if n > 0]
    if not kept:
        raise ValueError("no hospital has examples")
    total = float(sum(n for _, n in kept))
    out = [np.zeros(np.shape(a), dtype=np.float64) for a in kept[0][0]]
    for params, n in kept:
        for acc, p in zip(out, params):
            acc += np.asarray(p, dtype=np.float64) * (n / total)
    return tuple(out)
"""


CELLS = {"fedavg": {"test_fedavg_values": 2.0, "test_fedavg_weights": 1.0}}
# One submission per variant, with the marks it must earn cell by cell in the order of CELLS (the honest
# version of ZERO_NAN_DISHONEST, without the subclass, earns (2, 0)).
SUBMISSIONS = {
    "v1": {"fedavg": (UNWEIGHTED_PATCHED, (0, 0))},
    "v2": {"fedavg": (ZERO_NAN_DISHONEST, (0, 0))},
    "v3": {"fedavg": (IN_PLACE, (2, 0))},
    "v4": {"fedavg": (DELEGATING, (0, 0))},
    "v5": {"fedavg": (NP_AVERAGE, (2, 1))},
    "v6": {"fedavg": (LOOP, (2, 1))},
}
CHEATS = [("v4", "fedavg", "ppml_lab.fl.weighted_average")]

NBGRADER_TIMEOUT = 2400  # seconds for one nbgrader autograde run of eight notebooks


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every notebook of this file graded in one nbgrader run: solution, blank and six submissions."""
    answers = solution_answers(A)
    assert set(answers) == set(CELLS)
    variants = {"solution": notebook_with_answers(A, answers), "blank": release_notebook(A)}
    for student, rows in SUBMISSIONS.items():
        variants[student] = notebook_with_answers(A, {fn: code for fn, (code, _) in rows.items()})
    return autograde_variants(A, variants, tmp_path_factory.mktemp("hospitals"), timeout=NBGRADER_TIMEOUT)


@pytest.mark.timeout(2700)
def test_solution_earns_full_marks_and_blank_zero(graded):
    solution, blank = graded["solution"], graded["blank"]
    assert set(solution.cells) == {cell for cells in CELLS.values() for cell in cells}
    assert solution.max_score == 3 and solution.score == 3, solution.cells
    assert blank.score == 0 and blank.max_score == 3, blank.cells


@pytest.mark.timeout(2700)
@pytest.mark.parametrize("student", sorted(SUBMISSIONS))
def test_each_variant_earns_exactly_its_marks(graded, student):
    rows = SUBMISSIONS[student]
    got = graded[student].cells
    for fn, (_, marks) in rows.items():
        want = {cell: (float(m), points) for (cell, points), m in zip(CELLS[fn].items(), marks, strict=True)}
        assert {cell: got[cell] for cell in CELLS[fn]} == want, (student, fn)
    assert graded[student].score == sum(sum(m) for _, m in rows.values()), (student, got)


@pytest.mark.timeout(2700)
def test_cheats_are_told_what_they_called_and_why(graded):
    for student, fn, called in CHEATS:
        for cell in CELLS[fn]:
            text = graded[student].outputs_text(cell)
            assert "No marks for this answer" in text and called in text, (student, cell, text[-600:])
    assert "TamperingDetected" in graded["v2"].outputs_text("test_fedavg_values")


def test_the_exercise_states_what_the_hidden_tests_check():
    source = "\n".join(c.source for c in release_notebook(A).cells if c.cell_type == "markdown")
    assert "a hospital with 0 examples contributes nothing" in source
    assert "raise `ValueError`; the arrays you are given are not modified" in source
    assert "no function of `ppml_lab` is allowed" in source
