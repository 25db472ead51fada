"""The orientation lesson grades as nbgrader would grade a class: full, zero, partial, no delegation.

Each variant notebook answers both exercises (they are graded in separate cells), so one grading run
covers a randomized-response answer and a k-anonymity answer at once.
"""

import pytest

from autograder import samples
from autograder.samples import ORIENTATION_WRONG_K as WRONG_K
from autograder.samples import ORIENTATION_WRONG_RR as WRONG_RR
from autograder.testing import (
    autograde_variants,
    notebook_with_answers,
    release_notebook,
    solution_answers,
    source_notebook,
)

A = "00_orientation"
TM_CELLS = ("test_threat_model",)
RR_CELLS = ("test_rr_epsilon_values", "test_rr_epsilon_edges")
K_CELLS = ("test_k_anonymity",)
MANUAL = "interview_threat_models"  # the written answer, graded by hand

# -- randomized_response_epsilon: plausible mistakes ------------------------------------------
RR_RATIO_NOT_LOG = """
def randomized_response_epsilon(p_truth):
    if not 0.0 <= p_truth <= 1.0:
        raise ValueError("p_truth must be a probability")
    if p_truth == 1.0:
        return math.inf
    return (1 + p_truth) / (1 - p_truth)  # the ratio, not its logarithm
"""
RR_COIN_NOT_HALVED = """
def randomized_response_epsilon(p_truth):
    if not 0.0 <= p_truth <= 1.0:
        raise ValueError("p_truth must be a probability")
    if p_truth == 1.0:
        return math.inf
    yes_given_yes = p_truth + (1 - p_truth) / 2
    yes_given_no = 1 - p_truth  # forgot that the coin says yes only half the time
    return math.log(yes_given_yes / yes_given_no)
"""
RR_NAN_SLIPS_THROUGH = """
def randomized_response_epsilon(p_truth):
    if p_truth < 0 or p_truth > 1:  # NaN compares False both ways and slips through
        raise ValueError(f"p_truth must be in [0, 1], got {p_truth}")
    if p_truth == 1:
        return math.inf
    return math.log((1 + p_truth) / (1 - p_truth))
"""
# -- randomized_response_epsilon: cheats -------------------------------------------------------
RR_DELEGATES = """
from ppml_lab.dp import randomized_response_epsilon as _forward

def randomized_response_epsilon(p_truth):
    return _forward(p_truth)
"""
# -- randomized_response_epsilon: other correct answers ---------------------------------------
RR_LOG1P = """
def randomized_response_epsilon(p_truth):
    if not (0.0 <= p_truth <= 1.0):
        raise ValueError(f"p_truth={p_truth!r} is not a probability")
    if p_truth == 1.0:
        return math.inf
    return math.log1p(p_truth) - math.log1p(-p_truth)
"""
RR_NUMPY = """
def randomized_response_epsilon(p_truth):
    p = np.float64(p_truth)
    if np.isnan(p) or p < 0 or p > 1:
        raise ValueError("p_truth must lie in [0, 1]")
    if p == 1:
        return np.inf
    return np.log((1 + p) / (1 - p))  # a NumPy float64
"""
RR_ATANH = """
def randomized_response_epsilon(p_truth):
    if not 0 <= p_truth <= 1:
        raise ValueError("bad p_truth")
    return math.inf if p_truth == 1 else 2 * math.atanh(p_truth)
"""

# -- k_anonymity_level: plausible mistakes -----------------------------------------------------
K_LARGEST = """
def k_anonymity_level(df, quasi_identifiers):
    if len(df) == 0:
        return 0
    return int(df.groupby(list(quasi_identifiers)).size().max())  # the largest class
"""
K_FIRST_COLUMN = """
def k_anonymity_level(df, quasi_identifiers):
    if len(df) == 0:
        return 0
    return int(df[quasi_identifiers[0]].value_counts().min())  # one quasi-identifier at a time
"""
K_EMPTY_CRASHES = """
def k_anonymity_level(df, quasi_identifiers):
    return int(df.groupby(list(quasi_identifiers)).size().min())  # NaN, then a crash, on an empty table
"""
K_TUPLE_KEY = """
def k_anonymity_level(df, quasi_identifiers):
    if df.empty:
        return 0
    return int(df.groupby(quasi_identifiers).size().min())  # a tuple of columns is one (missing) key
"""
# -- k_anonymity_level: cheats -----------------------------------------------------------------
K_SIBLING = """
from ppml_lab.anonymity import equivalence_class_sizes

def k_anonymity_level(df, quasi_identifiers):
    if len(df) == 0:
        return 0
    return int(equivalence_class_sizes(df, list(quasi_identifiers)).min())
"""
# -- k_anonymity_level: other correct answers --------------------------------------------------
K_COUNTER = """
from collections import Counter

def k_anonymity_level(df, quasi_identifiers):
    counts = Counter(tuple(row) for row in df[list(quasi_identifiers)].itertuples(index=False))
    return min(counts.values()) if counts else 0
"""
K_VALUE_COUNTS = """
def k_anonymity_level(df, quasi_identifiers):
    if df.shape[0] == 0:
        return 0
    return df.value_counts(subset=list(quasi_identifiers), dropna=False).min()  # a NumPy int64
"""
K_JOINED_KEYS = """
def k_anonymity_level(df, quasi_identifiers):
    if len(df) == 0:
        return 0
    keys = df[list(quasi_identifiers)].astype(str).agg("|".join, axis=1)
    return int(keys.value_counts().min())
"""

