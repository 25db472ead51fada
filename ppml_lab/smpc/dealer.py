"""The trusted dealer: the offline (preprocessing) phase.

The dealer draws random masks and hands each party additive shares of them: Beaver triples
(a, b, c = a * b or a @ b), square pairs (a, a^2), truncation pairs (r, r >> f, top bit of r) and
XOR-shared AND triples for comparisons. It never sees the parties' inputs. In one process the
dealer is the :class:`~ppml_lab.smpc.tensor.MPCSession` and hands the material over through
:meth:`~ppml_lab.smpc.transport.Transport.deliver`, which counts it as ``offline`` bytes; in the
two-process run (:mod:`ppml_lab.smpc.network`) the launcher is the dealer. A triple serves one
product only: opening x - a and x' - a for two secrets with the same a tells anyone x - x'.
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
    """Party-indexed shares of a Beaver triple: ``a[p]``, ``b[p]``, ``c[p]`` are party p's."""

    a: list[np.ndarray]
    b: list[np.ndarray]
    c: list[np.ndarray]

    def part(self, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Party p's shares (a_p, b_p, c_p): what party p receives."""
        return self.a[p], self.b[p], self.c[p]


@dataclass
class TruncationPair:
    """Party-indexed shares of a random r, of r >> bits (unsigned) and of the top bit of r."""

    r: list[np.ndarray]
    r_high: list[np.ndarray]
    r_top: list[np.ndarray]
    bits: int

    def part(self, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.r[p], self.r_high[p], self.r_top[p]


class TrustedDealer:
    """Makes preprocessing material from the OS CSPRNG (``seeded_generator`` is a test hook only).

    With a ``transport``, every piece is delivered (and counted) as it is made.
    """

    def __init__(
        self,
        n_parties: int = 2,
        transport: Transport | None = None,
        seeded_generator: Generator | None = None,
    ) -> None:
        if n_parties != 2:
            raise ValueError(f"n_parties must be 2, got {n_parties}")
        self.n_parties = n_parties
        self.transport = transport
        self._gen = seeded_generator
        self.triples_made = 0

    def _rand(self, shape) -> np.ndarray:
        return random_ring_elements(tuple(shape), self._gen)

    def _share(self, value: np.ndarray) -> list[np.ndarray]:
        return share(value, 2, self._gen)

    def _out(self, item):
        if self.transport is not None:
            self.transport.deliver([item.part(0), item.part(1)])
        return item

    def _triple(self, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> Triple:
        self.triples_made += 1
        return self._out(Triple(self._share(a), self._share(b), self._share(c)))

    def elementwise_triple(self, shape: tuple[int, ...]) -> Triple:
        """Shares of a, b, c = a * b (elementwise) of the given shape."""
        a, b = self._rand(shape), self._rand(shape)
        return self._triple(a, b, a * b)

    def matmul_triple(self, shape_x: tuple[int, int], shape_y: tuple[int, int]) -> Triple:
        """Shares of a (shape_x), b (shape_y) and c = a @ b."""
        if shape_x[1] != shape_y[0]:
            raise ValueError(f"shapes {shape_x} and {shape_y} do not multiply")
        a, b = self._rand(shape_x), self._rand(shape_y)
        return self._triple(a, b, a @ b)

    def cube_triples(self, shape: tuple[int, ...]) -> tuple[Triple, Triple]:
        """A square pair (a, a, a^2) and a triple (a2, a, a2 * a) for z^2 then z^2 * z: the second
        product reuses the opened z - a, on purpose and for the same z."""
        a, a2 = self._rand(shape), self._rand(shape)
        shared_a = self._share(a)
        square = Triple(shared_a, shared_a, self._share(a * a))
        cube = Triple(self._share(a2), shared_a, self._share(a2 * a))
        self.triples_made += 2
        self._out(Triple(square.a, [np.zeros(0, np.uint64)] * 2, square.c))  # a once
        self._out(Triple(cube.a, [np.zeros(0, np.uint64)] * 2, cube.c))
        return square, cube

    def truncation_pair(self, shape: tuple[int, ...], bits: int) -> TruncationPair:
        """Shares of a uniform r, of r >> bits and of r's top bit, for exact truncation by ``bits``."""
        if not 0 < bits < 64:
            raise ValueError(f"bits must be in 1..63, got {bits}")
        r = self._rand(shape)
        pair = TruncationPair(
            self._share(r), self._share(r >> np.uint64(bits)), self._share(r >> np.uint64(63)), bits
        )
        return self._out(pair)

    def and_triple(self, shape: tuple[int, ...]) -> Triple:
        """XOR-shared a, b and c = a AND b (bitwise on 64-bit words), for comparisons."""
        a, b = self._rand(shape), self._rand(shape)

        def xor_share(v: np.ndarray) -> list[np.ndarray]:
            r = self._rand(v.shape)
            return [r, v ^ r]

        self.triples_made += 1
        return self._out(Triple(xor_share(a), xor_share(b), xor_share(a & b)))
