"""Distributed DP with dropouts: any min_survivors clients' noise reaches sigma, epsilon is accounted
there, fewer survivors are not decoded, and colluding clients' own noise is not counted."""

import math

import numpy as np
import pytest

from ppml_lab.secagg import (
    Client,
    DistributedDP,
    SecureAggregationServer,
    client_noise_variance,
    distributed_dp_epsilon,
)

N, M, SIGMA = 10, 2000, 0.4


def _noisy_sum(ddp, drop):
    xs = [np.full(M, 0.3) for _ in range(N)]
    clients = [Client(i, ddp.privatize(x), ddp.bits) for i, x in enumerate(xs)]
    result = SecureAggregationServer(N, bits=ddp.bits).aggregate(clients, drop_after_masking=drop, drop_seed=1)
    return result, ddp.decode(result.total, len(result.survivors)) - 0.3 * len(result.survivors)


@pytest.mark.parametrize("drop,survivors", [(0.3, 7), (0.0, 10)])
def test_the_noise_is_at_least_sigma_whenever_min_survivors_made_it(drop, survivors):
    ddp = DistributedDP(clip=1.0, noise_std=SIGMA, n_clients=N, min_survivors=7, bits=40)
    result, noise = _noisy_sum(ddp, drop)
    assert len(result.survivors) == survivors
    # each client adds sigma^2 / 7: 7 survivors carry sigma^2, all 10 carry 10/7 sigma^2
    # (2000-sample variance: relative standard error sqrt(2/2000) = 3.2%; tolerance 15%, 4.7 s.e.)
    assert noise.var() == pytest.approx(SIGMA**2 * survivors / 7, rel=0.15)
    # noise sized for all n = 10 clients (sigma^2 / 10 each) leaves 7 survivors 0.7 sigma^2, 6.7 s.e.
    # below this bound; sigma^2 itself is 4.7 s.e. above it
    assert noise.var() > 0.85 * SIGMA**2
    assert ddp.client_variance == pytest.approx(client_noise_variance(SIGMA * ddp.levels, 7))


def test_below_min_survivors_the_sum_is_not_released():
    ddp = DistributedDP(clip=1.0, noise_std=SIGMA, n_clients=N, min_survivors=8, bits=40)
    with pytest.raises(ValueError, match="n_survivors=7 is below min_survivors=8"):
        _noisy_sum(ddp, 0.3)


def test_epsilon_is_accounted_at_the_stated_minimum_and_degrades_with_collusion():
    ddp = DistributedDP(clip=1.0, noise_std=8.0, n_clients=100, min_survivors=70)
    sens = ddp.replace_one_sensitivity(4)
    assert sens == pytest.approx(4.0)
    stated = ddp.epsilon(sens, 1e-5)
    assert stated == pytest.approx(distributed_dp_epsilon(8.0, sens, 1e-5))
    # 90 survivors, 20 of them colluding: 70 honest shares left, exactly sigma
    assert ddp.epsilon(sens, 1e-5, survivors=90, colluders=20) == pytest.approx(stated)
    # 70 survivors, 10 colluding: 60/70 of the variance left
    weaker = ddp.epsilon(sens, 1e-5, survivors=70, colluders=10)
    assert weaker == pytest.approx(distributed_dp_epsilon(8.0 * math.sqrt(60 / 70), sens, 1e-5))
    assert weaker > stated
    assert ddp.epsilon(sens, 1e-5, survivors=70, colluders=70) == math.inf
    with pytest.raises(ValueError, match="colluders"):
        ddp.noise_std_left(50, 60)
    with pytest.raises(ValueError, match="min_survivors"):
        DistributedDP(clip=1.0, noise_std=1.0, n_clients=10, min_survivors=11)
