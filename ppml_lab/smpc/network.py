"""Two parties as real OS processes talking over TCP on the loopback interface.

Each party holds only its own shares. :class:`SocketTransport` sends length-prefixed NumPy arrays
to the peer and counts rounds and bytes like the in-process :class:`~ppml_lab.smpc.transport.Transport`;
every receive has a timeout, and a peer that disappears (connection closed or silent past the
timeout) raises :class:`PeerFailure` naming the round, instead of hanging.

:func:`run_secure_lr_two_processes` runs secure logistic regression this way: the parent process
is the trusted dealer (it hands each party its triple shares before training: the offline phase);
each bank's process reads only its own data, secret-shares it with the other bank (input phase)
and runs the online phase of :mod:`ppml_lab.smpc.logistic`'s protocol on its shares.
"""

from __future__ import annotations

import io
import multiprocessing as mp
import os
import socket
import struct
import time
import traceback
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from ppml_lab.smpc.dealer import TrustedDealer
from ppml_lab.smpc.functions import SIGMOID_COEFFICIENTS
from ppml_lab.smpc.ring import decode, encode, to_signed
from ppml_lab.smpc.sharing import share
from ppml_lab.smpc.transport import NetworkModel

LOOPBACK = "127.0.0.1"


class PeerFailure(RuntimeError):
    """The other party closed the connection or stopped answering."""


class SocketTransport:
    """One party's end of a TCP connection to its peer, with round and byte counters."""

    def __init__(self, sock: socket.socket, party: int, timeout: float = 10.0) -> None:
        self.sock = sock
        self.party = party
        self.sock.settimeout(timeout)
        self.timeout = timeout
        self.phase = "online"
        self.rounds: dict[str, int] = defaultdict(int)
        self.bytes_sent: dict[str, int] = defaultdict(int)

    def _recv_exact(self, n: int) -> bytes:
        chunks, got = [], 0
        while got < n:
            try:
                chunk = self.sock.recv(min(n - got, 1 << 20))
            except TimeoutError as exc:
                raise PeerFailure(
                    f"party {1 - self.party} sent nothing for {self.timeout:.0f} s during "
                    f"{self.phase} round {self.rounds[self.phase]}"
                ) from exc
            except OSError as exc:
                raise PeerFailure(f"connection to party {1 - self.party} failed: {exc}") from exc
            if not chunk:
                raise PeerFailure(
                    f"party {1 - self.party} closed the connection during {self.phase} round {self.rounds[self.phase]}"
                )
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def exchange(self, message: np.ndarray) -> np.ndarray:
        """One round: send ``message`` to the peer and receive the peer's."""
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(message), allow_pickle=False)
        payload = buf.getvalue()
        try:
            self.sock.sendall(struct.pack("!Q", len(payload)) + payload)
        except OSError as exc:
            raise PeerFailure(f"cannot send to party {1 - self.party}: {exc}") from exc
        self.rounds[self.phase] += 1
        self.bytes_sent[self.phase] += len(payload)
        (size,) = struct.unpack("!Q", self._recv_exact(8))
        return np.load(io.BytesIO(self._recv_exact(size)), allow_pickle=False)

    def projected_seconds(self, network: NetworkModel, phase: str = "online") -> float:
        return network.seconds(self.rounds[phase], self.bytes_sent[phase])


# --- the per-party protocol ------------------------------------------------------------------------


def _truncate_local(share_i: np.ndarray, party: int, bits: int = 16) -> np.ndarray:
    if party == 0:
        return (to_signed(share_i) >> bits).view(np.uint64)
    return (-((-to_signed(share_i)) >> bits)).view(np.uint64)


def _beaver(t: SocketTransport, x, y, triple, op) -> np.ndarray:
    a, b, c = triple
    d_i, e_i = x - a, y - b
    both = t.exchange(np.concatenate([d_i.ravel(), e_i.ravel()]))
    d = d_i + both[: d_i.size].reshape(d_i.shape)
    e = e_i + both[d_i.size :].reshape(e_i.shape)
    z = c + op(d, b) + op(a, e)
    if t.party == 0:
        z = z + op(d, e)
    return _truncate_local(z, t.party)


def _mul(t, x, y, triple):
    return _beaver(t, x, y, triple, np.multiply)


def _matmul(t, x, y, triple):
    return _beaver(t, x, y, triple, np.matmul)


def secure_lr_online(
    t: SocketTransport, X: np.ndarray, y: np.ndarray, triples: list, learning_rate: float, n_iterations: int
) -> np.ndarray:
    """One party's online phase on its shares: returns its share of the weights."""
    n, d = X.shape
    w = np.zeros((d, 1), dtype=np.uint64)  # shares of zero: both parties start at 0
    c0, c1, c3 = (encode(c) for c in SIGMOID_COEFFICIENTS)
    step = encode(learning_rate / n)
    it = iter(triples)
    for _ in range(n_iterations):
        z = _matmul(t, X, w, next(it))
        z3 = _mul(t, _mul(t, z, z, next(it)), z, next(it))
        s = _truncate_local(z * c1 + z3 * c3, t.party) + (c0 if t.party == 0 else np.uint64(0))
        error = s - y
        grad = _matmul(t, X.T.copy(), error, next(it))
        w = w - _truncate_local(grad * step, t.party)
    return w


@dataclass
class PartyResult:
    party: int
    weights: np.ndarray | None
    rounds: dict
    bytes_sent: dict
    seconds: float
    error: str | None = None


