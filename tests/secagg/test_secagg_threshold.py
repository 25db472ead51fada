"""The default threshold is a strict majority of the share holders: neither one colluding neighbour
nor a server lying about dropouts can collect both secrets of a client; t = 1 needs a named flag."""

import os

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from ppml_lab.secagg import Client, ProtocolAbort, SecureAggregationServer, SecureAggregator, prg, shamir
from ppml_lab.secagg.protocol import _kdf

BITS = 32


def test_default_threshold_is_floor_half_the_holders_plus_one():
    assert SecureAggregationServer(3).threshold == 2
    assert SecureAggregationServer(10).threshold == 5
    assert SecureAggregationServer(41, neighbors=10, graph_seed=0).threshold == 6
    assert SecureAggregator().threshold(3) == 2  # the three hospitals of lesson 05


def test_secure_aggregator_runs_three_clients_with_threshold_two():
    agg = SecureAggregator(clip=1.0)
    updates = [[np.full(3, v, dtype=np.float32)] for v in (0.25, 0.5, -0.75)]
    out = agg.aggregate(updates, [1, 1, 1])
    assert agg.last_result.threshold == 2
    assert np.allclose(out[0], 0.0, atol=1e-6)


@pytest.mark.parametrize("n,threshold", [(3, 1), (5, 1), (10, 4), (41, 5)])
def test_weak_thresholds_are_refused_unless_asked(n, threshold):
    neighbors = 10 if n == 41 else None
    with pytest.raises(ValueError, match="allow_weak_threshold"):
        SecureAggregationServer(n, threshold=threshold, neighbors=neighbors, graph_seed=0)
    server = SecureAggregationServer(n, threshold, neighbors=neighbors, graph_seed=0, allow_weak_threshold=True)
    assert server.threshold == threshold
    with pytest.raises(ValueError, match="allow_weak_threshold"):
        SecureAggregator(threshold_fraction=0.0).aggregate([[np.zeros(2)]] * 3, [1, 1, 1])


def _lying_server(n, threshold=None, allow=False, target=0):
    """Rounds 0-2 honestly, then tell every peer of ``target`` both stories (it survived / it
    dropped), in alternating order, and keep every share anyone gives for it."""
    server = SecureAggregationServer(n, threshold, allow_weak_threshold=allow)
    t = server.threshold
    rng = np.random.default_rng(n)
    xs = [rng.integers(0, 2**20, 16).astype(np.uint64) for _ in range(n)]
    clients = [Client(i, xs[i], BITS) for i in range(n)]
    round_id = os.urandom(16)
    keys = {c.cid: c.advertise(round_id) for c in clients}
    for c in clients:
        for v, ct in c.share_keys(server.neigh[c.cid], keys, t).items():
            clients[v].receive_shares(c.cid, ct, keys[c.cid][0])
    ys = {c.cid: c.masked_input(server.neigh[c.cid], keys) for c in clients}
    everyone = set(range(n))
    stories = [(everyone, set()), (everyone - {target}, {target})]
    got = {"b": {}, "sk": {}}
    for v in sorted(everyone - {target}):
        for survivors, dropped in stories if v % 2 else stories[::-1]:
            try:
                kind, i, share = clients[v].unmask(survivors, dropped)[target]
            except ProtocolAbort:
                continue
            got[kind][i] = share
    return t, got, xs, ys, keys, server, round_id


@pytest.mark.parametrize("n", [3, 4, 7])
def test_a_server_lying_about_dropouts_cannot_collect_both_secrets(n):
    t, got, *_ = _lying_server(n)
    assert not (len(got["b"]) >= t and len(got["sk"]) >= t), (t, {k: len(v) for k, v in got.items()})
    assert len(got["b"]) + len(got["sk"]) <= n - 1  # one answer per peer and round


def test_with_threshold_one_the_same_lie_unmasks_a_client():
    # the attack the default threshold stops is real: at t = 1 it recovers client 0's input exactly
    t, got, xs, ys, keys, server, round_id = _lying_server(3, threshold=1, allow=True)
    assert t == 1 and got["b"] and got["sk"]
    seed = shamir.reconstruct(got["b"], 1)
    sk = X25519PrivateKey.from_private_bytes(shamir.reconstruct(got["sk"], 1))
    mod = np.uint64(2**BITS - 1)
    x = (ys[0] - prg(_kdf(b"self", round_id, seed), 16, BITS)) & mod
    for v in server.neigh[0]:
        agreed = sk.exchange(X25519PublicKey.from_public_bytes(keys[v][1]))
        x = (x - prg(_kdf(b"pair", round_id, agreed), 16, BITS)) & mod  # client 0 < v added +mask
    assert np.array_equal(x, xs[0])


def test_two_clients_are_refused_with_the_reason_unless_asked():
    updates = [[np.array([1.0, 2.0])], [np.array([3.0, -1.0])]]
    with pytest.raises(ValueError, match="2 clients hides nothing"):
        SecureAggregator().aggregate(updates, [1.0, 1.0])
    mean = SecureAggregator(allow_weak_threshold=True).aggregate(updates, [1.0, 3.0])
    np.testing.assert_allclose(mean[0], [2.5, -0.25], atol=1e-6)
