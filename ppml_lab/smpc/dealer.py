"""A trusted dealer: the offline (preprocessing) phase that makes Beaver triples.

The dealer draws random a and b, computes c = a * b (or a @ b) and gives each party additive
shares of all three. It never sees the parties' inputs; its cost (bytes shipped to the parties)
is accounted separately as the ``offline`` phase, as SPDZ-style protocols do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.random import Generator

from ppml_lab.smpc.randomness import random_ring_elements
from ppml_lab.smpc.sharing import share
from ppml_lab.smpc.transport import Transport


@dataclass
class Triple:
    """One party-indexed set of shares of a Beaver triple (a, b, c)."""

    a: list[np.ndarray]
    b: list[np.ndarray]
    c: list[np.ndarray]


class TrustedDealer:
    """Makes Beaver triples from the OS CSPRNG (``seeded_generator`` is a test hook only)."""

    def __init__(
        self,
        n_parties: int = 2,
        transport: Transport | None = None,
        seeded_generator: Generator | None = None,
    ) -> None:
        self.n_parties = n_parties
        self.transport = transport
        self._gen = seeded_generator
        self.triples_made = 0

    def _deal(self, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> Triple:
        shares = [share(v, self.n_parties, self._gen) for v in (a, b, c)]
        if self.transport is not None:
            for shares_of_one in shares:
                self.transport.send_from_dealer(shares_of_one)
        self.triples_made += 1
        return Triple(*shares)

    def elementwise_triple(self, shape: tuple[int, ...]) -> Triple:
        """Shares of a, b, c = a * b (elementwise) of the given shape."""
        a, b = random_ring_elements(shape, self._gen), random_ring_elements(shape, self._gen)
        return self._deal(a, b, a * b)

    def matmul_triple(self, shape_x: tuple[int, int], shape_y: tuple[int, int]) -> Triple:
        """Shares of a (shape_x), b (shape_y) and c = a @ b."""
        if shape_x[1] != shape_y[0]:
            raise ValueError(f"shapes {shape_x} and {shape_y} do not multiply")
        a, b = random_ring_elements(shape_x, self._gen), random_ring_elements(shape_y, self._gen)
        return self._deal(a, b, a @ b)
