"""The interview-labs lesson: full, zero, partial marks and no delegation with the real nbgrader CLI,
and more plausible wrong answers run against the same graded cells in this process (no kernel)."""

import pytest

from autograder.testing import (
    autograde_variants,
    notebook_with_answers,
    release_notebook,
    solution_answers,
    source_notebook,
)
from ppml_lab.smpc import MUL_ROUNDS, PUBLIC_MUL_ROUNDS, SIGMOID_ROUNDS

A = "10_interview_labs"
STEP_ROUNDS = 2 * MUL_ROUNDS + SIGMOID_ROUNDS + PUBLIC_MUL_ROUNDS  # a batched secure gradient step

# --- plausible wrong answers, one block per solution cell ----------------------------------------
# Bytes divided by the bandwidth as if bandwidth were in bytes per second.
BYTES_AS_BITS = """
def protocol_seconds(compute_s, rounds, bytes_sent, rtt_s, bandwidth_bps):
    return compute_s + rounds * np.asarray(rtt_s, dtype=float) + np.asarray(bytes_sent, dtype=float) / bandwidth_bps
"""
# Half an RTT per round: counts one-way latency.
ONE_WAY = """
def protocol_seconds(compute_s, rounds, bytes_sent, rtt_s, bandwidth_bps):
    return compute_s + rounds * np.asarray(rtt_s, dtype=float) / 2 + 8.0 * np.asarray(bytes_sent) / bandwidth_bps
"""
# Forwards to the transport's network model, the reference the answer is graded against.
DELEGATING_SECONDS = """
from ppml_lab.smpc import NetworkModel as _Link

def protocol_seconds(compute_s, rounds, bytes_sent, rtt_s, bandwidth_bps):
    return compute_s + _Link(rtt_s, bandwidth_bps).seconds(rounds, bytes_sent)
"""
# Forgets that HE pays one round trip too: divides by all of SMPC's rounds.
ONE_SIDED_ROUNDS = """
def crossover_rtt(he_cost, smpc_cost, bandwidth_bps):
    head_start = (he_cost.compute_s - smpc_cost.compute_s) + 8.0 * (he_cost.bytes_sent - smpc_cost.bytes_sent) / bandwidth_bps
    return max(0.0, head_start / smpc_cost.rounds)
"""
# The formula without the edge cases (negative RTTs, equal rounds).
NO_EDGE_CASES = """
def crossover_rtt(he_cost, smpc_cost, bandwidth_bps):
    head_start = (he_cost.compute_s - smpc_cost.compute_s) + 8.0 * (he_cost.bytes_sent - smpc_cost.bytes_sent) / bandwidth_bps
    return head_start / (smpc_cost.rounds - he_cost.rounds)
"""
# Right weights, but the gradient is still computed one feature (one round) at a time.
LOOPED_GRADIENT = """
def fast_training_step(X, y, w, learning_rate):
    error = sigmoid_poly(X @ w) - y
    gradient = [X[:, j:j + 1].T @ error for j in range(X.shape[1])]
    return w - concat_shared(gradient) * (learning_rate / X.shape[0])
"""
# Forgets to average the gradient over the batch.
SUMMED_GRADIENT = """
def fast_training_step(X, y, w, learning_rate):
    return w - (X.T @ (sigmoid_poly(X @ w) - y)) * learning_rate
"""
# Opens the new weights: a round more, and the model leaks.
REVEALS_WEIGHTS = """
def fast_training_step(X, y, w, learning_rate):
    new = w - (X.T @ (sigmoid_poly(X @ w) - y)) * (learning_rate / X.shape[0])
    return new.reveal()
"""
# Judges the rows by their mean accuracy: no margin for the run that is actually shipped.
NO_MARGIN = """
def choose_operating_point(table, epsilon_budget, accuracy_floor):
    feasible = table[(table["epsilon"] <= epsilon_budget) & (table["accuracy"] >= accuracy_floor)]
    if feasible.empty:
        return None
    return feasible.sort_values(["accuracy", "epsilon"], ascending=[False, True], kind="stable").index[0]
"""
# Returns the row's position instead of its label.
POSITION = """
def choose_operating_point(table, epsilon_budget, accuracy_floor):
    p = (table["accuracy"] - 2 * table["accuracy_std"]).to_numpy()
    ok = (table["epsilon"].to_numpy() <= epsilon_budget) & (p >= accuracy_floor)
    if not ok.any():
        return None
    order = np.lexsort((table["epsilon"].to_numpy(), -p))
    return int([i for i in order if ok[i]][0])
"""
# The pooled distribution as the unweighted mean of the hospitals' distributions.
UNWEIGHTED_POOL = """
def diagnose_federation(label_counts, federated_accuracy, local_accuracy):
    counts = np.asarray(label_counts, dtype=float)
    sizes = counts.sum(axis=1)
    dists = counts / sizes[:, None]
    tv = 0.5 * np.abs(dists - dists.mean(axis=0)).sum(axis=1).mean()
    ratio = sizes.max() / sizes.min()
    skews = [s for s, on in (("label", tv > LABEL_SKEW_TV), ("quantity", ratio > QUANTITY_RATIO)) if on]
    gap = np.asarray(local_accuracy) - np.asarray(federated_accuracy)
    return {"label_skew_tv": tv, "quantity_ratio": ratio, "skews": skews,
            "hurt": [int(i) for i in np.flatnonzero(gap > HURT_MARGIN)]}
"""
# Rebuilds label arrays and lets the library's skew report do the measuring.
DELEGATING_DIAGNOSIS = """
from ppml_lab.fl import skew_report as _report

def diagnose_federation(label_counts, federated_accuracy, local_accuracy):
    counts = np.asarray(label_counts)
    tv = _report([np.repeat(np.arange(counts.shape[1]), row) for row in counts])["label_skew_tv"]
    sizes = counts.sum(axis=1)
    ratio = sizes.max() / sizes.min()
    skews = [s for s, on in (("label", tv > LABEL_SKEW_TV), ("quantity", ratio > QUANTITY_RATIO)) if on]
    gap = np.asarray(local_accuracy) - np.asarray(federated_accuracy)
    return {"label_skew_tv": tv, "quantity_ratio": ratio, "skews": skews,
            "hurt": [int(i) for i in np.flatnonzero(gap > HURT_MARGIN)]}
"""

