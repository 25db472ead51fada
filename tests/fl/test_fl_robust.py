"""Robust aggregation rules: a hand-checked poisoning example, the definitions, ties and bad input."""

import itertools

import numpy as np
import pytest
from scipy import stats

from ppml_lab.fl import FedAvgM, coordinate_median, krum, krum_scores, robust_aggregate, trimmed_mean

# Four honest hospitals near 1 and a poisoner at 100 (one coordinate, one array each).
HONEST = [[np.array([0.9])], [np.array([1.0])], [np.array([1.0])], [np.array([1.1])]]
POISONED = [*HONEST, [np.array([100.0])]]


def test_the_poisoner_dominates_the_mean_and_every_rule_leaves_it_out():
    assert np.mean([u[0][0] for u in POISONED]) == pytest.approx(20.8)
    assert coordinate_median(POISONED)[0][0] == pytest.approx(1.0)
    assert trimmed_mean(POISONED, 0.2)[0][0] == pytest.approx(31 / 30)  # drops 0.9 and 100: (1 + 1 + 1.1) / 3
    # n - f - 2 = 2 nearest: scores 0.01+0.01, 0+0.01, 0+0.01, 0.01+0.01 and 98.9^2+99^2 -> client 1 (tie, lowest)
    assert krum_scores(POISONED, 1) == pytest.approx([0.02, 0.01, 0.01, 0.02, 98.9**2 + 99**2])
    assert krum(POISONED, 1)[0][0] == 1.0


def test_fedavgm_follows_the_poisoner():
    s = FedAvgM(server_momentum=0.9, server_lr=1.0)
    w = [np.array([0.0])]
    for _ in range(2):
        w = s.aggregate_fit(1, w, [(u, 10) for u in POISONED])
    assert w[0][0] > 20.0  # the mean is dragged to the poisoner and momentum carries it further


def test_even_count_median_is_the_mean_of_the_two_middle_values():
    updates = [[np.array([v, -v])] for v in (1.0, 4.0, 2.0, 10.0)]
    assert np.allclose(coordinate_median(updates)[0], [3.0, -3.0])


def test_trimmed_mean_matches_scipy_and_floors_the_cut():
    rng = np.random.default_rng(5)
    for n, beta in [(5, 0.2), (7, 0.3), (4, 0.1), (6, 0.49)]:
        updates = [[rng.normal(size=(2, 3)), rng.normal(size=4)] for _ in range(n)]
        got = trimmed_mean(updates, beta)
        for i in range(2):
            want = stats.trim_mean(np.stack([u[i] for u in updates]), beta, axis=0)
            assert np.allclose(got[i], want)
    # beta * n = 0.8 drops nothing: the plain mean
    assert trimmed_mean(POISONED[1:], 0.2)[0][0] == pytest.approx(np.mean([1.0, 1.0, 1.1, 100.0]))


def test_krum_matches_the_definition_by_brute_force():
    rng = np.random.default_rng(6)
    for n, f in [(5, 1), (7, 2), (6, 0)]:
        updates = [[rng.normal(size=3), rng.normal(size=(2,))] for _ in range(n)]
        flat = [np.concatenate([a.ravel() for a in u]) for u in updates]
        scores = []
        for i in range(n):
            d = sorted(float(((flat[i] - flat[j]) ** 2).sum()) for j in range(n) if j != i)
            scores.append(sum(d[: n - f - 2]))
        assert np.allclose(krum_scores(updates, f), scores)
        chosen = krum(updates, f)
        best = int(np.argmin(scores))
        assert all(np.array_equal(a, b) for a, b in zip(chosen, updates[best], strict=True))
        chosen[0][0] += 1.0  # a copy: the client's update is untouched
        assert not np.array_equal(chosen[0], updates[best][0])


def test_krum_breaks_ties_towards_the_lowest_index():
    same = [[np.array([1.0, 2.0])] for _ in range(4)]
    for perm in itertools.permutations(range(4)):
        assert krum([same[i] for i in perm], 1)[0].tolist() == [1.0, 2.0]
    assert int(np.argmin(krum_scores([[np.array([0.0])], [np.array([0.0])], [np.array([3.0])]], 0))) == 0


def test_robust_aggregate_dispatches_and_rejects_bad_input():
    assert robust_aggregate(POISONED, "median")[0][0] == pytest.approx(1.0)
    assert robust_aggregate(POISONED, "trimmed_mean", beta=0.2)[0][0] == pytest.approx(31 / 30)
    assert robust_aggregate(POISONED, "krum", f=1)[0][0] == 1.0
    with pytest.raises(ValueError, match="rule"):
        robust_aggregate(POISONED, "mean")
    with pytest.raises(ValueError, match="beta"):
        trimmed_mean(POISONED, 0.5)
    with pytest.raises(ValueError, match="n - f - 2"):
        krum(POISONED, 3)
    with pytest.raises(ValueError, match="empty"):
        coordinate_median([])
    with pytest.raises(ValueError, match="shape"):
        coordinate_median([[np.zeros(2)], [np.zeros(3)]])
