"""Distributed DP: the aggregate's noise has the variance the accountant assumes."""

import numpy as np
import pytest

from ppml_lab.dp import RDPAccountant
from ppml_lab.secagg import (
    Client,
    SecureAggregationServer,
    add_distributed_noise,
    client_noise_variance,
    decode_signed,
    distributed_dp_epsilon,
)

BITS = 32


def test_aggregate_noise_variance_matches_the_accountants_sigma():
    n, m, sigma = 10, 400, 6.0
    x = [np.full(m, 100, dtype=np.uint64) for _ in range(n)]
    var = client_noise_variance(sigma, n)
    clients = [Client(i, add_distributed_noise(x[i], var, BITS), BITS) for i in range(n)]
    total = decode_signed(SecureAggregationServer(n, threshold=6).aggregate(clients).total, BITS)
    noise = total - 100 * n
    # sample variance of 400 coordinates: relative standard error ~7%; tolerance 25%
    assert noise.var() == pytest.approx(sigma**2, rel=0.25)
    assert abs(noise.mean()) < 4 * sigma / np.sqrt(m)


def test_negative_totals_decode_correctly():
    assert list(decode_signed(np.array([2**32 - 3, 5], dtype=np.uint64), 32)) == [-3, 5]


def test_epsilon_is_the_gaussian_mechanisms():
    acc = RDPAccountant()
    acc.step(noise_multiplier=4.0, sample_rate=1.0)
    assert distributed_dp_epsilon(8.0, 2.0, 1e-5) == pytest.approx(acc.get_epsilon(1e-5))
    with pytest.raises(ValueError, match="sigma"):
        client_noise_variance(0.0, 3)
