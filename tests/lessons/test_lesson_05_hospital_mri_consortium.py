"""The hospital consortium lesson grades right from wrong with the real nbgrader CLI.

FedAvg's key idea is the weighting by sample counts, so every test uses hospitals of unequal sizes,
a hospital with no scans, a single hospital and an empty federation. Pairwise masking is checked for
what the server receives (never the update, fresh under fresh seeds, uniform) as well as for the
exact sum. A hospital's local
training is compared with the kit's on fixed data and seeds (epochs, learning rate, the update rather
than the weights, the global weights left alone). DP-FedAvg's server step is checked exactly without
noise (each update clipped on its own, the fixed denominator) and as a distribution with noise (one
Gaussian on the sum, from the generator given), and its epsilon against the kit's accountant.
Plausible wrong answers lose
marks; one of them also patches the checking helpers at module level and another returns an array
subclass built to pass comparisons, and neither earns a mark; an answer that hands the average to the
kit earns none and is told what it called; other correct implementations earn everything. All of it
is one nbgrader run of eight notebooks, each submission filling every answer; a few more wrong answers
are run against the hidden tests in this process.
"""

import numpy as np
import pandas as pd
import pytest
from written_answers import assert_written_answer_graded_by_hand

from autograder.testing import (
    assert_cheats_named,
    assert_marks_per_cell,
    autograde_variants,
    code_cells,
    hidden_tests,
    notebook_with_answers,
    release_notebook,
    solution_answers,
    source_notebook,
)

A = "05_hospital_mri_consortium"
MANUAL = "interview_ciso"  # the written answer, graded by hand

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


# --- pairwise_mask (3 points over three cells) ------------------------------------------------------

# Adds every mask: one-time pads, but nothing cancels in the sum.
ALL_ADD = """
def pairwise_mask(x, my_id, pair_seeds, bits):
    y = np.asarray(x, dtype=np.uint64)
    for j, seed in pair_seeds.items():
        y = (y + prg(seed, len(y), bits)) % np.uint64(2**bits)
    return y
"""
# Signs right, masks from NumPy's generator seeded with the shared secret: they cancel, but it is not
# the cryptographic PRG the protocol (and the exercise) uses.
SEED_RNG = """
def pairwise_mask(x, my_id, pair_seeds, bits):
    y = np.asarray(x, dtype=np.uint64)
    mod = np.uint64(2**bits)
    for j, seed in pair_seeds.items():
        m = np.random.default_rng(int.from_bytes(seed, "big")).integers(0, 2**bits, len(y), dtype=np.uint64)
        y = (y + m) % mod if my_id < j else (y + mod - m) % mod
    return y
"""
# Each pair masks once: only the lower id adds its mask, so nothing cancels and the highest id sends
# its update in the clear.
ONLY_LARGER = """
def pairwise_mask(x, my_id, pair_seeds, bits):
    y = np.asarray(x, dtype=np.uint64)
    for j, seed in pair_seeds.items():
        if j > my_id:  # each pair masks once
            y = (y + prg(seed, len(y), bits)) & np.uint64(2**bits - 1)
    return y
"""
# Insecure protocol: sends the update itself (the sum is right, the server sees every update).
UNMASKED = """
def pairwise_mask(x, my_id, pair_seeds, bits):
    return np.asarray(x, dtype=np.uint64) % np.uint64(2**bits)  # the masks cancel in the sum anyway
"""
# Correct: Python integers, % 2**bits, peers in sorted order.
PY_INTS = """
def pairwise_mask(x, my_id, pair_seeds, bits):
    out = [int(v) for v in x]
    for j in sorted(pair_seeds):
        m = prg(pair_seeds[j], len(out), bits)
        sign = 1 if my_id < j else -1
        out = [(v + sign * int(mk)) % 2**bits for v, mk in zip(out, m)]
    return np.array(out, dtype=np.uint64)
"""
# Correct: stacked masks, one signed sum, & (2^bits - 1).
VECTOR = """
def pairwise_mask(x, my_id, pair_seeds, bits):
    ids = list(pair_seeds)
    masks = np.stack([prg(pair_seeds[j], len(x), bits) for j in ids])
    plus = masks[[j > my_id for j in ids]].sum(axis=0, dtype=np.uint64)
    minus = masks[[j < my_id for j in ids]].sum(axis=0, dtype=np.uint64)
    return (np.asarray(x, dtype=np.uint64) + plus - minus) & np.uint64((1 << bits) - 1)
"""


