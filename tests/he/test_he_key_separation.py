"""Key separation: whatever the public API does, nothing the server holds can decrypt."""

import numpy as np
import pytest
import tenseal as ts

import ppml_lab.he.logistic as logistic
from ppml_lab.he import KeyOwner, PackedEncryptedLR, PerSampleEncryptedLR, Server, score_encrypted


def _cannot_decrypt(vector: ts.CKKSVector) -> None:
    context = vector.context()
    assert not context.is_private() and not context.has_secret_key()
    with pytest.raises(ValueError, match="secret_key"):
        vector.decrypt()


@pytest.fixture
def recorded(monkeypatch):
    """Every ciphertext the server side receives (Server.load), and every one it computes on."""
    seen = {"loaded": [], "computed": []}
    real_load = Server.load

    def load(self, ciphertext):
        vector = real_load(self, ciphertext)
        seen["loaded"].append(vector)
        return vector

    def spy(function):
        def wrapper(first, *args):
            seen["computed"].extend(first if isinstance(first, list) else [first])
            out = function(first, *args)
            seen["computed"].append(out)
            return out

        return wrapper

    monkeypatch.setattr(Server, "load", load)
    monkeypatch.setattr(logistic, "evaluate_odd_cubic", spy(logistic.evaluate_odd_cubic))
    monkeypatch.setattr(logistic, "score_encrypted", spy(logistic.score_encrypted))
    return seen


def test_decrypt_and_refresh_leave_the_servers_ciphertext_undecryptable():
    owner = KeyOwner("n8192_depth2")
    server = Server(owner.public_context())
    result = server.load(owner.encrypt([1.0, 2.0]).serialize()) * 2.0
    assert owner.decrypt(result)[:2] == pytest.approx([2.0, 4.0], abs=1e-4)
    _cannot_decrypt(result)  # decrypting worked on a copy: the server's object was not relinked
    refreshed = owner.refresh(result)
    assert isinstance(refreshed, bytes)  # the server receives bytes, never a private-context object
    fresh = server.load(refreshed)
    _cannot_decrypt(fresh)
    _cannot_decrypt(result)
    assert owner.decrypt(fresh)[:2] == pytest.approx([2.0, 4.0], abs=1e-4)
    score = score_encrypted([server.load(owner.encrypt([1.0, 3.0]).serialize())], [0.5], 0.25)
    owner.decrypt(score)
    _cannot_decrypt(score)


def test_the_per_sample_trainer_and_inference_run_the_server_on_public_ciphertexts(recorded):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(4, 3)), np.array([0.0, 1.0, 1.0, 0.0])
    model = PerSampleEncryptedLR(epochs=1).fit(X, y)
    assert not model.server_.context.is_private()
    # rows, gradient rows and labels once, then the weights and the bias each epoch, all as bytes
    assert len(recorded["loaded"]) == 3 * len(X) + 2
    assert len(recorded["computed"]) == 2 * len(X)  # every applicant's scores and sigmoid
    encrypted = model.predict_encrypted(X)
    probabilities = model.decrypt(encrypted)
    assert np.allclose(probabilities, 1 / (1 + np.exp(-(X @ model.coef_ + model.intercept_))), atol=1e-3)
    assert len(recorded["computed"]) == 2 * len(X) + X.shape[1] + 1  # the scored columns and the scores
    for vector in [*recorded["loaded"], *recorded["computed"], encrypted[0]]:
        _cannot_decrypt(vector)


def test_the_packed_trainers_inference_runs_the_server_on_public_ciphertexts(recorded):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(64, 3))
    y = (X[:, 0] > 0).astype(float)
    model = PackedEncryptedLR(epochs=1).fit(X, y)
    assert not model.server_.context.is_private()
    encrypted = model.predict_encrypted(X[:10])
    model.decrypt(encrypted)
    assert len(recorded["loaded"]) == X.shape[1]
    for vector in [*recorded["loaded"], *recorded["computed"], encrypted[0]]:
        _cannot_decrypt(vector)


def test_rotations_on_the_server_stay_undecryptable():
    from ppml_lab.he.rotation import rotate, rotation_sum

    owner = KeyOwner("n8192_depth2")
    server = Server(owner.public_context())
    vector = server.load(owner.encrypt([1.0, 2.0, 3.0, 4.0]).serialize())
    turned, summed = rotate(vector, 1), rotation_sum(vector, 4)
    assert owner.decrypt(turned)[:3] == pytest.approx([2.0, 3.0, 4.0], abs=1e-3)
    assert owner.decrypt(summed)[0] == pytest.approx(10.0, abs=1e-3)
    for v in (vector, turned, summed):
        _cannot_decrypt(v)


def _holds_a_secret(obj, seen=None) -> list[str]:
    """Names of anything reachable from ``obj``'s attributes that could decrypt."""
    import tenseal.sealapi as sealapi

    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, sealapi.SecretKey | sealapi.Decryptor):
        return [type(obj).__name__]
    if isinstance(obj, ts.Context):
        return ["a private context"] if obj.is_private() or obj.has_secret_key() else []
    if isinstance(obj, dict):
        items = list(obj.values())
    elif isinstance(obj, list | tuple):
        items = list(obj)
    elif hasattr(obj, "__dict__") and type(obj).__module__.startswith("ppml_lab"):
        items = list(vars(obj).values())
    else:
        return []
    return [name for item in items for name in _holds_a_secret(item, seen)]


def test_the_packed_trainers_server_side_holds_nothing_that_decrypts(monkeypatch):
    """The epoch circuit runs on raw SEAL ciphertexts: the server object must hold no secret key,
    no decryptor and no private context, while the key owner's side does (the check can fail)."""
    from ppml_lab.he import packed_circuit

    servers, owners = [], []
    real_server_init, real_keys_init = packed_circuit._PackedServer.__init__, packed_circuit._PackedKeyOwner.__init__

    def server_init(self, *args, **kwargs):
        real_server_init(self, *args, **kwargs)
        servers.append(self)

    def keys_init(self, *args, **kwargs):
        real_keys_init(self, *args, **kwargs)
        owners.append(self)

    monkeypatch.setattr(packed_circuit._PackedServer, "__init__", server_init)
    monkeypatch.setattr(packed_circuit._PackedKeyOwner, "__init__", keys_init)
    rng = np.random.default_rng(2)
    X = rng.normal(size=(32, 2))
    model = PackedEncryptedLR(epochs=1).fit(X, (X[:, 0] > 0).astype(float))
    assert len(servers) == 1 and len(owners) == 1
    assert _holds_a_secret(servers[0]) == []
    assert _holds_a_secret(model.server_) == []
    assert "Decryptor" in _holds_a_secret(owners[0])  # the walk finds a decryptor where there is one
