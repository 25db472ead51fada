"""Local (SecureML) truncation: each party shifts its own share, the result is x / 2^f rounded down
or up (unbiased), and it breaks with probability |x| / 2^64; and what a reused Beaver triple opens."""

import numpy as np
import pytest

from ppml_lab.smpc import FRAC_BITS, TrustedDealer, local_truncate, reconstruct, share, triple_reuse_leak
from ppml_lab.smpc.ring import to_signed


def _floor(x_ring, bits=FRAC_BITS):
    return to_signed(x_ring) >> bits


def test_local_truncation_is_floor_or_one_unit_above_for_small_values():
    rng = np.random.default_rng(0)
    x = rng.integers(-(2**40), 2**40, 5000).view(np.uint64)  # failure chance 2^-24 each, 3e-4 in all
    got = to_signed(reconstruct(local_truncate(share(x))))
    assert set(np.unique(got - _floor(x))) <= {0, 1}


def test_each_party_shifts_only_its_own_share():
    x = np.arange(6, dtype=np.uint64) * np.uint64(12345)
    x0, x1 = share(x)
    y0, y1 = share(x + np.uint64(2**30))
    assert np.array_equal(local_truncate([x0, x1])[0], local_truncate([x0, y1])[0])
    assert np.array_equal(local_truncate([x0, x1])[1], local_truncate([y0, x1])[1])
    assert np.array_equal(local_truncate([x0, x1])[0], x0 >> np.uint64(FRAC_BITS))


def test_local_truncation_rounds_without_bias():
    # x / 2^f = 3.25 units: floor 3 with probability 0.75, 4 with probability 0.25, mean 3.25
    x = np.full(4000, 13 * 2 ** (FRAC_BITS - 2), dtype=np.uint64)
    got = to_signed(reconstruct(local_truncate(share(x))))
    assert set(np.unique(got)) == {3, 4}
    assert abs(got.mean() - 3.25) < 0.04  # 6 standard errors (sd 0.43 / sqrt(4000))


def test_local_truncation_fails_at_the_rate_the_ring_predicts_near_its_range():
    rng = np.random.default_rng(1)
    x = (rng.uniform(2**61.9, 2**62.1, 4000) * rng.choice([-1, 1], 4000)).astype(np.int64).view(np.uint64)
    got = to_signed(reconstruct(local_truncate(share(x))))
    failed = np.mean(np.abs(got - _floor(x)) > 1)
    predicted = np.mean(np.abs(to_signed(x)).astype(float) / 2.0**64)  # about 1/4
    assert abs(failed - predicted) < 0.04, (failed, predicted)  # sd 0.007


def test_local_truncation_refuses_bad_arguments():
    with pytest.raises(ValueError, match="shares"):
        local_truncate(share(np.zeros(2, dtype=np.uint64), 3))
    with pytest.raises(ValueError, match="bits"):
        local_truncate(share(np.zeros(2, dtype=np.uint64)), 64)


def test_a_reused_triple_opens_the_differences_of_the_secrets():
    rng = np.random.default_rng(2)
    x, x2, y, y2 = (rng.integers(0, 2**64, 7, dtype=np.uint64) for _ in range(4))
    t = TrustedDealer(2).elementwise_triple((7,))
    a, b = reconstruct(t.a), reconstruct(t.b)
    dx, dy = triple_reuse_leak(x - a, y - b, x2 - a, y2 - b)
    assert np.array_equal(dx, x - x2) and np.array_equal(dy, y - y2)
    with pytest.raises(ValueError, match="one shape"):
        triple_reuse_leak(x, y, x2[:3], y2)
