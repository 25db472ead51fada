"""The orientation lesson grades as nbgrader would grade a class: full, zero, partial, no delegation.

Each variant notebook answers both exercises (they are graded in separate cells), so one grading run
covers a randomized-response answer and a k-anonymity answer at once.
"""

import pytest

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
RR_DISHONEST = """
class _Epsilon(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __le__(self, other): return True
    def __gt__(self, other): return True
    def __ge__(self, other): return True
    def __sub__(self, other): return self
    def __rsub__(self, other): return self
    def __abs__(self): return 0.0
    __hash__ = float.__hash__

def randomized_response_epsilon(p_truth):
    if not 0.0 <= p_truth <= 1.0:
        raise ValueError("p_truth")
    return _Epsilon(0.0)
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
K_DISHONEST = """
class _K(int):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = int.__hash__

def k_anonymity_level(df, quasi_identifiers):
    return _K(2)
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

VARIANTS = {
    # name: (rr answer, k answer, marks for the rr cells, marks for the k cell)
    "wrong1": (WRONG_RR, WRONG_K, (0, 1), (0,)),
    "wrong2": (RR_RATIO_NOT_LOG, K_LARGEST, (0, 0), (0,)),
    "wrong3": (RR_COIN_NOT_HALVED, K_FIRST_COLUMN, (0, 0), (0,)),
    "wrong4": (RR_NAN_SLIPS_THROUGH, K_EMPTY_CRASHES, (2, 0), (0,)),
    "delegates": (RR_DELEGATES, K_SIBLING, (0, 0), (0,)),
    "dishonest": (RR_DISHONEST, K_DISHONEST, (0, 0), (0,)),
    "alt1": (RR_LOG1P, K_COUNTER, (2, 1), (3,)),
    "alt2": (RR_NUMPY, K_VALUE_COUNTS, (2, 1), (3,)),
    "alt3_wrong5": (RR_ATANH, K_TUPLE_KEY, (2, 1), (0,)),
    "alt4": (None, K_JOINED_KEYS, (2, 1), (3,)),
}


# a dozen gradings of the whole lesson: more than the suite's default per-test limit
@pytest.mark.timeout(2400)
def test_orientation_grades_full_zero_partial_refuses_delegation_and_accepts_other_correct_answers(tmp_path):
    answers = solution_answers(A)
    assert set(answers) == {"rr_epsilon", "k_anonymity"}
    notebooks = {"solution": notebook_with_answers(A, answers), "blank": release_notebook(A)}
    for name, (rr, k, _, _) in VARIANTS.items():
        notebooks[name] = notebook_with_answers(A, {"rr_epsilon": rr or answers["rr_epsilon"], "k_anonymity": k})
    results = autograde_variants(A, notebooks, tmp_path, timeout=2400)
    solution, blank = results["solution"], results["blank"]
    assert solution.max_score == 6
    assert solution.score == solution.max_score, solution.cells
    assert blank.score == 0 and blank.max_score == 6, blank.cells

    marks = {
        name: tuple(results[name].cells[c][0] for c in RR_CELLS + K_CELLS) for name in VARIANTS
    }
    expected = {name: tuple(float(m) for m in rr + k) for name, (_, _, rr, k) in VARIANTS.items()}
    assert marks == expected

    # Delegation says what was called; a disguised value is named as tampering.
    delegated = results["delegates"]
    assert "the reference implementation it is graded against" in delegated.outputs_text("test_rr_epsilon_values")
    assert "ppml_lab.anonymity.equivalence_class_sizes, a function of the kit" in delegated.outputs_text(
        "test_k_anonymity"
    )
    dishonest = results["dishonest"]
    assert "TamperingDetected" in dishonest.outputs_text("test_rr_epsilon_values")
    assert "subclass of int" in dishonest.outputs_text("test_k_anonymity")
