"""The orientation lesson grades as nbgrader would grade a class: full, zero, partial, no delegation.

Each variant notebook answers both exercises (they are graded in separate cells), so one grading run
covers a randomized-response answer and a k-anonymity answer at once.
"""

import pytest

from autograder import samples
from autograder.samples import ORIENTATION_WRONG_K as WRONG_K
from autograder.samples import ORIENTATION_WRONG_RR as WRONG_RR
from autograder.testing import autograde_variants, notebook_with_answers, release_notebook, solution_answers

A = "00_orientation"
RR_CELLS = ("test_rr_epsilon_values", "test_rr_epsilon_edges")
K_CELLS = ("test_k_anonymity",)

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

# Six packed submissions, each answering every exercise with one variant, with the marks of each
# graded cell: (rr answer, k answer, marks of the rr cells, marks of the k cell). None is the master's.
SUBMISSIONS = {
    "wrong1": (WRONG_RR, WRONG_K, (0, 1), (0,)),
    "wrong2": (RR_COIN_NOT_HALVED, K_LARGEST, (0, 0), (0,)),
    "wrong3": (RR_NAN_SLIPS_THROUGH, K_EMPTY_CRASHES, (2, 0), (0,)),
    "delegates": (RR_DELEGATES, K_SIBLING, (0, 0), (0,)),
    "alt1": (RR_LOG1P, K_COUNTER, (2, 1), (3,)),
    "alt2": (RR_NUMPY, K_VALUE_COUNTS, (2, 1), (3,)),
}
# Variants beyond the six slots are checked in-process below (the dishonest values are those of
# autograder.samples, which tests/autograder grades through nbgrader all three ways).
MORE_WRONG_RR = (RR_RATIO_NOT_LOG,)
MORE_CORRECT_RR = (RR_ATANH,)
MORE_WRONG_K = (K_FIRST_COLUMN, K_TUPLE_KEY)
MORE_CORRECT_K = (K_JOINED_KEYS,)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The solution, the blank notebook and the six submissions, graded in one nbgrader run."""
    answers = solution_answers(A)
    assert set(answers) == {"rr_epsilon", "k_anonymity"}
    notebooks = {"solution": notebook_with_answers(A, answers), "blank": release_notebook(A)}
    for name, (rr, k, _, _) in SUBMISSIONS.items():
        notebooks[name] = notebook_with_answers(A, {"rr_epsilon": rr or answers["rr_epsilon"],
                                                    "k_anonymity": k or answers["k_anonymity"]})
    assert len(notebooks) <= 8
    return autograde_variants(A, notebooks, tmp_path_factory.mktemp("grade00"), timeout=2400)


# eight gradings of the whole lesson in one run: more than the suite's default per-test limit
SLOW = pytest.mark.timeout(2400)


@SLOW
def test_solution_earns_full_marks_and_blank_zero(graded):
    solution, blank = graded["solution"], graded["blank"]
    assert solution.max_score == 6
    assert solution.score == solution.max_score, solution.cells
    assert blank.score == 0 and blank.max_score == 6, blank.cells


@SLOW
def test_wrong_answers_lose_marks_delegation_earns_none_and_other_answers_earn_all(graded):
    marks = {name: tuple(graded[name].cells[c][0] for c in RR_CELLS + K_CELLS) for name in SUBMISSIONS}
    expected = {name: tuple(float(m) for m in rr + k) for name, (_, _, rr, k) in SUBMISSIONS.items()}
    assert marks == expected

    # Delegation says what was called.
    delegated = graded["delegates"]
    assert "the reference implementation it is graded against" in delegated.outputs_text("test_rr_epsilon_values")
    assert "ppml_lab.anonymity.equivalence_class_sizes, a function of the kit" in delegated.outputs_text(
        "test_k_anonymity"
    )


def _define(source, name):
    import math

    import numpy as np
    import pandas as pd

    namespace = {"math": math, "np": np, "pd": pd}
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
    with pytest.raises(AssertionError, match="got _K"):
        as_plain(_define(samples.ORIENTATION_ALWAYS_EQUAL_K, "k_anonymity_level")(skewed, ["zip"]), "int")