# --- client_update (3 points over two cells) ---------------------------------------------------------

# Returns the hospital's new weights instead of the update w - w_global.
RETURNS_WEIGHTS = """
def client_update(w_global, X, y, epochs, lr, batch_size, rng):
    w = np.array(w_global, dtype=float)
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for i in range(0, len(y), batch_size):
            b = order[i:i + batch_size]
            p = 1 / (1 + np.exp(-(X[b] @ w[:-1] + w[-1])))
            w[:-1] -= lr * X[b].T @ (p - y[b]) / len(b)
            w[-1] -= lr * np.mean(p - y[b])
    return w, len(y)  # the hospital's model
"""
# One pass over the data whatever epochs says.
ONE_EPOCH = """
def client_update(w_global, X, y, epochs, lr, batch_size, rng):
    w = np.array(w_global, dtype=float)
    order = rng.permutation(len(y))  # one epoch: every scan once
    for i in range(0, len(y), batch_size):
        b = order[i:i + batch_size]
        p = 1 / (1 + np.exp(-(X[b] @ w[:-1] + w[-1])))
        w[:-1] -= lr * X[b].T @ (p - y[b]) / len(b)
        w[-1] -= lr * np.mean(p - y[b])
    return w - w_global, len(y)
"""
# Right update, but it trains the global model's array in place: the server's copy changes.
TRAINS_IN_PLACE = """
def client_update(w_global, X, y, epochs, lr, batch_size, rng):
    start = w_global.copy()
    w = w_global  # train the model the server sent
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for i in range(0, len(y), batch_size):
            b = order[i:i + batch_size]
            p = 1 / (1 + np.exp(-(X[b] @ w[:-1] + w[-1])))
            w[:-1] -= lr * X[b].T @ (p - y[b]) / len(b)
            w[-1] -= lr * np.mean(p - y[b])
    return w - start, len(y)
"""
# Hands local training to the kit.
DELEGATING_UPDATE = """
from ppml_lab.fl import client_update as _kit_update

def client_update(w_global, X, y, epochs, lr, batch_size, rng):
    return _kit_update(w_global, X, y, epochs, lr, batch_size, rng)
"""
# Correct: one example at a time inside each batch, a clipped exp for the sigmoid.
PER_EXAMPLE = """
import math

def client_update(w_global, X, y, epochs, lr, batch_size, rng):
    start = np.asarray(w_global, dtype=np.float64)
    w = start.copy()
    n, d = np.shape(X)
    for _ in range(epochs):
        order = rng.permutation(n)
        for i in range(0, n, batch_size):
            g = np.zeros(d + 1)
            idx = order[i:i + batch_size]
            for j in idx:
                z = float(np.dot(X[j], w[:d]) + w[d])
                p = 1.0 / (1.0 + math.exp(-min(max(z, -700.0), 700.0)))
                g[:d] += (p - y[j]) * np.asarray(X[j], dtype=float)
                g[d] += p - y[j]
            w -= lr * g / len(idx)
    return (w - start, int(n))
"""
# Correct: the bias as a column of ones, batches listed first, returned as a list.
BIAS_COLUMN = """
def client_update(w_global, X, y, epochs, lr, batch_size, rng):
    Xb = np.hstack([np.asarray(X, dtype=float), np.ones((len(X), 1))])
    w = np.array(w_global, dtype=float, copy=True)
    for _ in range(epochs):
        order = rng.permutation(len(Xb))
        for b in [order[k:k + batch_size] for k in range(0, len(order), batch_size)]:
            p = np.exp(-np.logaddexp(0.0, -(Xb[b] @ w)))
            w = w - lr * Xb[b].T @ (p - y[b]) / b.size
    return [w - np.asarray(w_global, dtype=float), len(Xb)]
"""


# --- dp_fedavg_round (5 points over three cells) -----------------------------------------------------

