"""Counting what a protocol sends: rounds and bytes per party and per phase, and a network model.

A protocol step in which parties exchange messages is one **round**. The in-process transport
moves NumPy arrays between parties living in one Python process, and records every message, so a
lesson can explain where the cost goes and project it onto a real network with
:meth:`Transport.projected_seconds` (latency per round plus bytes over bandwidth).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np


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
    """In-process message passing with counters (rounds and bytes, per phase and per party)."""

    def __init__(self, n_parties: int = 2) -> None:
        if n_parties < 2:
            raise ValueError(f"n_parties must be >= 2, got {n_parties}")
        self.n_parties = n_parties
        self.phase = "online"
        self.rounds: dict[str, int] = defaultdict(int)
        self.bytes_sent: dict[tuple[str, int], int] = defaultdict(int)

    @contextmanager
    def in_phase(self, name: str):
        """Attribute the rounds and bytes inside the ``with`` block to phase ``name``."""
        previous, self.phase = self.phase, name
        try:
            yield self
        finally:
            self.phase = previous

    def exchange(self, messages: Sequence[np.ndarray]) -> list[np.ndarray]:
        """One round: every party broadcasts its message; each receives all of them."""
        if len(messages) != self.n_parties:
            raise ValueError(
                f"messages must have one entry per party ({self.n_parties}), got {len(messages)}"
            )
        self.rounds[self.phase] += 1
        for party, msg in enumerate(messages):
            self.bytes_sent[(self.phase, party)] += np.asarray(msg).nbytes * (self.n_parties - 1)
        return [np.array(m, copy=True) for m in messages]

    def send_from_dealer(self, shares: Sequence[np.ndarray]) -> None:
        """The dealer hands each party its share of preprocessing material (offline phase)."""
        for party, share in enumerate(shares):
            self.bytes_sent[("offline", f"dealer->{party}")] += np.asarray(share).nbytes

    def total_rounds(self, phase: str | None = None) -> int:
        return self.rounds[phase] if phase else sum(self.rounds.values())

    def total_bytes(self, phase: str | None = None) -> int:
        return sum(v for (p, _), v in self.bytes_sent.items() if phase is None or p == phase)

    def projected_seconds(self, network: NetworkModel, phase: str = "online") -> float:
        """Communication time of ``phase`` on ``network`` (computation excluded)."""
        return network.seconds(self.total_rounds(phase), self.total_bytes(phase))

    def reset(self) -> None:
        self.rounds.clear()
        self.bytes_sent.clear()

    def report(self) -> dict[str, dict[str, int]]:
        """Rounds and bytes per phase."""
        phases = {p for p, _ in self.bytes_sent} | set(self.rounds)
        return {p: {"rounds": self.rounds.get(p, 0), "bytes": self.total_bytes(p)} for p in sorted(phases)}
