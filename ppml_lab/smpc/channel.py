"""Channels: how one party talks to the other, and the only place where cost is counted.

A :class:`Channel` is one party's end of a two-party link. Every protocol step goes through
:meth:`Channel.exchange` (both parties send at once: one round), :meth:`Channel.send` /
:meth:`Channel.recv` (one party sends: one round) or :meth:`Channel.receive_offline` (the dealer's
preprocessing material arriving), and the channel counts rounds and bytes per phase
(``offline``, ``input``, ``online``) itself; nothing else writes a counter. Messages are ring
elements (``uint64`` arrays); what arrives is checked (dtype, shape) and a mismatch raises
:class:`ProtocolError` naming the party and the round.

With ``record=True`` a channel keeps ``channel.transcript``: one :class:`Message` per message it
sent or received, ``(phase, round, sender, value)``, ``value`` a copy of the array. Summing the two
parties' messages of one round gives what that round opened.

:class:`InProcessChannel` (from :func:`channel_pair`) links two parties living in one process, each
in its own thread; :class:`~ppml_lab.smpc.tcp.TCPChannel` links two OS processes.
"""

from __future__ import annotations

import queue
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

PHASES = ("offline", "input", "online")


class PeerFailure(RuntimeError):
    """The other party closed the connection, stopped answering, or aborted."""


class ProtocolError(RuntimeError):
    """The other party sent something the protocol does not allow here (dtype, shape, size)."""


@dataclass(frozen=True)
class Message:
    """One recorded message: its phase, the sender's round number, the sender, a copy of the value."""

    phase: str
    round: int
    sender: int
    value: np.ndarray