# Clips the average instead of each update: one hospital's influence is not bounded.
CLIP_AVERAGE = """
def dp_fedavg_round(w_global, updates, clip_norm, noise_multiplier, expected_clients, rng):
    w = np.asarray(w_global, dtype=float)
    mean = sum(updates, np.zeros_like(w)) / expected_clients
    mean = mean * min(1.0, clip_norm / max(np.linalg.norm(mean), 1e-12))  # clip what is released
    return w + mean + rng.normal(0.0, noise_multiplier * clip_norm, w.shape) / expected_clients
"""
# Every hospital's update gets noise of std z * C: the sum carries sqrt(k) times too much.
NOISE_PER_CLIENT = """
def dp_fedavg_round(w_global, updates, clip_norm, noise_multiplier, expected_clients, rng):
    w = np.asarray(w_global, dtype=float)
    total = np.zeros_like(w)
    for u in updates:
        u = u * min(1.0, clip_norm / max(np.linalg.norm(u), 1e-12))
        total += u + rng.normal(0.0, noise_multiplier * clip_norm, w.shape)  # noise on each update
    return w + total / expected_clients
"""
# Divides by the number of updates that arrived: the denominator then depends on who took part.
DIVIDE_BY_ARRIVED = """
def dp_fedavg_round(w_global, updates, clip_norm, noise_multiplier, expected_clients, rng):
    w = np.asarray(w_global, dtype=float)
    clipped = [u * min(1.0, clip_norm / max(np.linalg.norm(u), 1e-12)) for u in updates]
    noisy = sum(clipped, np.zeros_like(w)) + rng.normal(0.0, noise_multiplier * clip_norm, w.shape)
    return w + noisy / len(updates)
"""
# Hands the round to the kit.
DELEGATING_DP = """
import ppml_lab.fl

def dp_fedavg_round(w_global, updates, clip_norm, noise_multiplier, expected_clients, rng):
    return ppml_lab.fl.dp_fedavg_round(w_global, updates, clip_norm, noise_multiplier, expected_clients, rng)
"""
# Correct: a stacked matrix, norms by row, standard normals scaled by z * C.
STACKED = """
def dp_fedavg_round(w_global, updates, clip_norm, noise_multiplier, expected_clients, rng):
    w = np.asarray(w_global, dtype=np.float64)
    U = np.array(updates, dtype=np.float64).reshape(len(updates), w.size)
    norms = np.sqrt((U ** 2).sum(axis=1, keepdims=True))
    clipped = U * np.minimum(1.0, clip_norm / np.maximum(norms, 1e-300))
    noise = noise_multiplier * clip_norm * rng.standard_normal(w.size)
    return w + (clipped.sum(axis=0) + noise) / float(expected_clients)
"""
# Correct: Python loops, the norm with math, clipping only when the norm exceeds C.
LOOPS = """
import math

def dp_fedavg_round(w_global, updates, clip_norm, noise_multiplier, expected_clients, rng):
    d = len(w_global)
    total = [0.0] * d
    for u in updates:
        norm = math.sqrt(sum(float(v) ** 2 for v in u))
        scale = clip_norm / norm if norm > clip_norm else 1.0
        total = [t + scale * float(v) for t, v in zip(total, u)]
    sigma = noise_multiplier * clip_norm
    noisy = [t + sigma * float(e) for t, e in zip(total, rng.normal(size=d))]
    return np.array([float(w) + t / expected_clients for w, t in zip(w_global, noisy)])
"""


# --- dp_fedavg_epsilon (2 points) ----------------------------------------------------------------------

