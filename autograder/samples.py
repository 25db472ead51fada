"""Plausible wrong answers to the orientation lesson, in one place.

The lesson test, the grading red-team corpus and the grading benchmark all build submissions from
them; each is paired with the marks it must earn where it is used.
"""

# The number of equivalence classes instead of the size of the smallest one.
ORIENTATION_WRONG_K = """
def k_anonymity_level(df, quasi_identifiers):
    return int(df.groupby(list(quasi_identifiers)).ngroups)
"""

# The epsilon of "flip the answer": |log(p / (1 - p))| gives 0 at p = 0 instead of infinity.
ORIENTATION_WRONG_RR = """
def randomized_response_epsilon(p_truth):
    if not 0.0 <= p_truth <= 1.0:
        raise ValueError("p_truth")
    if p_truth in (0.0, 1.0):
        return 0.0 if p_truth == 0.0 else math.inf
    return abs(math.log(p_truth / (1 - p_truth)))
"""

# Dishonest return values: objects built to satisfy any check.
ORIENTATION_ALWAYS_EQUAL_RR = """
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
ORIENTATION_ALWAYS_EQUAL_K = """
class _K(int):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = int.__hash__

def k_anonymity_level(df, quasi_identifiers):
    return _K(2)
"""

# Monkeypatching what the checks rely on, at module level, with wrong answers underneath.
ORIENTATION_PATCH_HELPERS_RR = """
import builtins, math
import numpy as np
import numpy.testing
import ppml_lab.dp
import autograder.checks

def randomized_response_epsilon(p_truth):
    if not 0.0 <= p_truth <= 1.0:
        raise ValueError("p_truth")
    return 0.0

ppml_lab.dp.randomized_response_epsilon = randomized_response_epsilon
autograder.checks.assert_own_implementation = lambda f, ref, *a, **k: f(*a, **k)
autograder.checks.as_plain = lambda value, *a, **k: value
autograder.checks.close_enough = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
np.isclose = lambda *a, **k: True
math.isclose = lambda *a, **k: True
builtins.abs = lambda x: 0.0
"""
ORIENTATION_PATCH_HELPERS_K = """
import ppml_lab.anonymity
import pandas as pd

def k_anonymity_level(df, quasi_identifiers):
    return 1

ppml_lab.anonymity.k_anonymity = k_anonymity_level
pd.DataFrame.groupby = lambda self, *a, **k: None
"""
# The same patches installed while the test runs (inside the answer), so no restore can precede them.
ORIENTATION_PATCH_DURING_CALL_RR = """
def randomized_response_epsilon(p_truth):
    import builtins
    import autograder.checks
    builtins.abs = lambda x: 0.0
    autograder.checks.close_enough = lambda *a, **k: True
    if not 0.0 <= p_truth <= 1.0:
        raise ValueError("p_truth")
    if p_truth == 1.0:
        return math.inf
    return math.log(3) if p_truth == 0.5 else p_truth
"""
