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
