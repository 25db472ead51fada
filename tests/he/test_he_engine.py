"""HE engine: parameter security, depth errors, key separation, inference, training, Paillier."""

import numpy as np
import pytest
import tenseal as ts

from ppml_lab import datasets as ds
from ppml_lab.he import (
    MAX_LOG_Q_128,
    PRESETS,
    CKKSParameters,
    DepthBudgetError,
    EncryptedVector,
    InsecureParametersError,
    KeyOwner,
    PackedEncryptedLR,
    PaillierKeyOwner,
    PerSampleEncryptedLR,
    Server,
    decrypt_probabilities,
    encrypt_columns,
    encrypted_dot,
    encrypted_sum,
    fit_sigmoid_polynomial,
    make_context,
    polynomial_levels,
    score_encrypted,
    train_plaintext_poly_lr,
)


@pytest.fixture(scope="module")
def credit():
    X, y, _ = ds.credit_risk_design_matrix(ds.credit_risk(1000, seed=0))
    return ds.train_test_split_arrays(X, y, seed=0)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_is_128_bit_secure_by_the_standard_table(name):
    p = PRESETS[name]
    assert p.total_bits <= MAX_LOG_Q_128[p.poly_modulus_degree]
    assert p.is_128_bit_secure and p.depth == len(p.coeff_mod_bit_sizes) - 2


def test_an_under_128_bit_context_is_refused_unless_explicitly_for_teaching():
    weak = CKKSParameters(4096, (60, 40, 40), 40)  # log q = 140 > 109 for N = 4096: about 100-bit security
    with pytest.raises(InsecureParametersError, match="BELOW 128-bit"):
        make_context(weak)
    with (
        pytest.warns(UserWarning, match="INSECURE"),
        pytest.raises(InsecureParametersError, match="SEAL refuses"),
    ):
        make_context(weak, galois_keys=False, allow_insecure_for_teaching=True)


def test_too_deep_circuit_fails_with_a_clear_message():
    ctx = make_context("n8192_depth2", galois_keys=False)
    v = EncryptedVector.encrypt(ctx, [0.5, 0.25], "n8192_depth2")
    sq = v * v
    assert sq.levels_left == 1
    with pytest.raises(DepthBudgetError, match="needs 2 multiplicative level.*has 1 left"):
        sq.polyval([0.5, 0.2, 0.0, -0.004])
    cube = sq * v  # the last level
    assert cube.decrypt()[0] == pytest.approx(0.125, abs=1e-4)
    with pytest.raises(DepthBudgetError, match="has 0 left"):
        cube * 2.0
    # what it guards: TenSEAL's own bare error at the same point
    with pytest.raises(ValueError, match="scale out of bounds"):
        cube.vector * 2.0
    assert polynomial_levels(3) == 2 and polynomial_levels(7) == 3


def test_the_server_holds_no_secret_key_and_cannot_decrypt():
    owner = KeyOwner("n8192_depth2")
    server = Server(owner.public_context())
    assert not server.context.is_private()
    received = server.load(owner.encrypt([1.0, 2.0]))
    doubled = received * 2.0
    with pytest.raises(ValueError):
        doubled.decrypt()
    assert owner.decrypt(doubled.serialize())[:2] == pytest.approx([2.0, 4.0], abs=1e-4)
    with pytest.raises(ValueError, match="secret"):
        Server(make_context("n8192_depth2", galois_keys=False).serialize(save_secret_key=True))


def test_encrypted_inference_matches_plaintext(credit):
    Xtr, Xte, ytr, yte = credit
    w, b = train_plaintext_poly_lr(Xtr, ytr, epochs=5)
    owner = KeyOwner("n8192_depth2")
    server = Server(owner.public_context())
    columns = [server.load(c) for c in encrypt_columns(owner, Xte)]
    probs = decrypt_probabilities(owner, score_encrypted(columns, w, b), len(Xte))
    plain = 1 / (1 + np.exp(-(Xte @ w + b)))
    assert np.abs(probs - plain).max() < 1e-4  # stated tolerance for N=8192, scale 2^40
    assert ((probs > 0.5) == (plain > 0.5)).mean() >= 0.99


def test_packed_training_matches_plaintext_with_the_same_sigmoid_and_schedule(credit):
    Xtr, Xte, ytr, yte = credit
    model = PackedEncryptedLR(epochs=3).fit(Xtr, ytr)
    w, b = train_plaintext_poly_lr(Xtr, ytr, epochs=3)
    assert np.abs(model.coef_ - w).max() < 0.02
    plain_acc = ((Xte @ w + b > 0) == yte).mean()
    assert abs((model.predict(Xte) == yte).mean() - plain_acc) <= 0.01  # within 1 point
    probs = model.decrypt(model.predict_encrypted(Xte[:50]))
    assert np.allclose(probs, 1 / (1 + np.exp(-(Xte[:50] @ model.coef_ + model.intercept_))), atol=1e-3)


def test_per_sample_baseline_matches_plaintext_on_a_subsample(credit):
    Xtr, _, ytr, _ = credit
    model = PerSampleEncryptedLR(epochs=2).fit(Xtr[:25], ytr[:25])
    w, b = train_plaintext_poly_lr(Xtr[:25], ytr[:25], epochs=2)
    assert np.abs(model.coef_ - w).max() < 0.02 and model.intercept_ == pytest.approx(b, abs=0.02)


def test_sigmoid_polynomial_error_bound():
    coeffs, err = fit_sigmoid_polynomial(3, 4.0)
    x = np.linspace(-4, 4, 101)
    assert np.abs(np.polynomial.polynomial.polyval(x, coeffs) - 1 / (1 + np.exp(-x))).max() <= err + 1e-12
    assert coeffs[2] == 0.0 and err < 0.04  # 0.038 for a cubic on [-4, 4]


def test_paillier_sums_and_scalar_products_equal_plaintext_and_wrong_key_fails():
    owner = PaillierKeyOwner(1024)
    values, weights = [3.5, -1.25, 10.0, 0.0], [2.0, -4.0, 0.5, 7.0]
    enc = owner.encrypt(values)
    assert owner.decrypt(encrypted_sum(enc))[0] == pytest.approx(sum(values))
    assert owner.decrypt(encrypted_dot(enc, weights))[0] == pytest.approx(float(np.dot(values, weights)))
    with pytest.raises(ValueError, match="different key"):
        PaillierKeyOwner(1024).decrypt(enc[0])


@pytest.mark.parametrize(
    "call,argument",
    [
        (lambda: make_context("n9_depth0"), "preset"),
        (lambda: fit_sigmoid_polynomial(0), "degree"),
        (lambda: PackedEncryptedLR(epochs=0).fit(np.ones((4, 2)), np.ones(4)), "epochs"),
        (lambda: PackedEncryptedLR(degree=5).fit(np.ones((4, 2)), np.ones(4)), "degree"),
        (lambda: PaillierKeyOwner(256), "key_bits"),
    ],
)
def test_bad_arguments_name_the_argument(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


def test_ciphertext_types_are_tenseal_vectors():
    owner = KeyOwner("n8192_depth2")
    assert isinstance(owner.encrypt([1.0]), ts.CKKSVector)