# Ignores the sampling rate: every hospital counted in every round.
NO_SAMPLING = """
from ppml_lab.dp import RDPAccountant

def dp_fedavg_epsilon(noise_multiplier, sample_rate, rounds, delta):
    acc = RDPAccountant()
    acc.step(noise_multiplier=noise_multiplier, sample_rate=1.0, num_steps=rounds)
    return acc.get_epsilon(delta)
"""
# One round's epsilon times the rounds: basic composition, far looser than the accountant.
LINEAR_COMPOSITION = """
from ppml_lab.dp import RDPAccountant

def dp_fedavg_epsilon(noise_multiplier, sample_rate, rounds, delta):
    acc = RDPAccountant()
    acc.step(noise_multiplier=noise_multiplier, sample_rate=sample_rate)
    return rounds * acc.get_epsilon(delta)
"""
# One accountant step for the whole run.
ONE_STEP = """
from ppml_lab.dp import RDPAccountant

def dp_fedavg_epsilon(noise_multiplier, sample_rate, rounds, delta):
    acc = RDPAccountant()
    acc.step(noise_multiplier=noise_multiplier, sample_rate=sample_rate)  # the rounds happen inside
    return acc.get_epsilon(delta)
"""
# Opacus's accountant, not the kit's.
OPACUS_ACCOUNTANT = """
from opacus.accountants import RDPAccountant as _Opacus

def dp_fedavg_epsilon(noise_multiplier, sample_rate, rounds, delta):
    acc = _Opacus()
    for _ in range(rounds):
        acc.step(noise_multiplier=noise_multiplier, sample_rate=sample_rate)
    return float(acc.get_epsilon(delta))
"""
# Correct: one step call per round.
STEP_PER_ROUND = """
from ppml_lab.dp import RDPAccountant

def dp_fedavg_epsilon(noise_multiplier, sample_rate, rounds, delta):
    acc = RDPAccountant()
    for _ in range(int(rounds)):
        acc.step(noise_multiplier=noise_multiplier, sample_rate=sample_rate)
    return float(acc.get_epsilon(delta))
"""
# Correct: rounds in a few chunks, delta by keyword.
CHUNKED = """
from ppml_lab.dp import RDPAccountant

def dp_fedavg_epsilon(noise_multiplier, sample_rate, rounds, delta):
    acc = RDPAccountant()
    first = rounds // 2
    for steps in (first, rounds - first):
        if steps:
            acc.step(noise_multiplier=noise_multiplier, sample_rate=sample_rate, num_steps=steps)
    return acc.get_epsilon(delta=delta)
"""


CELLS = {
    "fedavg": {"test_fedavg_values": 2.0, "test_fedavg_weights": 1.0},
    "pairwise_mask": {"test_masking_sum": 1.0, "test_masking_prg": 1.0, "test_masking_hides": 1.0},
    "client_update": {"test_client_update_values": 2.0, "test_client_update_start": 1.0},
    "dp_fedavg_round": {"test_dp_clip": 2.0, "test_dp_mean": 1.0, "test_dp_noise": 2.0},
    "dp_fedavg_epsilon": {"test_dp_epsilon": 2.0},
}
# One submission per row: (fedavg, pairwise_mask) variants, each with the marks it must earn, cell by cell
# in the order of CELLS (the honest version of ZERO_NAN_DISHONEST, without the subclass, earns (2, 0)).
SUBMISSIONS = {
    "v1": {"fedavg": (UNWEIGHTED_PATCHED, (0, 0)), "pairwise_mask": (ALL_ADD, (0, 0, 1)),
           "client_update": (RETURNS_WEIGHTS, (0, 0)),
           "dp_fedavg_round": (CLIP_AVERAGE, (0, 1, 2)), "dp_fedavg_epsilon": (NO_SAMPLING, (0,))},
    "v2": {"fedavg": (ZERO_NAN_DISHONEST, (0, 0)), "pairwise_mask": (SEED_RNG, (1, 0, 1)),
           "client_update": (ONE_EPOCH, (0, 1)),
           "dp_fedavg_round": (NOISE_PER_CLIENT, (2, 1, 0)), "dp_fedavg_epsilon": (LINEAR_COMPOSITION, (0,))},
    "v3": {"fedavg": (IN_PLACE, (2, 0)), "pairwise_mask": (ONLY_LARGER, (0, 0, 0)),
           "client_update": (TRAINS_IN_PLACE, (2, 0)),
           "dp_fedavg_round": (DIVIDE_BY_ARRIVED, (2, 0, 0)), "dp_fedavg_epsilon": (ONE_STEP, (0,))},
    "v4": {"fedavg": (DELEGATING, (0, 0)), "pairwise_mask": (PY_INTS, (1, 1, 1)),
           "client_update": (DELEGATING_UPDATE, (0, 0)),
           "dp_fedavg_round": (DELEGATING_DP, (0, 0, 0)), "dp_fedavg_epsilon": (OPACUS_ACCOUNTANT, (0,))},
    "v5": {"fedavg": (NP_AVERAGE, (2, 1)), "pairwise_mask": (UNMASKED, (0, 0, 0)),
           "client_update": (PER_EXAMPLE, (2, 1)),
           "dp_fedavg_round": (STACKED, (2, 1, 2)), "dp_fedavg_epsilon": (STEP_PER_ROUND, (2,))},
    "v6": {"fedavg": (LOOP, (2, 1)), "pairwise_mask": (VECTOR, (1, 1, 1)),
           "client_update": (BIAS_COLUMN, (2, 1)),
           "dp_fedavg_round": (LOOPS, (2, 1, 2)), "dp_fedavg_epsilon": (CHUNKED, (2,))},
}
CHEATS = [
    ("v4", "fedavg", "ppml_lab.fl.weighted_average"),
    ("v4", "client_update", "ppml_lab.fl.client_update"),
    ("v4", "dp_fedavg_round", "ppml_lab.fl.dp_fedavg_round"),
    ("v4", "dp_fedavg_epsilon", "opacus.accountants.RDPAccountant"),
]

