"""The references the orientation lesson grades against, checked by hand."""

import math

import pandas as pd
import pytest

from ppml_lab._checks import check_float, check_int, check_probability
from ppml_lab.anonymity import equivalence_class_sizes, is_k_anonymous, k_anonymity
from ppml_lab.dp import randomized_response_epsilon


@pytest.mark.parametrize("p,eps", [(0.0, 0.0), (0.5, math.log(3)), (0.75, math.log(7)), (1.0, math.inf)])
def test_randomized_response_epsilon_by_hand(p, eps):
    assert randomized_response_epsilon(p) == pytest.approx(eps, rel=1e-12)


def test_randomized_response_epsilon_matches_simulated_likelihood_ratio():
    # Pr[yes | yes] / Pr[yes | no] estimated from the protocol's definition.
    p = 0.3
    ratio = (p + (1 - p) / 2) / ((1 - p) / 2)
    assert randomized_response_epsilon(p) == pytest.approx(math.log(ratio))


@pytest.mark.parametrize("bad", [-0.01, 1.01, float("nan")])
def test_randomized_response_epsilon_rejects_non_probabilities(bad):
    with pytest.raises(ValueError, match="p_truth"):
        randomized_response_epsilon(bad)


def test_k_anonymity_on_a_hand_worked_table():
    df = pd.DataFrame({"age": [30, 30, 30, 40, 40], "zip": ["a", "a", "b", "b", "b"], "dx": list("xyzxy")})
    assert k_anonymity(df, ["age"]) == 2
    assert k_anonymity(df, ["zip"]) == 2
    assert k_anonymity(df, ["age", "zip"]) == 1
    assert dict(equivalence_class_sizes(df, ["age", "zip"])) == {(30, "a"): 2, (30, "b"): 1, (40, "b"): 2}
    assert is_k_anonymous(df, ["age"], 2) and not is_k_anonymous(df, ["age", "zip"], 2)
    assert k_anonymity(df.iloc[0:0], ["age"]) == 0


def test_k_anonymity_errors_name_the_argument():
    df = pd.DataFrame({"age": [1]})
    with pytest.raises(ValueError, match="quasi_identifiers"):
        k_anonymity(df, ["zip"])
    with pytest.raises(ValueError, match="k must be"):
        is_k_anonymous(df, ["age"], 0)


def test_argument_checks_name_the_argument():
    with pytest.raises(ValueError, match="^n_samples"):
        check_int("n_samples", 0, minimum=1)
    with pytest.raises(TypeError, match="^n_samples"):
        check_int("n_samples", 1.5)
    with pytest.raises(ValueError, match="^epsilon"):
        check_float("epsilon", 0.0, minimum=0.0, min_inclusive=False)
    with pytest.raises(ValueError, match="^delta"):
        check_probability("delta", 1.0, open_high=True)
