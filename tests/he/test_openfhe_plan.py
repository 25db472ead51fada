"""The OpenFHE trainer's pure-NumPy plan (main environment): layout, level schedule, plaintext twin.

The server's epoch circuit is replayed here on plain slot vectors (``np.roll`` for a rotation), so the
layout is checked against plaintext training without any ciphertext.
"""

import numpy as np
import pytest

from ppml_lab import datasets as ds
from ppml_lab.he import fit_sigmoid_polynomial, train_plaintext_poly_lr
from ppml_lab.he.openfhe.plan import (
    LEVELS_PER_EPOCH,
    RowPackedLayout,
    bootstrap_schedule,
    train_plaintext_twin,
)


def _rotation_sum(v, step, count):
    while count > 1:
        v = v + np.roll(v, -step)  # OpenFHE's EvalRotate(ct, k): slot i takes slot i + k
        step, count = step * 2, count // 2
    return v


def _replay(X, y, slots, epochs, lr=1.0):
    """The server circuit of BootstrappedEncryptedLR.fit on plaintext slot vectors."""
    n, d = X.shape
    layout = RowPackedLayout(n, d + 1, slots)
    c0, c1, _, c3 = fit_sigmoid_polynomial(3, 4.0)[0]
    step, bc, br = lr / n, layout.block_columns, layout.block_rows
    design = np.column_stack([X, np.ones(n)])
    data, grad_data = layout.pack_scores_copy(design), layout.pack_gradient_copy(design)
    labels = layout.pack_row_starts(step * (c0 - y))
    cubic, linear = layout.row_start_mask(step * c3), layout.row_start_mask(step * c1)
    weights = np.tile(layout.pack_weights(np.zeros(d + 1)), slots // bc)  # a sparse ciphertext's slots
    for _ in range(epochs):
        gradient = 0.0
        for x, xg, lab in zip(data, grad_data, labels, strict=True):
            z = _rotation_sum(x * weights, 1, bc)
            error = _rotation_sum((z * z) * (z * cubic) + z * linear + lab, 1, bc)
            gradient = gradient + xg * error
        weights = weights - _rotation_sum(gradient, bc, br)
        # the weights stay periodic with period bc: a sparse ciphertext of bc slots, as bootstrapped
        np.testing.assert_allclose(weights, np.tile(weights[:bc], slots // bc), atol=1e-12)
    return layout.unpack_weights(weights[:bc])


@pytest.mark.parametrize(("rows", "slots"), [(800, 32768), (100, 2048), (37, 128)])
def test_replayed_circuit_equals_plaintext_training(rows, slots):
    X, y, _ = ds.credit_risk_design_matrix(ds.credit_risk(1000, seed=0))
    X, y = X[:rows], y[:rows]
    w = _replay(X, y, slots, epochs=3)
    w_plain, b_plain = train_plaintext_twin(X, y, epochs=3)
    np.testing.assert_allclose(w, np.append(w_plain, b_plain), rtol=0, atol=1e-10)


def test_layout_shapes_and_rotation_keys():
    layout = RowPackedLayout(800, 36, 32768)
    assert (layout.block_columns, layout.block_rows, layout.row_blocks) == (64, 512, 2)
    assert layout.rotation_steps == [1, 2, 4, 8, 16, 32, *(64 << j for j in range(9))]
    assert layout.rotations_per_epoch == 2 * 2 * 6 + 9
    weights = np.arange(36.0)
    assert np.array_equal(layout.unpack_weights(layout.pack_weights(weights)), weights)
    assert layout.pack_weights(weights)[36] == 35.0 and layout.pack_weights(weights)[0] == 0.0
    full = RowPackedLayout(10, 64, 256)  # a full block: the last column wraps to slot 0
    assert full.pack_weights(np.arange(64.0))[0] == 63.0


def test_layout_rejects_bad_shapes():
    with pytest.raises(ValueError, match="slots"):
        RowPackedLayout(10, 3, 100)
    with pytest.raises(ValueError, match="n_columns"):
        RowPackedLayout(10, 40, 64)
    with pytest.raises(ValueError, match="matrix"):
        RowPackedLayout(10, 3, 64).pack_scores_copy(np.zeros((9, 3)))


def test_bootstrap_schedule_spends_levels_per_epoch():
    assert LEVELS_PER_EPOCH == 4
    assert bootstrap_schedule(5, 8) == [2, 4]  # two epochs per bootstrap, none after the last
    assert bootstrap_schedule(5, 12) == [3]
    assert bootstrap_schedule(2, 8) == []
    assert bootstrap_schedule(3, 4) == [1, 2]
    with pytest.raises(ValueError, match="usable_levels"):
        bootstrap_schedule(5, 3)


def test_plaintext_twin_is_the_tenseal_trainers_twin():
    X, y, _ = ds.credit_risk_design_matrix(ds.credit_risk(300, seed=1))
    w, b = train_plaintext_twin(X, y, learning_rate=0.5, epochs=4)
    w_ref, b_ref = train_plaintext_poly_lr(X, y, learning_rate=0.5, epochs=4)
    np.testing.assert_allclose(w, w_ref, rtol=0, atol=1e-12)
    assert b == pytest.approx(b_ref, abs=1e-12)
    with pytest.raises(ValueError, match="learning_rate"):
        train_plaintext_twin(X, y, learning_rate=0.0)
