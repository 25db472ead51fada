"""Slot rotations of CKKS vectors and the rotate-and-sum, on the server's public context."""

import math

import numpy as np
import pytest
import tenseal as ts

from ppml_lab.he import KeyOwner, Server, rotate, rotation_sum, rotations_done


@pytest.fixture(scope="module")
def parties():
    owner = KeyOwner("n4096_depth1")
    return owner, Server(owner.public_context())


def _zero_padded(owner, server, values):
    padded = np.zeros(owner.params.slots)
    padded[: len(values)] = values
    return server.load(owner.encrypt(padded).serialize())


def test_rotate_moves_every_slot_cyclically_without_the_secret_key(parties):
    owner, server = parties
    values = np.random.default_rng(0).normal(size=owner.params.slots)
    vector = server.load(owner.encrypt(values).serialize())
    for steps in (1, 5, -3, owner.params.slots + 2):
        before = rotations_done()
        out = rotate(vector, steps)
        assert rotations_done() == before + 1
        assert not out.context().is_private() and out.size() == vector.size()
        assert np.allclose(owner.decrypt(out), np.roll(values, -steps), atol=1e-3), steps
    assert np.allclose(owner.decrypt(vector), values, atol=1e-3)  # the input is left as it was


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 64, 100])
def test_rotation_sum_puts_the_sum_in_slot_0_in_ceil_log2_n_rotations(parties, n):
    owner, server = parties
    values = np.random.default_rng(n).uniform(-2, 2, n)
    vector = _zero_padded(owner, server, values)
    before = rotations_done()
    out = rotation_sum(vector, n)
    assert rotations_done() - before == math.ceil(math.log2(n))
    assert abs(owner.decrypt(out)[0] - values.sum()) < 1e-3
    assert not out.context().is_private()


def test_rotation_sum_reads_only_the_first_n_slots(parties):
    owner, server = parties
    values = np.arange(1.0, 9.0)  # slots 5.. hold 6, 7, 8: not part of a sum of 5
    out = rotation_sum(_zero_padded(owner, server, values), 5)
    assert abs(owner.decrypt(out)[0] - (values[:5].sum() + values[5:8].sum())) < 1e-3
    # with zeros after slot n the sum is exact; the rule the lesson states is that those slots are zero
    out = rotation_sum(_zero_padded(owner, server, values[:5]), 5)
    assert abs(owner.decrypt(out)[0] - 15.0) < 1e-3


def test_bad_arguments_are_named(parties):
    owner, server = parties
    vector = _zero_padded(owner, server, [1.0, 2.0])
    with pytest.raises(ValueError, match="n must be"):
        rotation_sum(vector, 0)
    with pytest.raises(ValueError, match="n must be"):
        rotation_sum(vector, owner.params.slots + 1)
    with pytest.raises(TypeError, match="steps"):
        rotate(vector, 1.5)
    with pytest.raises(TypeError, match="vector"):
        rotate([1.0, 2.0], 1)
    no_keys = ts.context(ts.SCHEME_TYPE.CKKS, 4096, coeff_mod_bit_sizes=[40, 20, 40])
    no_keys.global_scale = 2.0**20
    with pytest.raises(ValueError, match="Galois keys"):
        rotate(ts.ckks_vector(no_keys, [1.0, 2.0]), 1)