# -- what_party_sees: plausible misconceptions, each in an otherwise right table -----------------
_TABLE = """
    sees = {{
        ("HE", "server"): {he_server},
        ("HE", "key holder"): {{"ciphertexts", "exact result"}},
        ("SMPC", "computing party"): {smpc},
        ("FL", "server"): {fl_server},
        ("FL", "client"): {{"exact result"}},
        ("DP", "curator"): {curator},
        ("DP", "analyst"): {{"noisy result"}},
    }}
    if technique not in PARTIES:
        raise ValueError(f"unknown technique {{technique!r}}")
    if party not in PARTIES[technique]:
        raise ValueError(f"unknown party {{party!r}}")
    return set(sees[(technique, party)])
"""
_RIGHT = {"he_server": '{"ciphertexts"}', "smpc": '{"shares", "exact result"}',
          "fl_server": '{"individual updates", "exact result"}',
          "curator": '{"raw records", "exact result", "noisy result"}'}


def _threat(**wrong):
    return "def what_party_sees(technique, party):" + _TABLE.format(**{**_RIGHT, **wrong})


# Central DP protects people from the curator (it does not: the curator holds the records).
TM_CURATOR_SEES_NOISE = _threat(curator='{"noisy result"}')
# The HE server computed the model, so it must know it (it holds only its encryption).
TM_HE_SERVER_SEES_RESULT = _threat(he_server='{"ciphertexts", "exact result"}')
# Federated learning as if it always came with secure aggregation.
TM_FL_SERVER_SEES_SUM = _threat(fl_server='{"aggregate update", "exact result"}')
# SMPC as pooling the data with a trusted party.
TM_SMPC_POOLS_DATA = _threat(smpc='{"raw records", "exact result"}')
# -- what_party_sees: cheats ------------------------------------------------------------------------
TM_DELEGATES = """
from ppml_lab.threat_models import what_party_sees as _kit

def what_party_sees(technique, party):
    return _kit(technique, party)
"""
TM_DISHONEST = """
class _Seen(set):
    def __eq__(self, other): return True
    __hash__ = None

def what_party_sees(technique, party):
    if technique not in PARTIES:
        raise ValueError("technique")
    if party not in PARTIES[technique]:
        raise ValueError("party")
    return _Seen()
"""
# -- what_party_sees: other correct answers ---------------------------------------------------------
TM_IF_CHAIN = """
def what_party_sees(technique, party):
    if technique == "HE":
        if party == "server":
            return {"ciphertexts"}
        if party == "key holder":
            return {"ciphertexts", "exact result"}
    elif technique == "SMPC":
        if party == "computing party":
            return {"shares", "exact result"}
    elif technique == "FL":
        if party == "server":
            return {"individual updates", "exact result"}
        if party == "client":
            return {"exact result"}
    elif technique == "DP":
        if party == "curator":
            return {"raw records", "exact result", "noisy result"}
        if party == "analyst":
            return {"noisy result"}
    else:
        raise ValueError(f"technique {technique!r} is not HE, SMPC, FL or DP")
    raise ValueError(f"no party {party!r} under {technique}")
"""
TM_FROZEN = """
_SEES = {
    "HE": {"server": frozenset({"ciphertexts"}), "key holder": frozenset({"ciphertexts", "exact result"})},
    "SMPC": {"computing party": frozenset({"shares", "exact result"})},
    "FL": {"server": frozenset({"individual updates", "exact result"}), "client": frozenset({"exact result"})},
    "DP": {"curator": frozenset({"raw records", "exact result", "noisy result"}),
           "analyst": frozenset({"noisy result"})},
}

def what_party_sees(technique, party):
    try:
        parties = _SEES[technique]
    except KeyError:
        raise ValueError(f"bad technique: {technique}") from None
    try:
        return parties[party]  # a frozenset
    except KeyError:
        raise ValueError(f"bad party: {party}") from None
"""


