"""CKKS presets decode products correctly: SEAL's real primes sit close enough to 2^scale."""

import math

import numpy as np
import pytest
import tenseal as ts

from ppml_lab.he import (
    MAX_SCALE_DEVIATION,
    PRESETS,
    CKKSParameters,
    ScaleDriftError,
    context_primes,
    make_context,
)


def _is_prime(n: int) -> bool:
    """Deterministic Miller-Rabin for n < 3.3e24 (the first 12 primes as bases)."""
    if n < 2:
        return False
    bases = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)
    for p in bases:
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for a in bases:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def _largest_ntt_primes(n: int, bits: int, count: int) -> list[int]:
    """The ``count`` largest primes p = 1 mod 2n below 2^bits, as SEAL's CoeffModulus.Create picks them."""
    step, found = 2 * n, []
    candidate = ((1 << bits) - 1) // step * step + 1
    while len(found) < count and candidate > 1 << (bits - 1):
        if _is_prime(candidate):
            found.append(candidate)
        candidate -= step
    return found


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_the_primes_read_from_seal_are_the_largest_ntt_primes_and_close_to_the_scale(name):
    p = PRESETS[name]
    ctx = make_context(name, galois_keys=False)
    assert context_primes(ctx) == p.primes and len(p.primes) == len(p.coeff_mod_bit_sizes)
    for bits in set(p.coeff_mod_bit_sizes):
        ours = [q for q in p.primes if q.bit_length() == bits]
        assert sorted(ours, reverse=True) == _largest_ntt_primes(p.poly_modulus_degree, bits, len(ours))
    assert p.max_scale_deviation <= MAX_SCALE_DEVIATION


def _ones(name):
    p = PRESETS[name]
    ctx = make_context(name, galois_keys=False)
    return p, ts.ckks_vector(ctx, [1.0] * p.slots)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_multiplying_by_one_once_per_level_keeps_the_value(name):
    """x * 1.0 at every level of the chain decodes to x.

    Tolerance from the encryption noise of the same context: the worst slot may be off by 8 times
    the largest fresh-encryption error (rescaling adds rounding noise of the same order), and the
    mean over all slots (where the noise averages out) by 6 standard errors, on top of the scale
    drift the kit tolerates (MAX_SCALE_DEVIATION per dropped prime). A preset with 21-bit primes at
    N = 8192 is off by 17% after one level, one with 20-bit primes at N = 4096 by 1.6%.
    """
    p, v = _ones(name)
    fresh_error = float(np.abs(np.asarray(v.decrypt()) - 1.0).max())
    for level in range(1, p.depth + 1):
        v = v * 1.0
        decoded = np.asarray(v.decrypt())
        allowed_drift = (1.0 + MAX_SCALE_DEVIATION) ** level - 1.0
        standard_error = decoded.std() / math.sqrt(p.slots)
        assert abs(decoded.mean() - 1.0) <= allowed_drift + 6 * standard_error, (level, decoded.mean())
        assert np.abs(decoded - 1.0).max() <= allowed_drift + 8 * fresh_error, level
        # and the drift is exactly the one the primes read from SEAL predict, at the kit's scale
        assert abs(decoded.mean() - p.scale_drift(level, p.scale)) <= 6 * standard_error + 1e-12, level


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_the_kits_scale_keeps_every_presets_drift_within_3e_4_at_every_level(name):
    """make_context labels rescaled results with the primes' geometric mean, not 2^scale_bits:
    on n8192_depth5 the 2^29 label drifts by 2.6e-3 after five levels, this one by < 3e-4."""
    p = PRESETS[name]
    ctx = make_context(name, galois_keys=False)
    assert ctx.global_scale == pytest.approx(p.scale, rel=1e-12)
    assert abs(p.scale / 2.0**p.scale_bits - 1.0) <= MAX_SCALE_DEVIATION
    assert max(abs(p.scale_drift(k, p.scale) - 1.0) for k in range(p.depth + 1)) < 3e-4
    assert p.scale_drift(p.depth, p.scale) == pytest.approx(1.0, abs=1e-12)  # cancels over the chain
    if name == "n8192_depth5":
        assert p.scale_drift(5) - 1.0 > 2.5e-3  # what the power-of-two label would leave


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_half_times_half_decodes_to_a_quarter(name):
    p = PRESETS[name]
    ctx = make_context(name, galois_keys=False)
    a = ts.ckks_vector(ctx, [0.5] * p.slots)
    fresh_error = float(np.abs(np.asarray(a.decrypt()) - 0.5).max())
    decoded = np.asarray((a * ts.ckks_vector(ctx, [0.5] * p.slots)).decrypt())
    standard_error = decoded.std() / math.sqrt(p.slots)
    assert abs(decoded.mean() - 0.25) <= 0.25 * MAX_SCALE_DEVIATION + 6 * standard_error, decoded.mean()
    assert np.abs(decoded - 0.25).max() <= 0.25 * MAX_SCALE_DEVIATION + 8 * fresh_error


def test_a_chain_whose_primes_are_far_from_the_scale_is_refused():
    drifting = CKKSParameters(8192, (40, 21, 21, 21, 21, 21, 21, 40), 21)  # 128-bit secure, 0.57-0.85 x 2^21
    assert drifting.is_128_bit_secure and drifting.max_scale_deviation > 0.1
    with pytest.raises(ScaleDriftError, match=r"coeff_mod_bit_sizes .* scale_bits=21.*q1 = 0\.57"):
        make_context(drifting, galois_keys=False)
    with pytest.warns(UserWarning, match="SCALE DRIFT"):
        ctx = make_context(drifting, galois_keys=False, allow_scale_drift_for_teaching=True)
    # what the refusal guards: one product by 1.0 decodes 2^21 / q6 times too large
    ctx.global_scale = 2.0**21  # TenSEAL's usual label: the drift the refusal is about
    v = ts.ckks_vector(ctx, [1.0] * drifting.slots) * 1.0
    assert np.mean(v.decrypt()) == pytest.approx(drifting.scale_drift(1), rel=1e-3)
    assert drifting.scale_drift(1) > 1.15
    with pytest.raises(ScaleDriftError, match="coeff_mod_bit_sizes: the first prime"):
        make_context(CKKSParameters(8192, (30, 30, 30, 40), 30), galois_keys=False)
    with pytest.raises(ValueError, match="coeff_mod_bit_sizes"):
        _ = CKKSParameters(8192, (40, 70, 40), 40).primes