NBGRADER_TIMEOUT = 2400  # seconds for one nbgrader autograde run of eight notebooks


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every notebook of this file graded in one nbgrader run: solution, blank and six submissions."""
    answers = solution_answers(A)
    assert set(answers) == {*CELLS, MANUAL}
    variants = {"solution": notebook_with_answers(A, answers), "blank": release_notebook(A)}
    for student, rows in SUBMISSIONS.items():
        variants[student] = notebook_with_answers(A, {fn: code for fn, (code, _) in rows.items()})
    return autograde_variants(A, variants, tmp_path_factory.mktemp("hospitals"), timeout=NBGRADER_TIMEOUT)


@pytest.mark.timeout(2700)
def test_solution_earns_full_marks_and_blank_zero(graded):
    solution, blank = graded["solution"], graded["blank"]
    assert set(solution.cells) == {cell for cells in CELLS.values() for cell in cells}
    assert solution.max_score == 16 and solution.score == 16, solution.cells
    assert blank.score == 0 and blank.max_score == 16, blank.cells
    assert MANUAL not in solution.cells and MANUAL not in blank.cells


@pytest.mark.timeout(2700)
def test_the_written_answer_waits_for_the_instructor(graded):
    assert_written_answer_graded_by_hand(graded, MANUAL, 3, 16, ("blank", *SUBMISSIONS))


def test_the_rubric_is_the_instructors_only():
    master = next(c for c in source_notebook(A).cells if c.metadata.get("nbgrader", {}).get("grade_id") == MANUAL)
    released = next(c for c in release_notebook(A).cells if c.metadata.get("nbgrader", {}).get("grade_id") == MANUAL)
    meta = master.metadata["nbgrader"]
    assert master.cell_type == "markdown" and meta["points"] == 3
    assert meta["solution"] and meta["grade"] and not meta["task"] and not meta["locked"]
    assert "Rubric (3 points" in master.source and master.source.count("### BEGIN SOLUTION") == 1
    assert released.source == "YOUR ANSWER HERE"
    prompt = "\n".join(c.source for c in release_notebook(A).cells if c.cell_type == "markdown")
    assert "graded by hand" in prompt and "honest-but-curious server, no collusion" in prompt


@pytest.mark.timeout(2700)
@pytest.mark.parametrize("student", sorted(SUBMISSIONS))
def test_each_variant_earns_exactly_its_marks(graded, student):
    assert_marks_per_cell(graded, {student: SUBMISSIONS[student]}, CELLS)


@pytest.mark.timeout(2700)
def test_cheats_are_told_what_they_called_and_why(graded):
    assert_cheats_named(graded, CHEATS, CELLS)
    assert "TamperingDetected" in graded["v2"].outputs_text("test_fedavg_values")
    # the insecure protocol is told that it sends the update itself
    assert "a hospital sends its masked update, not the update" in graded["v5"].outputs_text("test_masking_sum")


def test_the_exercise_states_what_the_hidden_tests_check():
    source = "\n".join(c.source for c in release_notebook(A).cells if c.cell_type == "markdown")
    assert "a hospital with 0 examples contributes nothing" in source
    assert "raise `ValueError`; the arrays you are given are not modified" in source
    assert "no function of `ppml_lab` is allowed" in source
    assert "must not be its update (at most 1% of coordinates equal)" in source
    assert "16 equal bins at a p-value of\n$10^{-4}$" in source
    assert "You may use `prg`" in source
    assert "the count is `len(y)` (an `int`), and that every call starts from the `w_global` it is given" in source
    assert "Clip **each** update on its" in source and "once per round and not\nto each update" in source
    assert "a\nPCG64 generator" in source and "divide by `expected_clients`, whatever the" in source
    assert "Kolmogorov-Smirnov test against $N(0, (zC/\\text{expected\\_clients})^2)$" in source
    assert "`RDPAccountant` from `ppml_lab.dp`" in source and "with $q < 1$, to a relative $10^{-9}$" in source


# --- the same graded cells, run in this process, for wrong answers the eight notebooks have no room for --

# Continues from the weights it left behind on the same data, as a stateful client would.
KEEPS_LOCAL_WEIGHTS = """
_local = {}