def _walk_arrays(obj):
    if isinstance(obj, np.ndarray):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _walk_arrays(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _walk_arrays(v)
    elif hasattr(obj, "__dataclass_fields__"):
        for name in obj.__dataclass_fields__:
            yield from _walk_arrays(getattr(obj, name))


class Channel:
    """One party's end of a link; subclasses move the bytes (``_send_raw`` / ``_recv_raw``)."""

    def __init__(self, party: int, record: bool = False) -> None:
        if party not in (0, 1):
            raise ValueError(f"party must be 0 or 1, got {party}")
        self.party, self.peer = party, 1 - party
        self.phase = "online"
        self.rounds: dict[str, int] = defaultdict(int)
        self.bytes_sent: dict[str, int] = defaultdict(int)
        self.offline_bytes_received = 0
        self.record = record
        self.transcript: list[Message] = []

    # --- moving bytes (subclasses) ---------------------------------------------------------------
    def _send_raw(self, message: np.ndarray) -> int:  # returns the bytes put on the wire
        raise NotImplementedError

    def _recv_raw(self, shape: tuple[int, ...]) -> np.ndarray:
        raise NotImplementedError

    def _exchange_raw(self, message: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, int]:
        sent = self._send_raw(message)
        return self._recv_raw(shape), sent

    # --- protocol steps --------------------------------------------------------------------------
    @contextmanager
    def in_phase(self, name: str):
        """Attribute the rounds and bytes inside the ``with`` block to phase ``name``."""
        if name not in PHASES:
            raise ValueError(f"phase must be one of {PHASES}, got {name!r}")
        previous, self.phase = self.phase, name
        try:
            yield self
        finally:
            self.phase = previous

    def where(self) -> str:
        """The position in the protocol, for error messages."""
        return f"party {self.party}, {self.phase} round {self.rounds[self.phase] + 1}"

    def check(self, got: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """Refuse a message of the wrong dtype or shape from the peer."""
        if not isinstance(got, np.ndarray) or got.dtype != np.uint64:
            kind = getattr(got, "dtype", type(got).__name__)
            raise ProtocolError(f"{self.where()}: party {self.peer} sent {kind}, expected uint64 ring elements")
        if tuple(got.shape) != tuple(shape):
            raise ProtocolError(
                f"{self.where()}: party {self.peer} sent shape {tuple(got.shape)}, expected {tuple(shape)}"
            )
        return got

    def _note(self, sender: int, value: np.ndarray) -> None:
        if self.record:
            self.transcript.append(Message(self.phase, self.rounds[self.phase] + 1, sender, value.copy()))

    def exchange(self, message: np.ndarray, peer_shape: tuple[int, ...] | None = None) -> np.ndarray:
        """One round: send ``message`` and receive the peer's (of ``peer_shape``, default the same)."""
        msg = np.ascontiguousarray(message, dtype=np.uint64)
        shape = msg.shape if peer_shape is None else tuple(peer_shape)
        got, sent = self._exchange_raw(msg, shape)
        got = self.check(got, shape)
        self._note(self.party, msg)
        self._note(self.peer, got)
        self.bytes_sent[self.phase] += sent
        self.rounds[self.phase] += 1
        return got

    def send(self, message: np.ndarray) -> None:
        """One round in which only this party sends."""
        msg = np.ascontiguousarray(message, dtype=np.uint64)
        sent = self._send_raw(msg)
        self._note(self.party, msg)
        self.bytes_sent[self.phase] += sent
        self.rounds[self.phase] += 1

    def recv(self, shape: tuple[int, ...]) -> np.ndarray:
        """One round in which only the peer sends (an array of ``shape``)."""
        got = self.check(self._recv_raw(tuple(shape)), tuple(shape))
        self._note(self.peer, got)
        self.rounds[self.phase] += 1
        return got

    def receive_offline(self, material) -> None:
        """Count the dealer's preprocessing material handed to this party (offline phase).

        An array that appears twice in ``material`` (the sigmoid's mask a, in its square and its
        cube triple) is counted once: it is sent once (pickling, too, sends it once).
        """
        seen: set[int] = set()
        for a in _walk_arrays(material):
            if id(a) not in seen:
                seen.add(id(a))
                self.offline_bytes_received += a.nbytes

    def abort(self) -> None:
        """Tell the peer this party stopped (so it fails now instead of at its timeout)."""

    # --- reading the counters --------------------------------------------------------------------
    def total_rounds(self, phase: str | None = None) -> int:
        return self.rounds[phase] if phase else sum(self.rounds.values())

    def total_bytes(self, phase: str | None = None) -> int:
        """Bytes this party sent (for ``offline``: the bytes the dealer sent it)."""
        if phase == "offline":
            return self.offline_bytes_received
        sent = sum(v for p, v in self.bytes_sent.items() if phase is None or p == phase)
        return sent + (self.offline_bytes_received if phase is None else 0)

    def reset(self) -> None:
        self.rounds.clear()
        self.bytes_sent.clear()
        self.offline_bytes_received = 0
        self.transcript.clear()


_ABORT = object()


class InProcessChannel(Channel):
    """One end of an in-process link: the parties run in two threads of this process."""

    def __init__(self, party: int, inbox: queue.Queue, outbox: queue.Queue, timeout: float, record: bool) -> None:
        super().__init__(party, record)
        self._inbox, self._outbox, self.timeout = inbox, outbox, timeout

    def _send_raw(self, message: np.ndarray) -> int:
        self._outbox.put(message.copy())
        return message.nbytes

    def _recv_raw(self, shape: tuple[int, ...]) -> np.ndarray:
        try:
            got = self._inbox.get(timeout=self.timeout)
        except queue.Empty:
            raise PeerFailure(f"{self.where()}: party {self.peer} sent nothing for {self.timeout:.0f} s") from None
        if got is _ABORT:
            raise PeerFailure(f"{self.where()}: party {self.peer} aborted")
        return got

    def abort(self) -> None:
        self._outbox.put(_ABORT)


def channel_pair(record: bool = False, timeout: float = 60.0) -> tuple[InProcessChannel, InProcessChannel]:
    """Both ends of an in-process link (party 0's, party 1's)."""
    a_to_b, b_to_a = queue.Queue(), queue.Queue()
    return (
        InProcessChannel(0, b_to_a, a_to_b, timeout, record),
        InProcessChannel(1, a_to_b, b_to_a, timeout, record),
    )
