"""Reusing a key owner's keys: the packed trainer on given keys, and the public context made once."""

import numpy as np
import pytest

from ppml_lab.he import KeyOwner, PackedEncryptedLR, Server, train_plaintext_poly_lr


@pytest.fixture(scope="module")
def parties():
    owner = KeyOwner("n8192_depth4")
    return owner, Server(owner.public_context())


def _data(seed=3, n=200):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ [1.0, -0.5, 0.25, 0.0] + 0.2)))).astype(float)
    return X, y


def test_public_context_is_serialized_once_and_holds_no_secret_key(parties):
    owner, server = parties
    assert owner.public_context() is owner.public_context()
    assert not server.context.is_private()


def test_packed_trainer_on_the_given_keys_matches_plaintext(parties):
    owner, server = parties
    X, y = _data()
    model = PackedEncryptedLR(epochs=2, owner=owner, server=server).fit(X, y)
    assert model.owner_ is owner and model.server_ is server
    w, b = train_plaintext_poly_lr(X, y, epochs=2)
    assert np.abs(model.coef_ - w).max() < 0.005 and model.intercept_ == pytest.approx(b, abs=0.005)
    # the given server can score what the given owner encrypts, and still cannot decrypt
    scores, n = model.predict_encrypted(X[:8])
    assert np.allclose(model.decrypt((scores, n)), 1 / (1 + np.exp(-(X[:8] @ model.coef_ + model.intercept_))),
                       atol=0.05)
    assert not model.server_.context.is_private()


def test_an_owner_alone_gets_a_server_on_its_public_context(parties):
    owner, _ = parties
    X, y = _data(seed=4, n=64)
    model = PackedEncryptedLR(epochs=1, owner=owner).fit(X, y)
    assert model.owner_ is owner and not model.server_.context.is_private()


@pytest.mark.parametrize(
    "kwargs,error,argument",
    [
        ({"owner": "n8192_depth4"}, TypeError, "owner"),
        ({"server": "not a server"}, TypeError, "server"),
        ({"owner": KeyOwner("n8192_depth2")}, ValueError, "depth 4"),
    ],
)
def test_bad_keys_are_refused_naming_the_argument(parties, kwargs, error, argument):
    if kwargs.get("server") == "not a server":
        kwargs = {"owner": parties[0], "server": "not a server"}
    with pytest.raises(error, match=argument):
        PackedEncryptedLR(epochs=1, **kwargs).fit(*_data(n=16))