def client_update(w_global, X, y, epochs, lr, batch_size, rng):
    start = np.asarray(w_global, dtype=float)
    w = _local.get(id(X), start).copy()  # this hospital's model from the previous round
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for i in range(0, len(y), batch_size):
            b = order[i:i + batch_size]
            p = 1 / (1 + np.exp(-(X[b] @ w[:-1] + w[-1])))
            w = w - lr * np.append(X[b].T @ (p - y[b]), np.sum(p - y[b])) / len(b)
    _local[id(X)] = w
    return w - start, len(y)
"""
# Noise of standard deviation C whatever the noise multiplier.
NOISE_STD_C = """
def dp_fedavg_round(w_global, updates, clip_norm, noise_multiplier, expected_clients, rng):
    w = np.asarray(w_global, dtype=float)
    clipped = [u * min(1.0, clip_norm / max(np.linalg.norm(u), 1e-12)) for u in updates]
    return w + (sum(clipped, np.zeros_like(w)) + rng.normal(0.0, clip_norm, w.shape)) / expected_clients
"""
# Noise from NumPy's global generator, not from rng.
GLOBAL_NOISE = """
def dp_fedavg_round(w_global, updates, clip_norm, noise_multiplier, expected_clients, rng):
    w = np.asarray(w_global, dtype=float)
    clipped = [u * min(1.0, clip_norm / max(np.linalg.norm(u), 1e-12)) for u in updates]
    noise = np.random.normal(0.0, noise_multiplier * clip_norm, w.shape)
    return w + (sum(clipped, np.zeros_like(w)) + noise) / expected_clients
"""
# Passes z * C to the accountant as the noise multiplier.
EPS_Z_TIMES_C = """
def dp_fedavg_epsilon(noise_multiplier, sample_rate, rounds, delta):
    acc = RDPAccountant()
    acc.step(noise_multiplier=noise_multiplier * 0.5, sample_rate=sample_rate, num_steps=rounds)  # z C, C = 0.5
    return acc.get_epsilon(delta)
"""
EXTRA_WRONG = [
    ("client_update", KEEPS_LOCAL_WEIGHTS, "test_client_update_start", "start from the w_global given"),
    ("dp_fedavg_round", NOISE_STD_C, "test_dp_noise", "Kolmogorov-Smirnov"),
    ("dp_fedavg_round", GLOBAL_NOISE, "test_dp_noise", "rng|seed"),
    ("dp_fedavg_epsilon", EPS_Z_TIMES_C, "test_dp_epsilon", "ε should be"),
]


@pytest.fixture(scope="module")
def cells():
    return code_cells(A)


def _run_hidden(cells, answer, cell):
    """Define the answer, then run the hidden part of one graded cell, in this process."""
    namespace = {"np": np, "pd": pd}
    exec("from ppml_lab.dp import RDPAccountant", namespace)
    exec(answer, namespace)
    exec(hidden_tests(cells[cell]), namespace)


def test_the_solutions_pass_the_hidden_tests_in_process(cells):
    answers = solution_answers(A)
    for fn, _, _, _ in EXTRA_WRONG:
        for cell in CELLS[fn]:
            _run_hidden(cells, answers[fn], cell)


@pytest.mark.parametrize(("fn", "answer", "cell", "message"), EXTRA_WRONG, ids=["keeps-local-weights", "noise-std-c", "global-noise", "eps-z-times-c"])
def test_more_wrong_answers_fail_the_hidden_tests_in_process(cells, fn, answer, cell, message):
    assert cell in CELLS[fn]
    with pytest.raises(AssertionError, match=message):
        _run_hidden(cells, answer, cell)
