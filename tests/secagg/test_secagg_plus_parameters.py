"""SecAgg+ (k, t) from the binomial tail bound: the regime of Bell et al. (2020), a strict-majority
threshold, monotone in every risk, and exact sums with the parameters it picks."""

import numpy as np
import pytest
from scipy import stats

from ppml_lab.secagg import Client, SecureAggregationServer, secagg_plus_neighbors, secagg_plus_parameters


def _failures(n, k, t, gamma, delta):
    """Union bounds over clients of: the server can rebuild both secrets; too few honest online peers."""
    return n * stats.binom.sf(2 * t - k - 1, k, gamma), n * stats.binom.sf(k - t, k, gamma + delta)


def _meets(n, k, t, gamma, delta, bits):
    return max(_failures(n, k, t, gamma, delta)) <= 2.0 ** -(bits + 1)  # half the budget each


def test_bell_et_al_regime_at_ten_thousand_clients():
    # Bell et al. 2020: n = 10^4, 5% corrupt, 5% dropout, sigma = 40 needs k in the low hundreds;
    # 2 ceil(log2 n) = 28 is far too few
    p = secagg_plus_parameters(10_000, 0.05, 0.05, 40)
    assert 100 <= p.neighbors <= 400 and secagg_plus_neighbors(10_000) == p.neighbors
    assert 2 * p.threshold > p.neighbors
    assert _meets(10_000, p.neighbors, p.threshold, 0.05, 0.05, 40)
    assert p.failure_probability == pytest.approx(sum(_failures(10_000, p.neighbors, p.threshold, 0.05, 0.05)))
    assert p.failure_probability <= 2.0**-40
    # minimal: no threshold works with two neighbours fewer, nor with k = 28
    for k in (p.neighbors - 2, 28):
        assert not any(_meets(10_000, k, t, 0.05, 0.05, 40) for t in range(k // 2 + 1, k + 1))


def test_parameters_grow_with_every_risk():
    base = secagg_plus_parameters(10_000, 0.05, 0.05, 40).neighbors
    ks = [secagg_plus_neighbors(n) for n in (1_000, 10_000, 100_000, 1_000_000)]
    assert ks == sorted(ks) and ks[0] < ks[-1]
    assert secagg_plus_neighbors(10_000, 0.10, 0.05, 40) > base
    assert secagg_plus_neighbors(10_000, 0.05, 0.10, 40) > base
    assert secagg_plus_neighbors(10_000, 0.05, 0.05, 80) > base > secagg_plus_neighbors(10_000, 0.05, 0.05, 20)
    assert secagg_plus_neighbors(10_000, 0.0, 0.0, 40) < base


def test_small_federations_use_every_client_with_worst_case_counts():
    p = secagg_plus_parameters(40, 0.05, 0.05, 40)  # 2 corrupt, 4 lost at most
    assert (p.neighbors, p.threshold, p.failure_probability) == (39, 21, 0.0)
    with pytest.raises(ValueError, match="no threshold works"):
        secagg_plus_parameters(40, 0.4, 0.3, 40)
    with pytest.raises(ValueError, match="corrupt_fraction"):
        secagg_plus_parameters(100, 1.0, 0.0)


def test_secagg_plus_with_the_chosen_parameters_sums_exactly_with_dropouts():
    n = 300
    p = secagg_plus_parameters(n, 0.01, 0.05, 10)  # a sparse regime small enough for a unit test
    assert p.neighbors < n // 2
    server = SecureAggregationServer(n, threshold=p.threshold, neighbors=p.neighbors, graph_seed=5)
    assert {len(v) for v in server.neigh.values()} == {p.neighbors}
    rng = np.random.default_rng(1)
    xs = [rng.integers(0, 10_000, 8).astype(np.uint64) for _ in range(n)]
    result = server.aggregate([Client(i, xs[i], 32) for i in range(n)], drop_after_masking=0.05, drop_seed=4)
    assert np.array_equal(result.total, sum(xs[i] for i in result.survivors) % 2**32)