CELLS = {
    "test_protocol_seconds": 2.0,
    "test_crossover_rtt": 2.0,
    "test_fast_training_step": 3.0,
    "test_choose_operating_point": 2.0,
    "test_diagnose_federation": 2.0,
}
TESTED_BY = {
    "protocol_seconds": "test_protocol_seconds",
    "crossover_rtt": "test_crossover_rtt",
    "fast_training_step": "test_fast_training_step",
    "choose_operating_point": "test_choose_operating_point",
    "diagnose_federation": "test_diagnose_federation",
}


def test_interview_labs_grade_full_zero_partial_and_refuse_delegation(tmp_path):
    answers = solution_answers(A)
    assert set(answers) == set(TESTED_BY)
    results = autograde_variants(
        A,
        {
            "solution": notebook_with_answers(A, answers),
            "blank": release_notebook(A),
            # a delegation and two wrong answers: crossover_rtt and diagnose_federation still earn marks
            "mixed": notebook_with_answers(
                A,
                {
                    **answers,
                    "protocol_seconds": DELEGATING_SECONDS,
                    "fast_training_step": LOOPED_GRADIENT,
                    "choose_operating_point": NO_MARGIN,
                },
            ),
        },
        tmp_path,
    )
    solution, blank, mixed = results["solution"], results["blank"], results["mixed"]
    assert solution.cells == {k: (v, v) for k, v in CELLS.items()}, solution.cells
    assert solution.score == solution.max_score == 11
    assert blank.score == 0 and blank.max_score == 11, blank.cells
    assert mixed.cells == {
        **{k: (0.0, v) for k, v in CELLS.items()},
        "test_crossover_rtt": (2.0, 2.0),
        "test_diagnose_federation": (2.0, 2.0),
    }, mixed.cells
    assert "the reference implementation it is graded against" in mixed.outputs_text("test_protocol_seconds")
    assert f"at most {STEP_ROUNDS}" in mixed.outputs_text("test_fast_training_step")
    assert "b's pessimistic accuracy" in mixed.outputs_text("test_choose_operating_point")


# --- the same graded cells, run in this process ----------------------------------------------------
def _sources() -> dict[str, str]:
    return {
        c.metadata.get("nbgrader", {}).get("grade_id"): c.source
        for c in source_notebook(A).cells
        if c.cell_type == "code"
    }


@pytest.fixture(scope="module")
def lesson():
    """The master's cells by grade id, and a namespace holding what the graded cells use."""
    sources = _sources()
    namespace: dict = {}
    exec(sources["setup"], namespace)  # imports and ProtocolCost
    exec("from ppml_lab.smpc import MPCSession", namespace)
    exec(sources["slow-step"], namespace)  # SharedTensor, sigmoid_poly, concat_shared
    exec(sources["thresholds"], namespace)
    return sources, namespace


def _grade(lesson, answer_id: str, answer: str) -> None:
    """Run the answer, then its graded cell (visible and hidden tests), as the autograder would."""
    sources, base = lesson
    namespace = dict(base)
    exec(answer, namespace)
    exec(sources[TESTED_BY[answer_id]], namespace)


def test_every_solution_passes_its_graded_cell(lesson):
    for answer_id, answer in solution_answers(A).items():
        _grade(lesson, answer_id, answer)


@pytest.mark.parametrize(
    ("answer_id", "wrong"),
    [
        ("protocol_seconds", BYTES_AS_BITS),
        ("protocol_seconds", ONE_WAY),
        ("protocol_seconds", DELEGATING_SECONDS),
        ("crossover_rtt", ONE_SIDED_ROUNDS),
        ("crossover_rtt", NO_EDGE_CASES),
        ("fast_training_step", LOOPED_GRADIENT),
        ("fast_training_step", SUMMED_GRADIENT),
        ("fast_training_step", REVEALS_WEIGHTS),
        ("choose_operating_point", NO_MARGIN),
        ("choose_operating_point", POSITION),
        ("diagnose_federation", UNWEIGHTED_POOL),
        ("diagnose_federation", DELEGATING_DIAGNOSIS),
    ],
    ids=[
        "bytes-as-bits",
        "one-way-latency",
        "delegating-seconds",
        "one-sided-rounds",
        "no-edge-cases",
        "looped-gradient",
        "summed-gradient",
        "reveals-weights",
        "no-margin",
        "position",
        "unweighted-pool",
        "delegating-diagnosis",
    ],
)
def test_graded_cells_reject_plausible_wrong_answers(lesson, answer_id, wrong):
    with pytest.raises(AssertionError):
        _grade(lesson, answer_id, wrong)
