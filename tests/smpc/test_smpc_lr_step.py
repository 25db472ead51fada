"""One logistic-regression step on raw fixed-point shares (lesson 04's exercise 4.1): it matches the
plaintext step, costs two rounds, opens only masked values, and refuses to reuse a triple."""

import numpy as np
import pytest

from ppml_lab.smpc import (
    FRAC_BITS,
    ROUNDS_PER_ITERATION,
    SecureLogisticRegression,
    Transport,
    TrustedDealer,
    decode,
    encode,
    plaintext_lr_step,
    protocol_minimum_bytes,
    reconstruct,
    secure_lr_step,
    share,
)


def _data(seed, n, d):
    gen = np.random.default_rng(seed)
    return gen.normal(size=(n, d)), (gen.random(n) < 0.3).astype(float), gen.normal(0, 0.5, d)


def _step(X, y, w, lr, transport=None, triples=None):
    dealer = TrustedDealer(2)
    triples = triples or (dealer.elementwise_triple(X.shape), dealer.elementwise_triple(X.shape))
    shares = secure_lr_step(share(encode(X)), share(encode(y)), share(encode(w)), triples,
                            transport or Transport(), lr)
    return decode(reconstruct(shares))


@pytest.mark.parametrize(("seed", "n", "d", "lr"), [(0, 64, 4, 0.5), (1, 200, 7, 1.0), (2, 33, 1, 2.0)])
def test_secure_step_matches_the_plaintext_step(seed, n, d, lr):
    X, y, w = _data(seed, n, d)
    # each value is within a few units of 2^-16 (encoding, four local truncations, lr / n rounded)
    assert np.abs(_step(X, y, w, lr) - plaintext_lr_step(X, y, w, lr)).max() < 2e-4


def test_plaintext_step_is_gradient_descent_with_the_tangent_sigmoid():
    X, y, w = _data(3, 10, 2)
    grad = X.T @ (0.5 + X @ w / 4 - y) / 10
    assert np.allclose(plaintext_lr_step(X, y, w, 0.3), w - 0.3 * grad)


def test_secure_step_costs_two_rounds_and_opens_only_masked_values():
    X, y, w = _data(4, 32, 3)
    t = Transport(record=True)
    _step(X, y, w, 0.5, transport=t)
    assert t.total_rounds() == 2
    for message in t.transcript:  # the masked X - a, w - b and error - b': uniform ring elements
        small = np.abs(message.value.view(np.int64).astype(float)) < 2.0 ** (20 + 2 * FRAC_BITS)
        assert small.mean() < 0.01, message


def test_secure_step_refuses_one_triple_for_both_products():
    X, y, w = _data(5, 8, 2)
    t = TrustedDealer(2).elementwise_triple(X.shape)
    with pytest.raises(ValueError, match="two different Beaver triples"):
        _step(X, y, w, 0.5, triples=(t, t))


def test_secure_step_refuses_a_step_that_loses_more_than_one_percent():
    # lr / n = 1 / 35,000 with 16 fractional bits is 2 units of 2^-16: a step 1.068 times too large
    X, y, w = _data(6, 35_000, 1)
    with pytest.raises(ValueError, match="1% relative precision"):
        _step(X, y, w, 1.0)


@pytest.mark.parametrize("iterations", [1, 3])
def test_online_bytes_are_the_protocol_minimum_per_iteration(iterations):
    # the values each iteration must open, from the shapes: w - B (d), u + r (n), the sigmoid's
    # z - a, z^2 + r', z^2 - a', output + r'' (4n), e - B' (n), g + r''' (d); 8 bytes each
    gen = np.random.default_rng(7)
    parts = [(gen.normal(size=(m, 5)), (gen.random(m) < 0.3).astype(float)) for m in (180, 120)]
    model = SecureLogisticRegression(n_iterations=iterations).fit_horizontal(parts)
    n, d = 300, 6  # with the bias column
    assert protocol_minimum_bytes(n, d) == 8 * (6 * n + 2 * d)
    for ch in model.session.transport.channels:
        reveal = 8 * d  # opening the trained weights, once
        assert ch.bytes_sent["online"] == iterations * protocol_minimum_bytes(n, d) + reveal
        assert ch.rounds["online"] == iterations * ROUNDS_PER_ITERATION + 1
