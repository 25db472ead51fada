"""Pairwise masks cancel in the sum, and no client's masked vector shows its input."""

import os

import numpy as np
import pytest

from ppml_lab.secagg import pairwise_masked, prg


def _seeds(n):
    shared = {(i, j): os.urandom(32) for i in range(n) for j in range(i + 1, n)}
    return [{j: shared[min(i, j), max(i, j)] for j in range(n) if j != i} for i in range(n)]


@pytest.mark.parametrize(("n", "bits"), [(2, 8), (5, 32), (4, 63)])
def test_masks_cancel_in_the_sum_modulo_the_ring(n, bits):
    gen = np.random.default_rng(n)
    xs = [gen.integers(0, 2**bits, 512, dtype=np.uint64) for _ in range(n)]
    seeds = _seeds(n)
    ys = [pairwise_masked(x, i, seeds[i], bits) for i, x in enumerate(xs)]
    total = np.zeros(512, dtype=np.uint64)
    for y in ys:
        assert y.dtype == np.uint64 and int(y.max()) < 2**bits
        total = (total + y) & np.uint64(2**bits - 1)
    want = [sum(int(x[k]) for x in xs) % 2**bits for k in range(512)]
    assert total.tolist() == want


def test_a_masked_vector_is_not_the_input_and_uses_both_signs():
    seeds = _seeds(3)
    x = np.zeros(2000, dtype=np.uint64)
    y = pairwise_masked(x, 1, seeds[1], 32)
    assert np.mean(y == x) < 0.001
    mod = np.uint64(2**32 - 1)
    assert np.array_equal(y, (x - prg(seeds[1][0], 2000, 32) + prg(seeds[1][2], 2000, 32)) & mod)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="bits"):
        pairwise_masked(np.zeros(3, dtype=np.uint64), 0, {1: os.urandom(32)}, 64)
    with pytest.raises(ValueError, match="itself"):
        pairwise_masked(np.zeros(3, dtype=np.uint64), 0, {0: os.urandom(32)}, 16)
