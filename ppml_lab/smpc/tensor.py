"""``SharedTensor``: a secret-shared fixed-point array that behaves like a NumPy array.

Linear operations (+, -, multiplication by a public value, sum, reshape, indexing, transpose)
are local: each party transforms its own share. Multiplying two shared values (``*``, ``@``)
costs one Beaver round, and every fixed-point product is truncated back to ``FRAC_BITS``.
All tensors of one computation share an :class:`MPCSession` (parties, dealer, transport).
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.random import Generator

from ppml_lab.smpc.beaver import beaver_matmul, beaver_multiply
from ppml_lab.smpc.dealer import TrustedDealer
from ppml_lab.smpc.ring import FRAC_BITS, decode, encode
from ppml_lab.smpc.sharing import reconstruct, share
from ppml_lab.smpc.transport import Transport
from ppml_lab.smpc.truncation import truncate


class MPCSession:
    """Two parties, a trusted dealer for triples, and a transport that counts rounds and bytes.

    ``seeded_generator`` makes shares and triples reproducible for tests and demonstrations only.
    """

    def __init__(self, n_parties: int = 2, seeded_generator: Generator | None = None) -> None:
        if n_parties != 2:
            raise ValueError(
                f"n_parties must be 2 (fixed-point truncation here is a two-party protocol), got {n_parties}"
            )
        self.n_parties = n_parties
        self.transport = Transport(n_parties)
        self.dealer = TrustedDealer(n_parties, self.transport, seeded_generator)
        self._gen = seeded_generator

    def share(self, values, owner: int = 0) -> SharedTensor:
        """Secret-share a party's real-valued array: the owner keeps one share, sends the other."""
        if owner not in range(self.n_parties):
            raise ValueError(f"owner must be a party index in [0, {self.n_parties}), got {owner}")
        shares = share(encode(values), self.n_parties, self._gen)
        with self.transport.in_phase("input"):
            # the owner sends every other party its share: one round
            msgs = [shares[p] if p != owner else np.zeros(0, np.uint64) for p in range(self.n_parties)]
            self.transport.rounds["input"] += 1
            self.transport.bytes_sent[("input", owner)] += sum(m.nbytes for m in msgs)
        return SharedTensor(shares, self)


class SharedTensor:
    """A secret-shared array: ``shares[p]`` is party p's uint64 share of the fixed-point values."""

    __array_priority__ = 1000  # so that ``ndarray * SharedTensor`` uses our __rmul__

    def __init__(self, shares: list[np.ndarray], session: MPCSession) -> None:
        self.shares = [np.asarray(s, dtype=np.uint64) for s in shares]
        self.session = session

    # --- array protocol ------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.shares[0].shape

    @property
    def ndim(self) -> int:
        return self.shares[0].ndim

    def __len__(self) -> int:
        return len(self.shares[0])

    def _new(self, shares) -> SharedTensor:
        return SharedTensor(list(shares), self.session)

    def reshape(self, *shape) -> SharedTensor:
        return self._new(s.reshape(*shape) for s in self.shares)

    @property
    def T(self) -> SharedTensor:
        return self._new(s.T for s in self.shares)

    def __getitem__(self, index) -> SharedTensor:
        return self._new(s[index] for s in self.shares)

    def sum(self, axis=None, keepdims: bool = False) -> SharedTensor:
        return self._new(
            np.asarray(s.sum(axis=axis, keepdims=keepdims), dtype=np.uint64) for s in self.shares
        )

    # --- linear operations (local) -------------------------------------------------------------
    def _public(self, value) -> np.ndarray:
        return encode(value)

    def __add__(self, other) -> SharedTensor:
        if isinstance(other, SharedTensor):
            return self._new(a + b for a, b in zip(self.shares, other.shares, strict=True))
        enc = self._public(other)
        return self._new([self.shares[0] + enc, *(s + np.zeros_like(enc) for s in self.shares[1:])])

    __radd__ = __add__

    def __neg__(self) -> SharedTensor:
        return self._new(np.zeros_like(s) - s for s in self.shares)

    def __sub__(self, other) -> SharedTensor:
        return self + (-other if isinstance(other, SharedTensor) else -np.asarray(other, dtype=float))

    def __rsub__(self, other) -> SharedTensor:
        return (-self) + other

    # --- multiplication ------------------------------------------------------------------------
    def __mul__(self, other) -> SharedTensor:
        if isinstance(other, SharedTensor):
            triple = self.session.dealer.elementwise_triple(np.broadcast_shapes(self.shape, other.shape))
            x = [np.broadcast_to(s, triple.a[0].shape) for s in self.shares]
            y = [np.broadcast_to(s, triple.a[0].shape) for s in other.shares]
            return self._new(truncate(beaver_multiply(x, y, triple, self.session.transport)))
        if isinstance(other, numbers.Integral) and not isinstance(other, bool):
            return self._new(s * np.uint64(other % 2**64) for s in self.shares)
        enc = self._public(other)
        return self._new(truncate([s * enc for s in self.shares]))

    __rmul__ = __mul__

    def __matmul__(self, other) -> SharedTensor:
        if isinstance(other, SharedTensor):
            x, y = self.shares, other.shares
            vec = y[0].ndim == 1
            if vec:
                y = [s.reshape(-1, 1) for s in y]
            triple = self.session.dealer.matmul_triple(x[0].shape, y[0].shape)
            z = truncate(beaver_matmul(x, y, triple, self.session.transport))
            return self._new(s.reshape(-1) if vec else s for s in z)
        enc = self._public(other)
        return self._new(truncate([s @ enc for s in self.shares]))

    def __rmatmul__(self, other) -> SharedTensor:
        enc = self._public(other)
        return self._new(truncate([enc @ s for s in self.shares]))

    # --- opening ---------------------------------------------------------------------------------
    def reveal(self, to: tuple[int, ...] | None = None) -> np.ndarray:
        """Open the value: one round in which the other parties send their shares to ``to``
        (default: every party learns it)."""
        receivers = tuple(range(self.session.n_parties)) if to is None else tuple(to)
        bad = [p for p in receivers if p not in range(self.session.n_parties)]
        if bad:
            raise ValueError(f"to must name parties in [0, {self.session.n_parties}), got {bad}")
        t = self.session.transport
        t.rounds[t.phase] += 1
        for p, s in enumerate(self.shares):
            t.bytes_sent[(t.phase, p)] += s.nbytes * len([r for r in receivers if r != p])
        return decode(reconstruct(self.shares))

    def __repr__(self) -> str:
        return f"SharedTensor(shape={self.shape}, parties={len(self.shares)}, frac_bits={FRAC_BITS})"
