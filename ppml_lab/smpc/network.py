"""Two parties as real OS processes talking over TCP on the loopback interface.

:func:`run_secure_lr_two_processes` runs secure logistic regression this way. The calling process
is the launcher and plays two roles, which a real deployment gives to different organisations: it
is the **trusted dealer** (it makes every party's preprocessing material before training and hands
it over a pipe: the offline phase), and it hands each bank its own data. Each bank's process then
holds only its own data and its own shares, and runs :func:`ppml_lab.smpc.lr_protocol.train_party`
over a :class:`~ppml_lab.smpc.tcp.TCPChannel`: exactly the code the in-process estimator runs.
A party that fails or goes silent makes the other fail within ``timeout`` with the round named.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import socket
import time
import traceback
from dataclasses import dataclass, field

import numpy as np

from ppml_lab.smpc.channel import PeerFailure
from ppml_lab.smpc.dealer import TrustedDealer
from ppml_lab.smpc.lr_protocol import lr_material, reveal_party, share_inputs, train_party
from ppml_lab.smpc.tcp import TCPChannel

__all__ = ["LOOPBACK", "PartyResult", "PeerFailure", "run_secure_lr_two_processes"]

LOOPBACK = "127.0.0.1"


@dataclass
class PartyResult:
    """What one bank's process reports: weights, counters per phase, timings."""

    party: int
    weights: np.ndarray | None
    rounds: dict
    bytes_sent: dict
    seconds: float
    error: str | None = None
    input_seconds: float = 0.0
    training_seconds: float = 0.0
    training_rounds: int = 0
    training_bytes: int = 0
    offline_bytes: int = 0
    extra: dict = field(default_factory=dict)


def _connect(party: int, port_queue, timeout: float) -> socket.socket:
    if party == 0:
        server = socket.create_server((LOOPBACK, 0))
        server.settimeout(timeout)
        port_queue.put(server.getsockname()[1])
        sock, _ = server.accept()
        server.close()
        return sock
    return socket.create_connection((LOOPBACK, port_queue.get(timeout=timeout)), timeout=timeout)


def _party_main(party, port_queue, material_conn, result_queue, X_own, y_own, peer_shapes, layout,
                learning_rate, n_iterations, timeout, die_after_rounds, reveal_to):
    start = time.perf_counter()
    ch = None
    try:
        ch = TCPChannel(_connect(party, port_queue, timeout), party, timeout)
        if die_after_rounds is not None:
            real_exchange = ch.exchange

            def dying_exchange(message, peer_shape=None):
                if ch.total_rounds() >= die_after_rounds:
                    os._exit(3)  # simulates a crash: no goodbye on the socket
                return real_exchange(message, peer_shape)

            ch.exchange = dying_exchange
        material = material_conn.recv()  # offline: my preprocessing material from the dealer
        ch.receive_offline(material)
        t0 = time.perf_counter()
        X_i, y_i = share_inputs(ch, X_own, y_own, layout, peer_shapes)
        t1 = time.perf_counter()
        w_i = train_party(ch, X_i, y_i, material, learning_rate, n_iterations)
        t2 = time.perf_counter()
        rounds, sent = ch.total_rounds("online"), ch.total_bytes("online")
        w = reveal_party(ch, w_i, reveal_to)
        result_queue.put(PartyResult(
            party, w, dict(ch.rounds), dict(ch.bytes_sent), time.perf_counter() - start,
            input_seconds=t1 - t0, training_seconds=t2 - t1, training_rounds=rounds,
            training_bytes=sent, offline_bytes=ch.total_bytes("offline"),
        ))
    except Exception as exc:  # reported to the parent, which raises a clear error
        if ch is not None:
            ch.abort()
        result_queue.put(PartyResult(
            party, None, dict(ch.rounds) if ch else {}, {}, time.perf_counter() - start,
            f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}",
        ))


def run_secure_lr_two_processes(
    party_data: list[tuple[np.ndarray, np.ndarray]],
    *,
    layout: str = "horizontal",
    learning_rate: float = 1.0,
    n_iterations: int = 10,
    timeout: float = 20.0,
    die_after_rounds: int | None = None,
    reveal_to: tuple[int, ...] = (0, 1),
) -> tuple[np.ndarray, list[PartyResult]]:
    """Train secure LR with each bank in its own OS process over TCP on 127.0.0.1.

    ``party_data[p] = (X_p, y_p)``; a bias column is added by the caller if wanted. In the
    vertical layout party 0's ``y`` are the labels and party 1 passes an empty array.
    ``die_after_rounds`` makes party 1 crash after that many rounds (for fault tests).
    Returns the revealed weights (of the first party in ``reveal_to``) and each party's report;
    raises ``PeerFailure`` with the parties' own messages if a party fails.
    """
    if layout not in ("horizontal", "vertical"):
        raise ValueError(f"layout must be 'horizontal' or 'vertical', got {layout!r}")
    if len(party_data) != 2:
        raise ValueError(f"party_data must hold two (X, y) pairs, got {len(party_data)}")
    data = [(np.asarray(X, dtype=float), np.asarray(y, dtype=float).ravel()) for X, y in party_data]
    (Xa, _), (Xb, _) = data
    if layout == "horizontal":
        if Xa.shape[1] != Xb.shape[1]:
            raise ValueError("horizontal layout: both parties need the same number of features")
        n, d = len(Xa) + len(Xb), Xa.shape[1]
    else:
        if len(Xa) != len(Xb):
            raise ValueError("vertical layout: both parties need the same (aligned) rows")
        n, d = len(Xa), Xa.shape[1] + Xb.shape[1]
    material = lr_material(TrustedDealer(2), n, d, n_iterations, learning_rate)  # the launcher deals
    ctx = mp.get_context("spawn")
    port_queue, results = ctx.Queue(), ctx.Queue()
    pipes = [ctx.Pipe() for _ in range(2)]
    procs = []
    for p, (X, y) in enumerate(data):
        peer = data[1 - p]
        proc = ctx.Process(
            target=_party_main,
            args=(p, port_queue, pipes[p][1], results, X, y, (peer[0].shape, peer[1].shape), layout,
                  learning_rate, n_iterations, timeout, die_after_rounds if p == 1 else None, tuple(reveal_to)),
            daemon=True,
        )
        proc.start()
        procs.append(proc)
    try:
        for p in range(2):
            pipes[p][0].send(material[p])
        collected: dict[int, PartyResult] = {}
        deadline = time.monotonic() + timeout * (4 + n_iterations)
        while len(collected) < 2:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PeerFailure("the parties did not finish in time")
            try:
                r = results.get(timeout=min(remaining, 1.0))
                collected[r.party] = r
            except Exception:  # queue.Empty: check whether a party died without reporting
                dead = [p for p, proc in enumerate(procs) if not proc.is_alive() and p not in collected]
                if dead and len(collected) + len(dead) == 2:
                    for p in dead:
                        collected[p] = PartyResult(p, None, {}, {}, 0.0, f"process exited with code {procs[p].exitcode}")
        errors = [f"party {r.party}: {r.error}" for r in collected.values() if r.error]
        if errors:
            raise PeerFailure("secure training failed:\n" + "\n".join(errors))
        return collected[tuple(reveal_to)[0]].weights, [collected[0], collected[1]]
    finally:
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
