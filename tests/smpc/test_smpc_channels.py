"""Channels: counters owned by the channel, transcripts, and a TCP link that is full duplex,
capped and checked (a peer sending a bogus length or a float array is named, with the round)."""

import ast
import socket
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

import ppml_lab.smpc as smpc
from ppml_lab.smpc import (
    MPCSession,
    PeerFailure,
    ProtocolError,
    TCPChannel,
    Transport,
    TrustedDealer,
    beaver_multiply_shares,
    channel_pair,
    reconstruct,
    share,
)
from ppml_lab.smpc.tcp import HEADER, MAGIC


def _tcp_pair(timeout=20.0, **kwargs):
    server = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(server.getsockname())
    peer, _ = server.accept()
    server.close()
    return TCPChannel(peer, 0, timeout, **kwargs), TCPChannel(client, 1, timeout, **kwargs)


def _both(fn0, fn1):
    out, errors = [None, None], []

    def run(i, fn):
        try:
            out[i] = fn()
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate((fn0, fn1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out, errors


def test_tcp_exchange_of_64_mib_each_way_does_not_deadlock():
    a, b = _tcp_pair(timeout=20.0)
    n = (64 << 20) // 8
    m0, m1 = np.arange(n, dtype=np.uint64), np.arange(n, dtype=np.uint64)[::-1].copy()
    (got0, got1), errors = _both(lambda: a.exchange(m0), lambda: b.exchange(m1))
    assert not errors, errors
    assert np.array_equal(got0, m1) and np.array_equal(got1, m0)
    assert a.rounds["online"] == b.rounds["online"] == 1
    assert a.bytes_sent["online"] >= 64 << 20  # payload plus the frame header, counted by the channel


def _raw_peer_sends(frame: bytes):
    """Party 0 is a real TCPChannel; party 1 is a raw socket that sends ``frame``."""
    server = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(server.getsockname())
    sock, _ = server.accept()
    server.close()
    ch = TCPChannel(sock, 0, timeout=5.0)
    client.sendall(frame)
    return ch, client


def test_tcp_refuses_a_bogus_length_naming_party_and_round():
    ch, client = _raw_peer_sends(HEADER.pack(MAGIC, b"<u8\0", 1, 2**60) + struct.pack("!Q", 2**57))
    with ch.in_phase("input"):
        with pytest.raises(ProtocolError, match=r"party 0, input round 1: party 1 announced .* frame cap"):
            ch.recv((4,))
    client.close()


def test_tcp_refuses_a_float_array_naming_party_and_round():
    floats = np.ones(4)
    ch, client = _raw_peer_sends(HEADER.pack(MAGIC, b"<f8\0", 1, 32) + struct.pack("!Q", 4) + floats.tobytes())
    with pytest.raises(ProtocolError, match=r"party 0, online round 1: party 1 sent dtype <f8"):
        ch.exchange(np.zeros(4, np.uint64))
    client.close()


def test_tcp_refuses_a_shape_the_protocol_does_not_expect():
    a, b = _tcp_pair(timeout=5.0)
    _, errors = _both(lambda: a.exchange(np.zeros(3, np.uint64)), lambda: b.exchange(np.zeros(5, np.uint64)))
    assert errors and all(isinstance(e, ProtocolError) for e in errors)
    assert any("shape (5,), expected (3,)" in str(e) for e in errors)


def test_tcp_silent_peer_is_a_peer_failure_with_the_round():
    a, b = _tcp_pair(timeout=0.5)
    with pytest.raises(PeerFailure, match="party 0, online round 1: party 1 sent nothing"):
        a.exchange(np.zeros(2, np.uint64))
    b.sock.close()


def test_in_process_channel_checks_dtype_and_shape():
    c0, c1 = channel_pair(timeout=2.0)
    c1._outbox.put(np.ones(3))  # a float array
    with pytest.raises(ProtocolError, match="party 0, online round 1: party 1 sent float64"):
        c0.recv((3,))


def test_transcript_records_what_each_round_opens_and_never_the_inputs():
    t = Transport(record=True)
    dealer = TrustedDealer(2, t)
    x, y = np.array([7, 11, 13], dtype=np.uint64), np.array([5, 3, 2], dtype=np.uint64)
    triple = dealer.elementwise_triple((3,))
    z = beaver_multiply_shares(share(x), share(y), triple, t)
    assert np.array_equal(reconstruct(z), x * y)
    sent = t.transcript
    assert [(m.phase, m.round, m.sender) for m in sent] == [("online", 1, 0), ("online", 1, 1)]
    opened = sent[0].value + sent[1].value
    a, b = reconstruct(triple.a), reconstruct(triple.b)
    assert np.array_equal(opened, np.concatenate([x - a, y - b]))  # d and e, masked
    assert not np.array_equal(opened[:3], x) and not np.array_equal(opened[3:], y)
    # each party's own channel saw its message and the peer's
    assert [m.sender for m in t.channels[0].transcript] == [0, 1]


def test_reveal_to_one_party_sends_one_way_and_only_drives_the_counters():
    s = MPCSession(record=True)
    x = s.share(np.array([1.25, -2.5]), owner=0)
    s.transport.reset()
    assert np.allclose(x.reveal(to=(0,)), [1.25, -2.5])
    senders = [m.sender for m in s.transport.transcript]
    assert senders == [1]  # only party 1 sends its share, to party 0
    assert s.transport.channels[1].bytes_sent["online"] == 16 and s.transport.channels[0].bytes_sent["online"] == 0


def test_counters_are_written_only_by_the_channel():
    s = MPCSession()
    X, w = s.share(np.ones((6, 3))), s.share(np.ones(3), owner=1)
    before = {p: dict(ch.rounds) for p, ch in enumerate(s.transport.channels)}
    (X @ w).reveal()
    for p, ch in enumerate(s.transport.channels):
        assert ch.rounds["online"] - before[p].get("online", 0) == 3  # Beaver, truncation, reveal
    assert s.transport.report()["offline"]["bytes"] > 0  # the dealer's triple and truncation pair


COUNTERS = {"rounds", "bytes_sent", "offline_bytes_received"}
_MUTATORS = {"clear", "update", "pop", "popitem", "setdefault", "__setitem__"}


def counter_writes(source: str) -> list[int]:
    """Line numbers in ``source`` that assign to, augment or mutate a channel counter attribute."""

    def is_counter(node) -> bool:
        while isinstance(node, ast.Subscript):
            node = node.value
        return isinstance(node, ast.Attribute) and node.attr in COUNTERS

    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign):
            lines += [t.lineno for t in node.targets if is_counter(t)]
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and is_counter(node.target):
            lines.append(node.lineno)
        elif isinstance(node, ast.Delete):
            lines += [t.lineno for t in node.targets if is_counter(t)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in _MUTATORS and is_counter(node.func.value):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
            name = node.args[1] if len(node.args) > 1 else None
            if isinstance(name, ast.Constant) and name.value in COUNTERS:
                lines.append(node.lineno)
    return lines


def test_no_module_but_the_channel_writes_a_counter():
    package = Path(smpc.__file__).parent
    writers = {
        path.name: counter_writes(path.read_text(encoding="utf-8"))
        for path in sorted(package.glob("*.py"))
        if path.name != "channel.py"
    }
    assert {name: lines for name, lines in writers.items() if lines} == {}
    assert counter_writes((package / "channel.py").read_text(encoding="utf-8"))  # the scan sees writes
