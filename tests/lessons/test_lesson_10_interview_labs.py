"""The interview-labs lesson: full, zero, partial marks and no delegation with the real nbgrader CLI,
and more plausible wrong answers run against the same graded cells in this process (no kernel)."""

import pytest
from written_answers import (
    assert_rubric_for_the_learner_and_reference_for_the_instructor,
    assert_written_answer_graded_by_hand,
    code_answers,
)

from autograder.testing import (
    autograde_variants,
    notebook_with_answers,
    release_notebook,
    solution_answers,
    source_notebook,
)
from ppml_lab.smpc import MUL_ROUNDS, PUBLIC_MUL_ROUNDS, SIGMOID_ROUNDS

A = "10_interview_labs"
MANUAL = "interview_operating_point"  # the written answer, graded by hand
MANUAL_POINTS = 3
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

# Forgets the local compute: only the network's share of the time.
MISSING_COMPUTE = """
def protocol_seconds(compute_s, rounds, bytes_sent, rtt_s, bandwidth_bps):
    return rounds * np.asarray(rtt_s, dtype=float) + 8.0 * np.asarray(bytes_sent, dtype=float) / bandwidth_bps
"""
# Other correct answers: plain arithmetic (NumPy broadcasts the RTT grid), and explicit ufuncs.
PLAIN_SECONDS = """
def protocol_seconds(compute_s, rounds, bytes_sent, rtt_s, bandwidth_bps):
    return compute_s + rounds * rtt_s + bytes_sent * 8 / bandwidth_bps
"""
UFUNC_SECONDS = """
def protocol_seconds(compute_s, rounds, bytes_sent, rtt_s, bandwidth_bps):
    latency = np.multiply(rounds, rtt_s, dtype=float)
    transfer = np.divide(np.multiply(bytes_sent, 8.0), bandwidth_bps)
    return np.add(np.add(compute_s, latency), transfer)
"""
# Bytes taken for bits: the factor 8 is missing.
NO_EIGHT = """
def crossover_rtt(he_cost, smpc_cost, bandwidth_bps):
    head_start = (he_cost.compute_s - smpc_cost.compute_s) + (he_cost.bytes_sent - smpc_cost.bytes_sent) / bandwidth_bps
    if head_start <= 0:
        return 0.0
    extra = smpc_cost.rounds - he_cost.rounds
    return math.inf if extra <= 0 else head_start / extra
"""
# Solves for the crossover with the kit's network model.
DELEGATING_CROSSOVER = """
from ppml_lab.smpc import NetworkModel as _Net

def crossover_rtt(he_cost, smpc_cost, bandwidth_bps):
    def gap(rtt):
        link = _Net(rtt, bandwidth_bps)
        return (smpc_cost.compute_s + link.seconds(smpc_cost.rounds, smpc_cost.bytes_sent)
                - he_cost.compute_s - link.seconds(he_cost.rounds, he_cost.bytes_sent))
    if gap(0.0) >= 0:
        return 0.0
    if smpc_cost.rounds <= he_cost.rounds:
        return math.inf
    return -gap(0.0) / (smpc_cost.rounds - he_cost.rounds)
"""
# Other correct answers: bisection on the two times, and the formula with the cases in another order.
BISECTION = """
def crossover_rtt(he_cost, smpc_cost, bandwidth_bps):
    def gap(rtt):  # SMPC's time minus HE's
        t = lambda c: c.compute_s + c.rounds * rtt + 8.0 * c.bytes_sent / bandwidth_bps
        return t(smpc_cost) - t(he_cost)
    if gap(0.0) >= 0:
        return 0.0
    if smpc_cost.rounds <= he_cost.rounds:
        return math.inf
    lo, hi = 0.0, 1.0
    while gap(hi) < 0:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if gap(mid) < 0 else (lo, mid)
    return (lo + hi) / 2
"""
CASES_FIRST = """
def crossover_rtt(he_cost, smpc_cost, bandwidth_bps):
    he_fixed = he_cost.compute_s + 8 * he_cost.bytes_sent / bandwidth_bps
    smpc_fixed = smpc_cost.compute_s + 8 * smpc_cost.bytes_sent / bandwidth_bps
    if smpc_fixed >= he_fixed:
        return 0.0
    extra = smpc_cost.rounds - he_cost.rounds
    if extra <= 0:
        return math.inf
    return float((he_fixed - smpc_fixed) / extra)
"""
# Reveals X and y to work on public data, keeps w shared: STEP_ROUNDS rounds, the right step.
REVEALS_DATA = """
def fast_training_step(X, y, w, learning_rate):
    X_open, y_open = X.reveal(), y.reveal()
    error = sigmoid_poly(X_open @ w) - y_open
    return w - (X_open.T @ error) * (learning_rate / X_open.shape[0])
"""
# Reveals everything, computes in plaintext, re-shares by adding the change to the shared w.
REVEALS_ALL = """
def fast_training_step(X, y, w, learning_rate):
    X_open, y_open, w_open = X.reveal(), y.reveal(), w.reveal()
    new = w_open - learning_rate / len(X_open) * X_open.T @ (sigmoid_poly_plain(X_open @ w_open) - y_open)
    return w + (new - w_open)
"""
# Other correct answers: the step size on the error, and the gradient as a column.
SCALED_ERROR = """
def fast_training_step(X, y, w, learning_rate):
    error = (sigmoid_poly(X @ w) - y) * (learning_rate / X.shape[0])
    return w - X.T @ error
"""
COLUMN_STEP = """
def fast_training_step(X, y, w, learning_rate):
    scores = (X @ w.reshape(-1, 1)).reshape(-1)
    gradient = X.T @ (sigmoid_poly(scores) - y)
    return w + gradient * (-learning_rate / X.shape[0])
"""
# The first best row by pessimistic accuracy: ties are not broken by epsilon.
IDXMAX = """
def choose_operating_point(table, epsilon_budget, accuracy_floor):
    p = table["accuracy"] - 2 * table["accuracy_std"]
    feasible = (table["epsilon"] <= epsilon_budget) & (p >= accuracy_floor)
    return p[feasible].idxmax() if feasible.any() else None
"""
# A label that compares equal to anything.
DISHONEST_CHOICE = """
class _AnyLabel(str):
    def __eq__(self, other):
        return True
    __hash__ = str.__hash__

def choose_operating_point(table, epsilon_budget, accuracy_floor):
    p = table["accuracy"] - 2 * table["accuracy_std"]
    feasible = (table["epsilon"] <= epsilon_budget) & (p >= accuracy_floor)
    return _AnyLabel(str(table.index[feasible][0])) if feasible.any() else None
"""
# Other correct answers: a loop keeping the best row, and NumPy's lexsort.
LOOP_CHOICE = """
def choose_operating_point(table, epsilon_budget, accuracy_floor):
    best, best_key = None, None
    for label, row in table.iterrows():
        p = row["accuracy"] - 2 * row["accuracy_std"]
        if row["epsilon"] <= epsilon_budget and p >= accuracy_floor:
            key = (p, -row["epsilon"])
            if best_key is None or key > best_key:  # strictly better: the first row wins ties
                best, best_key = label, key
    return best
"""
LEXSORT_CHOICE = """
def choose_operating_point(table, epsilon_budget, accuracy_floor):
    p = (table["accuracy"] - 2 * table["accuracy_std"]).to_numpy()
    eps = table["epsilon"].to_numpy()
    ok = (eps <= epsilon_budget) & (p >= accuracy_floor)
    if not ok.any():
        return None
    rows = np.flatnonzero(ok)
    order = np.lexsort((rows, eps[rows], -p[rows]))  # last key first: p, then eps, then position
    return table.index[rows[order[0]]]
"""
# Total variation without the half.
NO_HALF_TV = """
def diagnose_federation(label_counts, federated_accuracy, local_accuracy):
    counts = np.asarray(label_counts, dtype=float)
    sizes = counts.sum(axis=1)
    pooled = counts.sum(axis=0) / counts.sum()
    tv = np.abs(counts / sizes[:, None] - pooled).sum(axis=1).mean()
    ratio = sizes.max() / sizes.min()
    skews = [s for s, on in (("label", tv > LABEL_SKEW_TV), ("quantity", ratio > QUANTITY_RATIO)) if on]
    gap = np.asarray(local_accuracy) - np.asarray(federated_accuracy)
    return {"label_skew_tv": tv, "quantity_ratio": ratio, "skews": skews,
            "hurt": [int(i) for i in np.flatnonzero(gap > HURT_MARGIN)]}
"""
# Every hospital below its own model counts as hurt: no margin for noise.
NO_HURT_MARGIN = """
def diagnose_federation(label_counts, federated_accuracy, local_accuracy):
    counts = np.asarray(label_counts, dtype=float)
    sizes = counts.sum(axis=1)
    pooled = counts.sum(axis=0) / counts.sum()
    tv = 0.5 * np.abs(counts / sizes[:, None] - pooled).sum(axis=1).mean()
    ratio = sizes.max() / sizes.min()
    skews = [s for s, on in (("label", tv > LABEL_SKEW_TV), ("quantity", ratio > QUANTITY_RATIO)) if on]
    hurt = [i for i, (f, l) in enumerate(zip(federated_accuracy, local_accuracy)) if f < l]
    return {"label_skew_tv": tv, "quantity_ratio": ratio, "skews": skews, "hurt": hurt}
"""
# Other correct answers: plain Python loops, and pandas.
LOOP_DIAGNOSIS = """
def diagnose_federation(label_counts, federated_accuracy, local_accuracy):
    rows = [[int(v) for v in row] for row in label_counts]
    total = sum(sum(r) for r in rows)
    pooled = [sum(r[c] for r in rows) / total for c in range(len(rows[0]))]
    tvs = [0.5 * sum(abs(r[c] / sum(r) - pooled[c]) for c in range(len(r))) for r in rows]
    tv = sum(tvs) / len(tvs)
    sizes = [sum(r) for r in rows]
    ratio = max(sizes) / min(sizes)
    skews = []
    if tv > LABEL_SKEW_TV:
        skews.append("label")
    if ratio > QUANTITY_RATIO:
        skews.append("quantity")
    hurt = [k for k in range(len(rows)) if federated_accuracy[k] < local_accuracy[k] - HURT_MARGIN]
    return {"label_skew_tv": tv, "quantity_ratio": ratio, "skews": skews, "hurt": hurt}
"""
PANDAS_DIAGNOSIS = """
def diagnose_federation(label_counts, federated_accuracy, local_accuracy):
    counts = pd.DataFrame(np.asarray(label_counts, dtype=float))
    shares = counts.div(counts.sum(axis=1), axis=0)
    pooled = counts.sum() / counts.to_numpy().sum()
    tv = shares.sub(pooled, axis=1).abs().sum(axis=1).mul(0.5).mean()
    sizes = counts.sum(axis=1)
    ratio = sizes.max() / sizes.min()
    skews = sorted(name for name, on in (("quantity", ratio > QUANTITY_RATIO), ("label", tv > LABEL_SKEW_TV)) if on)
    gap = pd.Series(local_accuracy) - pd.Series(federated_accuracy)
    return {"label_skew_tv": tv, "quantity_ratio": ratio, "skews": skews, "hurt": gap.index[gap > HURT_MARGIN].tolist()}
"""

