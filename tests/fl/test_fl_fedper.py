"""FedPer's server step: shared arrays averaged by example counts, personal arrays left to each client."""

import numpy as np
import pytest

from ppml_lab.fl import fedper_aggregate, fedper_split
from ppml_lab.fl.parameters import parameter_names
from ppml_lab.models import SmallCNN


def test_fedper_split_marks_the_head_of_the_lesson_model():
    names = parameter_names(SmallCNN(32))
    mask = fedper_split(names, ("head",))
    assert [n for n, m in zip(names, mask, strict=True) if m] == ["head.weight", "head.bias"]
    with pytest.raises(ValueError, match="personal"):
        fedper_split(names, ("classifier",))


def test_shared_arrays_are_weighted_and_personal_ones_stay():
    a = [np.array([0.0, 0.0]), np.array([[1.0, 2.0]])]
    b = [np.array([4.0, 8.0]), np.array([[9.0, 9.0, 9.0]])]  # another head shape: never averaged
    out = fedper_aggregate([a, b], [30, 10], [False, True])
    assert np.allclose(out[0][0], [1.0, 2.0]) and np.allclose(out[1][0], [1.0, 2.0])  # (30 a + 10 b) / 40
    assert np.array_equal(out[0][1], a[1]) and np.array_equal(out[1][1], b[1])
    out[0][0][0] = 99.0  # every client gets its own copy
    assert out[1][0][0] == 1.0 and a[0][0] == 0.0


def test_fedper_aggregate_rejects_bad_input():
    with pytest.raises(ValueError, match="num_examples"):
        fedper_aggregate([[np.zeros(1)]], [1, 2], [False])
    with pytest.raises(ValueError, match="personal"):
        fedper_aggregate([[np.zeros(1), np.zeros(1)]], [1], [False])
