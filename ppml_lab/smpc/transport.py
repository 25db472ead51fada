"""The two parties of one process, their channels' counters, and a network model.

A protocol step in which the parties exchange messages is one **round**. :class:`Transport` holds
both ends of an in-process :func:`~ppml_lab.smpc.channel.channel_pair` and runs per-party code for
both parties at once (:meth:`Transport.run`: party 1 in a thread, party 0 in the caller's), so the
in-process engine executes exactly the code a party runs on its own over TCP. It only *reads* the
channels' counters: rounds and bytes per phase, projected onto a real network with
:meth:`Transport.projected_seconds` (latency per round plus bytes over bandwidth).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from ppml_lab.smpc.channel import Channel, Message, PeerFailure, channel_pair


@dataclass(frozen=True)
class NetworkModel:
    """A link between the parties: round-trip time (s) and bandwidth (bits/s)."""

    rtt_seconds: float = 0.010
    bandwidth_bits_per_s: float = 100e6

    def seconds(self, rounds: int, bytes_sent: int) -> float:
        """Time for ``rounds`` sequential exchanges carrying ``bytes_sent`` bytes in total."""
        return rounds * self.rtt_seconds + 8.0 * bytes_sent / self.bandwidth_bits_per_s


LAN = NetworkModel(rtt_seconds=0.0002, bandwidth_bits_per_s=10e9)
WAN = NetworkModel(rtt_seconds=0.010, bandwidth_bits_per_s=100e6)


class Transport:
    """Two parties in this process: their channels, a runner for per-party code, the counters.

    ``record=True`` makes both channels keep a transcript of every message (see :attr:`transcript`).
    """

    def __init__(self, n_parties: int = 2, record: bool = False, timeout: float = 60.0) -> None:
        if n_parties != 2:
            raise ValueError(f"n_parties must be 2 (the engine is a two-party protocol), got {n_parties}")
        self.n_parties = n_parties
        self.channels: tuple[Channel, Channel] = channel_pair(record=record, timeout=timeout)

    @property
    def phase(self) -> str:
        return self.channels[0].phase

    @contextmanager
    def in_phase(self, name: str):
        """Attribute the rounds and bytes inside the ``with`` block to phase ``name``."""
        with ExitStack() as stack:
            for ch in self.channels:
                stack.enter_context(ch.in_phase(name))
            yield self

    def run(self, step: Callable[[int, Channel], Any]) -> list[Any]:
        """Run ``step(party, channel)`` for both parties at once; returns ``[result_0, result_1]``.

        If one party raises, the other is told (it fails with :class:`PeerFailure` instead of
        waiting) and the first party's own error is raised here.
        """
        results: list[Any] = [None, None]
        errors: list[BaseException | None] = [None, None]

        def body(p: int) -> None:
            try:
                results[p] = step(p, self.channels[p])
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller below
                errors[p] = exc
                self.channels[p].abort()

        worker = threading.Thread(target=body, args=(1,), daemon=True)
        worker.start()
        body(0)
        worker.join()
        real = [e for e in errors if e is not None and not isinstance(e, PeerFailure)]
        if real or any(errors):
            for ch in self.channels:  # drop abort notices left in the queues
                while not ch._inbox.empty():
                    ch._inbox.get_nowait()
            raise (real or [e for e in errors if e is not None])[0]
        return results

    def exchange(self, messages: Sequence[np.ndarray]) -> list[np.ndarray]:
        """One round: every party sends its message to the other; returns ``[message_0, message_1]``
        as delivered (copies)."""
        if len(messages) != self.n_parties:
            raise ValueError(
                f"messages must have one entry per party ({self.n_parties}), got {len(messages)}"
            )
        received = self.run(lambda p, ch: ch.exchange(messages[p], np.shape(messages[1 - p])))
        return [received[1], received[0]]

    def deliver(self, material_per_party: Sequence[Any]) -> None:
        """The dealer hands each party its preprocessing material (counted as ``offline``)."""
        for ch, material in zip(self.channels, material_per_party, strict=True):
            ch.receive_offline(material)

    # --- reading the counters --------------------------------------------------------------------
    @property
    def transcript(self) -> list[Message]:
        """Every message either party sent, in order of rounds (empty unless ``record=True``)."""
        own = [m for ch in self.channels for m in ch.transcript if m.sender == ch.party]
        return sorted(own, key=lambda m: (m.phase, m.round, m.sender))

    def total_rounds(self, phase: str | None = None) -> int:
        return max(ch.total_rounds(phase) for ch in self.channels)

    def total_bytes(self, phase: str | None = None) -> int:
        """Bytes sent by both parties (and, for ``offline``, by the dealer to both)."""
        return sum(ch.total_bytes(phase) for ch in self.channels)

    def projected_seconds(self, network: NetworkModel, phase: str = "online") -> float:
        """Communication time of ``phase`` on ``network`` (computation excluded)."""
        return network.seconds(self.total_rounds(phase), self.total_bytes(phase))

    def reset(self) -> None:
        for ch in self.channels:
            ch.reset()

    def report(self) -> dict[str, dict[str, int]]:
        """Rounds and bytes per phase."""
        phases = {p for ch in self.channels for p in (*ch.rounds, *ch.bytes_sent)}
        if any(ch.offline_bytes_received for ch in self.channels):
            phases.add("offline")
        return {p: {"rounds": self.total_rounds(p), "bytes": self.total_bytes(p)} for p in sorted(phases)}