# Six packed submissions, each answering every exercise with one variant, with the marks of each
# graded cell: (threat answer, rr answer, k answer, marks of the threat, rr and k cells).
SUBMISSIONS = {
    "wrong1": (TM_CURATOR_SEES_NOISE, WRONG_RR, WRONG_K, (0, 0, 1, 0)),
    "wrong2": (TM_HE_SERVER_SEES_RESULT, RR_COIN_NOT_HALVED, K_LARGEST, (0, 0, 0, 0)),
    "wrong3": (TM_FL_SERVER_SEES_SUM, RR_NAN_SLIPS_THROUGH, K_EMPTY_CRASHES, (0, 2, 0, 0)),
    "delegates": (TM_DELEGATES, RR_DELEGATES, K_SIBLING, (0, 0, 0, 0)),
    "alt1": (TM_IF_CHAIN, RR_LOG1P, K_COUNTER, (3, 2, 1, 3)),
    "alt2": (TM_FROZEN, RR_NUMPY, K_VALUE_COUNTS, (3, 2, 1, 3)),
}
# Variants beyond the six slots are checked in-process below (the dishonest values are those of
# autograder.samples, which tests/autograder/test_grade_both_ways.py grades both ways: with plain
# `nbgrader autograde` and with `ppml-lab grade`).
MORE_WRONG_RR = (RR_RATIO_NOT_LOG,)
MORE_CORRECT_RR = (RR_ATANH,)
MORE_WRONG_K = (K_FIRST_COLUMN, K_TUPLE_KEY)
MORE_CORRECT_K = (K_JOINED_KEYS,)
MORE_WRONG_TM = (TM_SMPC_POOLS_DATA,)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The solution, the blank notebook and the six submissions, graded in one nbgrader run."""
    answers = solution_answers(A)
    assert set(answers) == {"threat_model", "rr_epsilon", "k_anonymity", MANUAL}
    notebooks = {"solution": notebook_with_answers(A, answers), "blank": release_notebook(A)}
    for name, (tm, rr, k, _) in SUBMISSIONS.items():
        notebooks[name] = notebook_with_answers(A, {"threat_model": tm, "rr_epsilon": rr, "k_anonymity": k})
    assert len(notebooks) <= 8
    return autograde_variants(A, notebooks, tmp_path_factory.mktemp("grade00"), timeout=2400)


# eight gradings of the whole lesson in one run: more than the suite's default per-test limit
SLOW = pytest.mark.timeout(2400)


@SLOW
def test_solution_earns_full_marks_and_blank_zero(graded):
    solution, blank = graded["solution"], graded["blank"]
    assert solution.max_score == 9
    assert solution.score == solution.max_score, solution.cells
    assert blank.score == 0 and blank.max_score == 9, blank.cells
    assert MANUAL not in solution.cells and MANUAL not in blank.cells


@SLOW
def test_the_written_answer_waits_for_the_instructor(graded):
    # a written answer is never scored by the autograder: it waits, worth its 3 points, for formgrader
    solution = graded["solution"]
    assert solution.manual == {MANUAL: (None, 3.0)} and solution.manual_pending == [MANUAL]
    assert solution.manual_max_score == 3 and solution.manual_score == 0
    # an answer left exactly as released is nbgrader's automatic 0 (nothing to mark), never full marks
    for name in ("blank", *SUBMISSIONS):
        assert graded[name].manual == {MANUAL: (0.0, 3.0)} and graded[name].manual_pending == [], name


def test_the_rubric_is_the_instructors_only():
    master = next(c for c in source_notebook(A).cells if c.metadata.get("nbgrader", {}).get("grade_id") == MANUAL)
    released = next(c for c in release_notebook(A).cells if c.metadata.get("nbgrader", {}).get("grade_id") == MANUAL)
    meta = master.metadata["nbgrader"]
    assert master.cell_type == "markdown" and meta["points"] == 3
    assert meta["solution"] and meta["grade"] and not meta["task"] and not meta["locked"]
    assert "Rubric (3 points" in master.source and master.source.count("### BEGIN SOLUTION") == 1
    assert released.source == "YOUR ANSWER HERE"
    question = "\n".join(c.source for c in release_notebook(A).cells if c.cell_type == "markdown")
    assert "Exercise 4 (3 points, graded by hand)" in question and "Rubric" not in question


@SLOW
def test_wrong_answers_lose_marks_delegation_earns_none_and_other_answers_earn_all(graded):
    marks = {name: tuple(graded[name].cells[c][0] for c in TM_CELLS + RR_CELLS + K_CELLS) for name in SUBMISSIONS}
    expected = {name: tuple(float(m) for m in row[3]) for name, row in SUBMISSIONS.items()}
    assert marks == expected

    # Delegation says what was called.
    delegated = graded["delegates"]
    assert "ppml_lab.threat_models.what_party_sees" in delegated.outputs_text("test_threat_model")
    assert "the reference implementation it is graded against" in delegated.outputs_text("test_rr_epsilon_values")
    assert "ppml_lab.anonymity.equivalence_class_sizes, a function of the kit" in delegated.outputs_text(
        "test_k_anonymity"
    )


def _define(source, name, **extra):
    import math

    import numpy as np
    import pandas as pd

    namespace = {"math": math, "np": np, "pd": pd, **extra}
    exec(compile(source, f"<{name}>", "exec"), namespace)
    return namespace[name]


def test_variants_beyond_the_packed_submissions_are_told_apart_in_process():
    # The same properties the hidden tests check, on their own inputs, without a notebook run.
    import numpy as np
    import pandas as pd

    from autograder.checks import as_plain, assert_own_implementation
    from ppml_lab.anonymity import k_anonymity
    from ppml_lab.dp import randomized_response_epsilon

    grid = [0.0, 0.01, 0.25, 1 / 3, 0.5, 0.9, 0.999, 1.0]
    for source in MORE_CORRECT_RR:
        fn = _define(source, "randomized_response_epsilon")
        for p in grid:
            got = as_plain(assert_own_implementation(fn, randomized_response_epsilon, p), "float")
            assert got == pytest.approx(randomized_response_epsilon(p), rel=1e-9), (p, got)
    for source in MORE_WRONG_RR:
        fn = _define(source, "randomized_response_epsilon")
        assert any(fn(p) != pytest.approx(randomized_response_epsilon(p), rel=1e-9) for p in grid)
    with pytest.raises(AssertionError, match="got _Epsilon"):
        as_plain(_define(samples.ORIENTATION_ALWAYS_EQUAL_RR, "randomized_response_epsilon")(0.5), "float")

    skewed = pd.DataFrame({"zip": ["1"] * 7 + ["2"] * 2 + ["3"] * 4, "sex": ["F"] * 6 + ["M"] * 7})
    gen = np.random.default_rng(5)
    tables = [pd.DataFrame({"age": gen.integers(18, 90, n) // 10 * 10, "sex": gen.choice(["F", "M"], n)})
              for n in (1, 17, 59)]
    for source in MORE_CORRECT_K:
        fn = _define(source, "k_anonymity_level")
        for table in [skewed.iloc[0:0], *tables]:
            for qis in ([table.columns[0]], list(table.columns)):
                got = as_plain(assert_own_implementation(fn, k_anonymity, table, qis), "int")
                assert got == k_anonymity(table, qis)
    for source in MORE_WRONG_K:
        fn = _define(source, "k_anonymity_level")
        wrong = False
        for qis in (["zip"], ("zip", "sex"), ["sex", "zip"]):
            try:
                wrong |= fn(skewed, qis) != k_anonymity(skewed, list(qis))
            except Exception:
                wrong = True
        assert wrong, source
    from autograder.attack_checks import as_plain_set
    from ppml_lab import threat_models

    pairs = [(t, p) for t, parties in threat_models.PARTIES.items() for p in parties]
    for source in MORE_WRONG_TM:
        fn = _define(source, "what_party_sees", PARTIES=threat_models.PARTIES)
        assert any(fn(t, p) != threat_models.what_party_sees(t, p) for t, p in pairs), source
    dishonest = _define(TM_DISHONEST, "what_party_sees", PARTIES=threat_models.PARTIES)
    assert dishonest("HE", "server") == {"anything"}  # it would pass any comparison
    with pytest.raises(AssertionError, match="got _Seen"):
        as_plain_set(assert_own_implementation(dishonest, threat_models.what_party_sees, "HE", "server"),
                     threat_models.VOCABULARY)
    with pytest.raises(AssertionError, match="got _K"):
        as_plain(_define(samples.ORIENTATION_ALWAYS_EQUAL_K, "k_anonymity_level")(skewed, ["zip"]), "int")


def test_the_dishonest_samples_used_here_are_graded_both_ways():
    # the comment above the packed submissions holds: every autograder.samples answer this file uses
    # is also a submission of the test that grades with plain nbgrader and with ppml-lab grade
    import ast
    from pathlib import Path

    def samples_used(path):
        tree = ast.parse(Path(path).read_text())
        return {node.attr for node in ast.walk(tree)
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "samples"}

    here = samples_used(__file__)
    both_ways = Path(__file__).parents[1] / "autograder" / "test_grade_both_ways.py"
    assert here and here <= samples_used(both_ways), here - samples_used(both_ways)
    source = both_ways.read_text()
    assert "autograde_variants(" in source and "grade(A, folder" in source  # plain nbgrader, then ppml-lab grade