CELLS = {
    "test_protocol_seconds": 2.0,
    "test_crossover_rtt": 2.0,
    "test_fast_training_step": 3.0,
    "test_choose_operating_point": 1.0,
    "test_choose_operating_point_ties": 1.0,
    "test_diagnose_federation": 2.0,
}
FUNCTIONS = ("protocol_seconds", "crossover_rtt", "fast_training_step", "choose_operating_point", "diagnose_federation")
TESTED_BY = {
    "protocol_seconds": ("test_protocol_seconds",),
    "crossover_rtt": ("test_crossover_rtt",),
    "fast_training_step": ("test_fast_training_step",),
    "choose_operating_point": ("test_choose_operating_point", "test_choose_operating_point_ties"),
    "diagnose_federation": ("test_diagnose_federation",),
}
VARIANTS = {
    # name: one answer per function (FUNCTIONS order), marks per cell (CELLS order)
    "wrong1": ((BYTES_AS_BITS, ONE_SIDED_ROUNDS, LOOPED_GRADIENT, NO_MARGIN, UNWEIGHTED_POOL), (0, 0, 0, 0, 0, 0)),
    "wrong2": ((ONE_WAY, NO_EDGE_CASES, SUMMED_GRADIENT, IDXMAX, NO_HALF_TV), (0, 0, 0, 1, 0, 0)),
    "wrong3": ((MISSING_COMPUTE, NO_EIGHT, REVEALS_WEIGHTS, POSITION, NO_HURT_MARGIN), (0, 0, 0, 0, 0, 0)),
    "cheat": ((DELEGATING_SECONDS, DELEGATING_CROSSOVER, REVEALS_DATA, DISHONEST_CHOICE, DELEGATING_DIAGNOSIS),
              (0, 0, 0, 0, 0, 0)),
    "alt1": ((PLAIN_SECONDS, BISECTION, SCALED_ERROR, LOOP_CHOICE, LOOP_DIAGNOSIS), (2, 2, 3, 1, 1, 2)),
    "alt2": ((UFUNC_SECONDS, CASES_FIRST, COLUMN_STEP, LEXSORT_CHOICE, PANDAS_DIAGNOSIS), (2, 2, 3, 1, 1, 2)),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    answers = solution_answers(A)
    assert set(answers) == set(FUNCTIONS) | {MANUAL}
    notebooks = {"solution": notebook_with_answers(A, answers), "blank": release_notebook(A)}
    for name, (variant, _) in VARIANTS.items():
        notebooks[name] = notebook_with_answers(A, dict(zip(FUNCTIONS, variant, strict=True)))
    assert len(notebooks) <= 8
    return autograde_variants(A, notebooks, tmp_path_factory.mktemp("grade10"), timeout=2400)


@pytest.mark.timeout(2400)
def test_interview_labs_grade_solution_full_and_blank_zero(graded):
    solution, blank = graded["solution"], graded["blank"]
    assert solution.cells == {k: (v, v) for k, v in CELLS.items()}, solution.cells
    assert solution.score == solution.max_score == 11
    assert blank.score == 0 and blank.max_score == 11, blank.cells


@pytest.mark.timeout(2400)
def test_the_written_answer_waits_for_the_instructor(graded):
    # the solution's answer is pending in formgrader; the blank's and the submissions' untouched copies score 0
    assert_written_answer_graded_by_hand(graded, MANUAL, MANUAL_POINTS, 11, ("blank", *VARIANTS))


def test_the_rubric_is_shown_and_the_reference_answer_kept():
    assert_rubric_for_the_learner_and_reference_for_the_instructor(A, MANUAL, MANUAL_POINTS, rubric_items=3)


@pytest.mark.timeout(2400)
def test_interview_labs_mark_wrong_answers_cheats_and_alternatives(graded):
    marks = {name: tuple(graded[name].cells[c][0] for c in CELLS) for name in VARIANTS}
    assert marks == {name: tuple(float(m) for m in want) for name, (_, want) in VARIANTS.items()}


@pytest.mark.timeout(2400)
def test_interview_labs_say_what_was_called_and_what_leaked(graded):
    cheat = graded["cheat"]
    assert "the reference implementation it is graded against" in cheat.outputs_text("test_protocol_seconds")
    assert "the reference implementation it is graded against" in cheat.outputs_text("test_crossover_rtt")
    step = cheat.outputs_text("test_fast_training_step")
    assert "the protocol is not secret" in step and "it holds X" in step, step
    assert "_AnyLabel" in cheat.outputs_text("test_choose_operating_point_ties")  # refused as a disguised value
    assert "ppml_lab.fl.skew_report" in cheat.outputs_text("test_diagnose_federation")
    assert f"exactly {STEP_ROUNDS}" in graded["wrong1"].outputs_text("test_fast_training_step")
    assert "b's pessimistic accuracy" in graded["wrong1"].outputs_text("test_choose_operating_point")
    assert "smaller epsilon" in graded["wrong2"].outputs_text("test_choose_operating_point_ties")


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
    """Run the answer, then its graded cells (visible and hidden tests), as the autograder would."""
    sources, base = lesson
    namespace = dict(base)
    exec(answer, namespace)
    for cell in TESTED_BY[answer_id]:
        exec(sources[cell], namespace)


def test_every_solution_passes_its_graded_cell(lesson):
    for answer_id, answer in code_answers(A, MANUAL).items():
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
        ("fast_training_step", REVEALS_DATA),
        ("fast_training_step", REVEALS_ALL),
        ("choose_operating_point", NO_MARGIN),
        ("choose_operating_point", POSITION),
        ("choose_operating_point", IDXMAX),
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
        "reveals-data",
        "reveals-all",
        "no-margin",
        "position",
        "idxmax",
        "unweighted-pool",
        "delegating-diagnosis",
    ],
)
def test_graded_cells_reject_plausible_wrong_answers(lesson, answer_id, wrong):
    with pytest.raises(AssertionError):
        _grade(lesson, answer_id, wrong)
