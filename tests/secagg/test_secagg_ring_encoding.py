"""The ring encoding is symmetric about zero: positive, negative and mixed sums all decode, with room
for the noise of distributed DP, and parameters that cannot hold the sum are refused."""

import numpy as np
import pytest

from ppml_lab.secagg import (
    Client,
    DistributedDP,
    SecureAggregationServer,
    decode_signed,
    dequantize,
    quantize,
    ring_levels,
)

# true sums [4.5, -4.5, 0.5]: positive, negative and near-zero coordinates in one vector
XS = [np.array([1.5, -1.5, 0.5]), np.array([1.5, -1.5, -0.5]), np.array([1.5, -1.5, 0.5])]
SUMS = np.array([4.5, -4.5, 0.5])


def _secure_sum(inputs, bits):
    clients = [Client(i, x, bits) for i, x in enumerate(inputs)]
    return SecureAggregationServer(len(inputs), bits=bits).aggregate(clients).total


@pytest.mark.parametrize("bits", [16, 32, 48])
def test_sums_of_any_sign_decode_with_their_sign(bits):
    total = sum(quantize(x, 2.0, bits, 3) for x in XS) & np.uint64((1 << bits) - 1)
    assert list(np.sign(decode_signed(total, bits))) == [1, -1, 1]
    # resolution: each client rounds to within clip / (2 L)
    tol = 3 * 2.0 / (2 * ring_levels(2.0, bits, 3))
    assert np.allclose(dequantize(_secure_sum([quantize(x, 2.0, bits, 3) for x in XS], bits), 2.0, bits, 3), SUMS, atol=tol)


@pytest.mark.parametrize("value", [1.0, -1.0])
def test_the_extreme_sums_do_not_wrap(value):
    n, bits = 50, 20
    inputs = [quantize(np.full(4, value), 1.0, bits, n) for _ in range(n)]
    assert np.allclose(dequantize(_secure_sum(inputs, bits), 1.0, bits, n), n * value, atol=n / ring_levels(1.0, bits, n))


@pytest.mark.parametrize("mean", [0.8, -0.8, 0.0])
def test_distributed_dp_sum_matches_plaintext_within_the_noise(mean):
    # positive, negative and mixed (mean 0, both signs) coordinates, 400 of them per client
    n, m, sigma = 8, 400, 0.5
    rng = np.random.default_rng(7)
    xs = [np.clip(mean + rng.uniform(-0.2, 0.2, m) * (5 if mean == 0 else 1), -1, 1) for _ in range(n)]
    ddp = DistributedDP(clip=1.0, noise_std=sigma, n_clients=n, min_survivors=n, bits=32)
    clients = [Client(i, ddp.privatize(x), 32) for i, x in enumerate(xs)]
    total = ddp.decode(SecureAggregationServer(n, bits=32).aggregate(clients).total, n)
    error = total - np.sum(xs, axis=0)
    # the noise is OS-CSPRNG discrete Gaussian of std sigma per coordinate: every coordinate within
    # 6 sigma (fails with probability < 1e-6), its mean within 5 standard errors, its variance
    # within 25% (relative standard error of a 400-sample variance ~7%)
    assert np.abs(error).max() < 6 * sigma
    assert abs(error.mean()) < 5 * sigma / np.sqrt(m)
    assert error.var() == pytest.approx(sigma**2, rel=0.25)


def test_every_client_at_the_clip_plus_noise_fits_the_ring():
    n, bits, sigma = 20, 24, 2.0
    ddp = DistributedDP(clip=1.0, noise_std=sigma, n_clients=n, min_survivors=n, bits=bits)
    assert n * ddp.levels + ddp.margin * ddp.levels <= 2 ** (bits - 1) - 1
    for value in (1.0, -1.0):
        clients = [Client(i, ddp.privatize(np.full(200, value)), bits) for i in range(n)]
        total = ddp.decode(SecureAggregationServer(n, bits=bits).aggregate(clients).total, n)
        assert np.abs(total - n * value).max() < 6 * sigma


def test_parameters_that_cannot_hold_the_sum_are_refused():
    with pytest.raises(ValueError, match="bits=8 cannot hold the sum of n_clients=200"):
        ring_levels(1.0, 8, 200)
    with pytest.raises(ValueError, match="noise margin"):
        DistributedDP(clip=1.0, noise_std=1e9, n_clients=10, min_survivors=10, bits=32)
    with pytest.raises(ValueError, match="clip"):
        quantize(np.zeros(3), 0.0, 32, 3)


def test_decode_sum_reads_wrapped_negative_sums_and_undoes_the_scale():
    from ppml_lab.secagg import decode_sum, to_ring

    bits, levels, clip = 16, 1000, 0.5
    signed = np.array([-(1 << 15), -1, 0, 1, 12_345, (1 << 15) - 1])
    got = decode_sum(to_ring(signed, bits), levels, clip, bits)
    assert np.array_equal(got, signed / levels * clip)  # -1 comes back as -0.0005, not 2^16 - 1 levels
    summed = sum(quantize(x, 2.0, bits, 3) for x in XS) & np.uint64((1 << bits) - 1)
    np.testing.assert_allclose(decode_sum(summed, ring_levels(2.0, bits, 3), 2.0, bits), SUMS, atol=1e-3)
    with pytest.raises(ValueError, match="levels"):
        decode_sum(summed, 0, 2.0, bits)
    with pytest.raises(ValueError, match="clip"):
        decode_sum(summed, levels, -1.0, bits)