def _party_main(
    party,
    port_queue,
    triple_conn,
    result_queue,
    X_own,
    y_own,
    shapes,
    learning_rate,
    n_iterations,
    timeout,
    die_after_rounds,
):
    start = time.perf_counter()
    t = None
    try:
        if party == 0:
            server = socket.create_server((LOOPBACK, 0))
            server.settimeout(timeout)
            port_queue.put(server.getsockname()[1])
            sock, _ = server.accept()
            server.close()
        else:
            port = port_queue.get(timeout=timeout)
            sock = socket.create_connection((LOOPBACK, port), timeout=timeout)
        t = SocketTransport(sock, party, timeout)
        if die_after_rounds is not None:
            real_exchange = t.exchange

            def dying_exchange(message):
                if sum(t.rounds.values()) >= die_after_rounds:
                    os._exit(3)  # simulates a crash: no goodbye on the socket
                return real_exchange(message)

            t.exchange = dying_exchange
        # offline: receive my triple shares from the dealer
        triples = triple_conn.recv()
        # input phase: share my own rows/columns; receive the peer's share of theirs
        t.phase = "input"
        rows_a, rows_b, layout = shapes
        X_mine = share(encode(X_own), 2)
        y_mine = share(encode(y_own), 2)
        X_peer = t.exchange(X_mine[1])
        y_peer = t.exchange(y_mine[1])
        parts_X = [X_mine[0], X_peer] if party == 0 else [X_peer, X_mine[0]]
        parts_y = [y_mine[0], y_peer] if party == 0 else [y_peer, y_mine[0]]
        X = np.concatenate(parts_X, axis=0 if layout == "horizontal" else 1)
        y = np.concatenate(parts_y).reshape(-1, 1) if layout == "horizontal" else parts_y[0].reshape(-1, 1)
        t.phase = "online"
        w_share = secure_lr_online(t, X, y, triples, learning_rate, n_iterations)
        w = decode(w_share + t.exchange(w_share)).ravel()  # reveal to both banks
        result_queue.put(
            PartyResult(party, w, dict(t.rounds), dict(t.bytes_sent), time.perf_counter() - start)
        )
    except Exception as exc:  # reported to the parent, which raises a clear error
        result_queue.put(
            PartyResult(
                party,
                None,
                dict(t.rounds) if t else {},
                {},
                time.perf_counter() - start,
                f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}",
            )
        )


def run_secure_lr_two_processes(
    party_data: list[tuple[np.ndarray, np.ndarray]],
    *,
    layout: str = "horizontal",
    learning_rate: float = 1.0,
    n_iterations: int = 10,
    timeout: float = 20.0,
    die_after_rounds: int | None = None,
) -> tuple[np.ndarray, list[PartyResult]]:
    """Train secure LR with each bank in its own OS process over TCP on 127.0.0.1.

    ``party_data[p] = (X_p, y_p)``; a bias column is added by the caller if wanted. In the
    vertical layout party 0's ``y`` are the labels and party 1 passes an empty array.
    ``die_after_rounds`` makes party 1 crash after that many rounds (for fault tests).
    Returns the revealed weights and each party's counters; raises ``PeerFailure`` with the
    parties' own messages if a party fails, within ``timeout`` seconds of the failure.
    """
    if layout not in ("horizontal", "vertical"):
        raise ValueError(f"layout must be 'horizontal' or 'vertical', got {layout!r}")
    if len(party_data) != 2:
        raise ValueError(f"party_data must hold two (X, y) pairs, got {len(party_data)}")
    (Xa, ya), (Xb, yb) = [(np.asarray(X, dtype=float), np.asarray(y, dtype=float)) for X, y in party_data]
    if layout == "horizontal":
        if Xa.shape[1] != Xb.shape[1]:
            raise ValueError("horizontal layout: both parties need the same number of features")
        n, d = len(Xa) + len(Xb), Xa.shape[1]
    else:
        if len(Xa) != len(Xb):
            raise ValueError("vertical layout: both parties need the same (aligned) rows")
        n, d = len(Xa), Xa.shape[1] + Xb.shape[1]
    dealer = TrustedDealer(2)
    per_party: list[list] = [[], []]
    for _ in range(n_iterations):
        for triple in (
            dealer.matmul_triple((n, d), (d, 1)),
            dealer.elementwise_triple((n, 1)),
            dealer.elementwise_triple((n, 1)),
            dealer.matmul_triple((d, n), (n, 1)),
        ):
            for p in range(2):
                per_party[p].append((triple.a[p], triple.b[p], triple.c[p]))
    ctx = mp.get_context("spawn")
    port_queue, results = ctx.Queue(), ctx.Queue()
    pipes = [ctx.Pipe() for _ in range(2)]
    procs = []
    for p, (X, y) in enumerate(((Xa, ya), (Xb, yb))):
        proc = ctx.Process(
            target=_party_main,
            args=(
                p,
                port_queue,
                pipes[p][1],
                results,
                X,
                y,
                (len(Xa), len(Xb), layout),
                learning_rate,
                n_iterations,
                timeout,
                die_after_rounds if p == 1 else None,
            ),
            daemon=True,
        )
        proc.start()
        procs.append(proc)
    try:
        for p in range(2):
            pipes[p][0].send(per_party[p])
        collected: dict[int, PartyResult] = {}
        deadline = time.monotonic() + timeout * (2 + n_iterations)
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
                    # a party died silently; the survivor (if any) has reported its error by now
                    for p in dead:
                        collected[p] = PartyResult(
                            p, None, {}, {}, 0.0, f"process exited with code {procs[p].exitcode}"
                        )
        errors = [f"party {r.party}: {r.error}" for r in collected.values() if r.error]
        if errors:
            raise PeerFailure("secure training failed:\n" + "\n".join(errors))
        return collected[0].weights, [collected[0], collected[1]]
    finally:
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
