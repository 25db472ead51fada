"""autograder.secrecy: protocols are judged by what they send and open, with the leak named."""

import numpy as np
import pytest

from autograder.secrecy import (
    Run,
    SecrecyError,
    assert_beaver_protocol_secret,
    assert_beaver_shares_local,
    assert_reveals_nothing,
    assert_session_protocol_secret,
    assert_shares_local,
    recording,
)
from ppml_lab.smpc import (
    Transport,
    beaver_local_share,
    local_truncate,
    reconstruct,
    share,
    sigmoid_poly,
    sigmoid_poly_plain,
)


def beaver(x_shares, y_shares, triple, transport):
    n, shape = x_shares[0].size, x_shares[0].shape
    msgs = [np.concatenate([(x_shares[i] - triple.a[i]).ravel(), (y_shares[i] - triple.b[i]).ravel()]) for i in range(2)]
    both = sum(transport.exchange(msgs))
    d, e = both[:n].reshape(shape), both[n:].reshape(shape)
    return [beaver_local_share(d, e, triple.a[i], triple.b[i], triple.c[i], i) for i in range(2)]


def _random_mask(shape):
    return np.random.default_rng().integers(0, 2**64, shape, dtype=np.uint64, endpoint=False)


def opens_inputs(x_shares, y_shares, triple, transport):
    """Insecure: opens x and y in one round, multiplies in the clear, re-shares the product."""
    n = x_shares[0].size
    both = sum(transport.exchange([np.concatenate([x_shares[i], y_shares[i]]) for i in range(2)]))
    z = both[:n] * both[n:]
    mask = _random_mask(z.shape)
    return [z - mask, mask]


def test_a_beaver_product_reveals_nothing_and_its_shares_are_each_party_own():
    assert_beaver_protocol_secret(beaver, (12,))
    assert_beaver_protocol_secret(beaver, (3, 4))


def test_opening_x_and_y_is_named():
    with pytest.raises(SecrecyError, match="equals x"):
        assert_beaver_protocol_secret(opens_inputs, (12,))


@pytest.mark.parametrize(
    ("offset_or_factor", "named"),
    [(("+", 12345), "plus a public constant"), (("-", 999), "minus it"), (("*", 3), "multiple of it")],
    ids=["plus", "minus", "multiple"],
)
def test_deterministic_functions_of_a_secret_are_named(offset_or_factor, named):
    op, k = offset_or_factor
    k = np.uint64(k)
    secret = _random_mask((16,))
    transforms = {"+": lambda s: s + k, "-": lambda s: k - s, "*": lambda s: s * k}

    def run():
        transport = Transport(record=True)
        shares = [_random_mask((16,)), None]
        shares[1] = secret - shares[0]
        with recording(transport) as messages:
            # party 0 sends a fresh mask, party 1 sends what makes the opened sum transform(secret)
            mask = _random_mask((16,))
            transport.exchange([mask, transforms[op](secret) - mask])
        return Run(messages, {"s": shares})

    with pytest.raises(SecrecyError, match=named):
        assert_reveals_nothing([run(), run()], {"the secret s": secret})


def test_a_one_way_reveal_is_read_with_the_receiver_share():
    X = np.arange(12.0).reshape(4, 3) / 7

    def reveal_to_party_0(Xs):
        return Xs.reveal(to=(0,))

    with pytest.raises(SecrecyError, match="What party 0 learns.*it holds X"):
        assert_session_protocol_secret(reveal_to_party_0, {"X": (X, 0)})


def test_a_message_that_does_not_change_between_runs_is_refused():
    secret = _random_mask((8,))
    fixed = _random_mask((8,))  # random-looking, but the same in every run

    def run():
        transport = Transport(record=True)
        with recording(transport) as messages:
            transport.exchange([fixed, _random_mask((8,))])
        return Run(messages, {})

    with pytest.raises(SecrecyError, match="Party 0's message in online round 1 is the same in two runs"):
        assert_reveals_nothing([run(), run()], {"s": secret})


def test_adding_up_both_parties_shares_in_process_is_refused():
    def local(x_shares, y_shares, triple, transport):
        transport.exchange([x_shares[i] - triple.a[i] for i in range(2)])
        z = (x_shares[0] + x_shares[1]) * (y_shares[0] + y_shares[1])
        mask = _random_mask(z.shape)
        return [z - mask, mask]

    with pytest.raises(SecrecyError, match=r"party 0's share of x\*y changed when only party 1's"):
        assert_beaver_shares_local(local, (6,), transport_factory=Transport)


def test_a_secure_training_step_passes_and_a_revealing_one_names_the_data():
    gen = np.random.default_rng(0)
    X, w, y = gen.normal(size=(20, 3)), gen.normal(size=3), (gen.random(20) < 0.3).astype(float)
    inputs = {"X": (X, 0), "the labels y": (y, 0), "w": (w, 1)}

    def step(Xs, ys, ws, lr):
        return ws - (Xs.T @ (sigmoid_poly(Xs @ ws) - ys)) * (lr / Xs.shape[0])

    def plaintext_step(Xs, ys, ws, lr):
        Xp, yp, wp = Xs.reveal(), ys.reveal(), ws.reveal()
        return ws + (-lr / len(Xp) * Xp.T @ (sigmoid_poly_plain(Xp @ wp) - yp))

    results = assert_session_protocol_secret(step, inputs, 0.5)
    assert len(results) == 2
    assert np.allclose(results[0].reveal(), results[1].reveal(), atol=1e-3)
    with pytest.raises(SecrecyError, match="it holds X"):
        assert_session_protocol_secret(plaintext_step, inputs, 0.5)


def test_runs_are_required():
    with pytest.raises(ValueError, match="runs must hold at least two runs"):
        assert_reveals_nothing([Run()], {"x": np.zeros(3)})


def truncates_the_reconstructed_value(shares, bits=16):
    """Insecure: adds up both shares, shifts the value, re-shares it (the right result, exactly)."""
    x = (shares[0] + shares[1]).view(np.int64) >> bits
    mask = _random_mask(x.shape)
    return [x.view(np.uint64) - mask, mask]


def test_local_truncation_is_each_party_own_and_reconstruction_is_named():
    shares = share(np.arange(8, dtype=np.uint64) << np.uint64(20))
    assert_shares_local(local_truncate, shares, 16)
    with pytest.raises(SecrecyError, match="two calls on the same shares gave different shares"):
        assert_shares_local(truncates_the_reconstructed_value, shares, 16, what="x / 2^f")


def test_a_deterministic_step_that_reads_the_other_share_is_refused():
    def party0_reads_both(shares, bits):
        x = reconstruct(shares).view(np.int64) >> bits
        return [x.view(np.uint64) - shares[1], shares[1]]

    with pytest.raises(SecrecyError, match="party 0's share of x / 2\\^f changed when only party 1's"):
        assert_shares_local(party0_reads_both, share(np.arange(4, dtype=np.uint64)), 16, what="x / 2^f")
