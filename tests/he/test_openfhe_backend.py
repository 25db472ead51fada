"""The OpenFHE engine on insecure teaching rings (N = 2^12: bootstraps in seconds).

Runs in the OpenFHE environment (``.venv-openfhe``, Python 3.10); the main suite runs this file there
through ``test_openfhe_env.py`` and skips it here, where ``openfhe`` is not installed.
"""

import numpy as np
import pytest

ofhe = pytest.importorskip(
    "openfhe", reason="openfhe lives in .venv-openfhe (test_openfhe_env.py runs this there)"
)


import ppml_lab.he.openfhe as fhe  # noqa: E402
from ppml_lab import datasets as ds  # noqa: E402

TEACHING = "insecure_n4096_boot"
SLOTS = 64


@pytest.fixture(scope="module")
def owner():
    return fhe.KeyOwner(TEACHING, rotations=[1, 2], bootstrap_slots=SLOTS, allow_insecure_for_teaching=True)


def test_round_trip_full_and_sparse(owner):
    rng = np.random.default_rng(0)
    full = rng.uniform(-3, 3, owner.params.slots)
    sparse = rng.uniform(-3, 3, SLOTS)
    np.testing.assert_allclose(owner.decrypt(owner.encrypt(full)), full, atol=1e-6)
    ct = owner.encrypt(sparse, slots=SLOTS)
    assert ct.GetSlots() == SLOTS
    np.testing.assert_allclose(owner.decrypt(ct), sparse, atol=1e-6)


def test_server_rotation_sum_matches_numpy(owner):
    server = fhe.Server(owner.public_keys())
    v = np.random.default_rng(1).uniform(-1, 1, owner.params.slots)
    got = owner.decrypt(server.rotation_sum(owner.encrypt(v), 1, 4))
    want = v + np.roll(v, -1) + np.roll(v, -2) + np.roll(v, -3)
    np.testing.assert_allclose(got, want, atol=1e-6)
    assert server.counts["rotations"] == 2


def test_bootstrap_refreshes_levels_within_error_bound(owner):
    server = fhe.Server(owner.public_keys())
    v = np.random.default_rng(2).uniform(-1, 1, SLOTS)
    ct = owner.encrypt(v, slots=SLOTS)
    start = ct.GetLevel()
    for _ in range(owner.params.usable_levels):
        ct = server.multiply(ct, 1.0)  # each product spends a level
    assert ct.GetLevel() == start + owner.params.usable_levels - 1  # the last rescale is pending
    refreshed = server.bootstrap(ct)
    assert refreshed.GetLevel() == start == owner.fresh_level  # the levels are back
    assert server.counts["bootstraps"] == 1
    np.testing.assert_allclose(owner.decrypt(refreshed), v, atol=5e-3)  # measured error ~4e-4
    # and the refreshed ciphertext has a full budget again
    again = refreshed
    for _ in range(owner.params.usable_levels):
        again = server.multiply(again, 1.0)
    np.testing.assert_allclose(owner.decrypt(again), v, atol=5e-3)


def test_server_holds_no_secret_and_cannot_decrypt(owner):
    keys = owner.public_keys()
    server = fhe.Server(keys)
    held = [*vars(server).values(), *vars(keys).values()]
    assert not any(isinstance(obj, ofhe.PrivateKey) for obj in held)
    ct = owner.encrypt([1.0, 2.0], slots=SLOTS)
    with pytest.raises(TypeError):
        server.context.Decrypt(server.public_key, ct)  # the public key is no decryption key
    with pytest.raises(TypeError, match="PublicKeys"):
        fhe.Server(owner)
    # a key pair the server could make itself decrypts nothing of the key owner's
    own = server.context.KeyGen()
    try:
        plain = server.context.Decrypt(own.secretKey, ct)
    except RuntimeError:  # OpenFHE may refuse to decode the noise it gets
        return
    plain.SetLength(2)
    assert np.abs(np.asarray(plain.GetRealPackedValue()) - [1.0, 2.0]).min() > 1.0


def test_insecure_parameters_need_the_flag():
    with pytest.raises(fhe.InsecureOpenFHEParametersError, match="insecure"):
        fhe.make_crypto_context(TEACHING)
    too_small = fhe.OpenFHEParameters(4096, 50, 60, (1, 1), 8, "128_classic")
    with pytest.raises(fhe.InsecureOpenFHEParametersError, match="OpenFHE"):
        fhe.make_crypto_context(too_small)  # OpenFHE's own 128-bit check refuses the ring
    secure = fhe.get_parameters(fhe.DEFAULT_PRESET)
    assert secure.is_128_bit_secure and secure.ring_dimension == 65536 and secure.depth == 25
    assert fhe.make_crypto_context(secure).GetRingDimension() == 65536  # no keys: cheap


def test_training_agrees_with_plaintext_twin_without_decrypting():
    X, y, _ = ds.credit_risk_design_matrix(ds.credit_risk(1000, seed=0))
    X, y = X[:96], y[:96]
    epochs = 3  # two epochs fit in the 8 usable levels: one bootstrap before the third
    model = fhe.BootstrappedEncryptedLR(TEACHING, epochs=epochs, allow_insecure_for_teaching=True).fit(X, y)
    assert model.operations_["bootstraps"] == len(model.bootstrap_seconds_) == 1
    assert model.owner_.counts["decryptions"] == 1  # only the final model
    assert model.owner_.counts["encryptions"] == 3 * model.layout_.row_blocks + 1  # all before epoch 1
    w, b = fhe.train_plaintext_twin(X, y, epochs=epochs)
    np.testing.assert_allclose(model.coef_, w, atol=5e-3)  # measured ~2e-4
    assert model.intercept_ == pytest.approx(b, abs=5e-3)
    assert (model.predict(X) == (X @ w + b > 0)).mean() >= 0.98
