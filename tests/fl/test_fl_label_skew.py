"""The label-skew measure against hand-computed splits: 0 for IID, 1 - P(c) for a one-class client."""

import numpy as np
import pytest

from ppml_lab.fl import label_skew_tv, skew_report


@pytest.mark.parametrize(
    ("client_labels", "expected"),
    [
        ([[0, 1], [1, 0]], 0.0),  # every client has the pooled 50/50 mix
        ([[0, 0], [1, 1]], 0.5),  # disjoint labels, equal sizes: each client is 1/2 from the pool, not 1
        ([[0], [1], [2]], 2 / 3),  # three disjoint classes: each client is 1 - 1/3 away
        # pooled (4/7, 3/7); client 0 (1, 0) is 3/7 away, client 1 (1/4, 3/4) is 9/28: mean 3/8
        ([[0, 0, 0], [0, 1, 1, 1]], 3 / 8),
        # a rare class held by one small client: pooled (9/10, 1/10); client 0 (1, 0) is 1/10 away,
        # client 1 (0, 1) is 9/10 away: mean 1/2
        ([[0] * 9, [1]], 0.5),
        ([np.array([2, 2, 5]), np.array([5, 5, 5])], (1 / 3 + 1 / 3) / 2),  # pooled (2/6, 4/6)
    ],
)
def test_label_skew_matches_hand_computed_splits(client_labels, expected):
    assert label_skew_tv(client_labels) == pytest.approx(expected, abs=1e-12)


def test_the_pool_is_weighted_by_client_size_not_the_mean_of_client_mixes():
    # Pooled labels (8/12, 4/12): client 0 (1, 0) is 1/3 away, clients 1 and 2 (0, 1) are 2/3 away, mean 5/9.
    # The unweighted mean of the three mixes, (1/3, 2/3), would give (2/3 + 1/3 + 1/3) / 3 = 4/9.
    assert label_skew_tv([[0] * 8, [1] * 2, [1] * 2]) == pytest.approx(5 / 9)


def test_skew_report_reports_the_same_measure():
    labels = [np.array([0, 0, 0, 1]), np.array([1, 1]), np.array([0, 1, 1, 1, 1])]
    assert skew_report(labels)["label_skew_tv"] == label_skew_tv(labels)


@pytest.mark.parametrize(("client_labels", "message"), [([], "client_labels"), ([[0, 1], []], r"client_labels\[1\]")])
def test_bad_input_names_the_argument(client_labels, message):
    with pytest.raises(ValueError, match=message):
        label_skew_tv(client_labels)
