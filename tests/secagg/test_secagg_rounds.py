"""Each aggregation is a fresh round (reused masks would unmask a client), and a client answers the
unmasking request only once, consistently, and only if enough of its peers survived."""

import os

import numpy as np
import pytest

from ppml_lab.secagg import Client, ProtocolAbort, SecureAggregationServer, ThresholdError

BITS = 32
MOD = 2**BITS


def test_a_client_reused_across_rounds_draws_fresh_masks():
    n, m = 6, 64
    rng = np.random.default_rng(0)
    x1 = [rng.integers(0, 1000, m).astype(np.uint64) for _ in range(n)]
    x2 = [rng.integers(0, 1000, m).astype(np.uint64) for _ in range(n)]
    clients = [Client(i, x1[i], BITS) for i in range(n)]
    server = SecureAggregationServer(n)
    first = server.aggregate(clients)
    y1 = {u: y.copy() for u, y in first.server_state["masked_inputs"].items()}
    for c in clients:
        c.x = x2[c.cid]
    second = server.aggregate(clients)
    y2 = second.server_state["masked_inputs"]
    assert np.array_equal(first.total, sum(x1) % MOD) and np.array_equal(second.total, sum(x2) % MOD)
    for u in range(n):
        # with repeated masks y1 - y2 would equal x1 - x2 in every coordinate
        mask_difference = (y1[u] - y2[u] - (x1[u] - x2[u])) % np.uint64(MOD)
        assert np.count_nonzero(mask_difference) >= m - 1, u


def test_a_round_id_is_never_reused():
    c = Client(0, np.zeros(4, dtype=np.uint64), BITS)
    rid = os.urandom(16)
    c.advertise(rid)
    with pytest.raises(ProtocolAbort, match="round id already used"):
        c.advertise(rid)
    with pytest.raises(ValueError, match="round_id"):
        c.advertise(b"short")


def _after_masking(n, threshold=None):
    server = SecureAggregationServer(n, threshold)
    clients = [Client(i, np.arange(8, dtype=np.uint64), BITS) for i in range(n)]
    rid = os.urandom(16)
    keys = {c.cid: c.advertise(rid) for c in clients}
    for c in clients:
        for v, ct in c.share_keys(server.neigh[c.cid], keys, server.threshold).items():
            clients[v].receive_shares(c.cid, ct, keys[c.cid][0])
    for c in clients:
        c.masked_input(server.neigh[c.cid], keys)
    return server, clients


def test_a_client_aborts_when_fewer_than_t_peers_survived():
    server, clients = _after_masking(10)  # t = 5 of 9 holders
    everyone = set(range(10))
    # the server claims all but clients 0..4 dropped: client 0 sees 4 surviving peers < t
    with pytest.raises(ProtocolAbort, match="only 4 of its neighbours survived, below the threshold 5"):
        clients[0].unmask({0, 1, 2, 3, 4}, everyone - {0, 1, 2, 3, 4})
    answer = clients[0].unmask({0, 1, 2, 3, 4, 5}, everyone - {0, 1, 2, 3, 4, 5})  # 5 peers: answers
    assert {kind for kind, _, _ in answer.values()} == {"b", "sk"}


def test_a_client_answers_once_and_only_consistent_requests():
    server, clients = _after_masking(5)
    everyone = set(range(5))
    with pytest.raises(ProtocolAbort, match="listed as both"):
        clients[1].unmask(everyone, {2})
    with pytest.raises(ProtocolAbort, match="listed as dropped"):
        clients[1].unmask(everyone - {1}, {1})
    clients[1].unmask(everyone, set())
    with pytest.raises(ProtocolAbort, match="already answered"):
        clients[1].unmask(everyone - {0}, {0})


def test_with_too_many_dropouts_the_honest_run_stops_without_unmasking():
    clients = [Client(i, np.zeros(8, dtype=np.uint64), BITS) for i in range(10)]
    server = SecureAggregationServer(10, threshold=6)
    with pytest.raises(ThresholdError, match="threshold is 6"):
        server.aggregate(clients, drop_after_masking=0.5, drop_seed=0)
    assert len(server.state["aborted"]) == 5  # every survivor refused: 4 surviving peers < 6
    assert not server.state["reconstructed_self_seeds"] and not server.state["reconstructed_mask_keys"]
