"""``SharedTensor``: a secret-shared fixed-point array that behaves like a NumPy array.

Linear operations (+, -, multiplication by an integer, sum, reshape, indexing, transpose) are local:
each party transforms its own share. A product of two shared values (``*``, ``@``) costs one Beaver
round and one truncation round (``MUL_ROUNDS = 2``); a product with a public real value or array
costs one truncation round (``PUBLIC_MUL_ROUNDS = 1``), the public factor encoded with as many
fractional bits as its precision needs (:func:`~ppml_lab.smpc.ring.encode_public`). Every such step runs the per-party code of
:mod:`ppml_lab.smpc.protocol` for both parties (:meth:`~ppml_lab.smpc.transport.Transport.run`).
All tensors of one computation share an :class:`MPCSession` (parties, dealer, transport).
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.random import Generator

from ppml_lab.smpc import protocol
from ppml_lab.smpc.dealer import TrustedDealer
from ppml_lab.smpc.ring import FRAC_BITS, decode, encode, encode_public, encode_public_array
from ppml_lab.smpc.sharing import share
from ppml_lab.smpc.transport import Transport

MUL_ROUNDS = 2
PUBLIC_MUL_ROUNDS = 1


class MPCSession:
    """Two parties in this process, the trusted dealer, and a transport whose channels count.

    ``seeded_generator`` makes shares and dealer material reproducible for tests only;
    ``record=True`` keeps a transcript of every message (``session.transport.transcript``).
    """

    def __init__(self, n_parties: int = 2, seeded_generator: Generator | None = None, record: bool = False) -> None:
        if n_parties != 2:
            raise ValueError(
                f"n_parties must be 2 (fixed-point truncation here is a two-party protocol), got {n_parties}"
            )
        self.n_parties = n_parties
        self.transport = Transport(n_parties, record=record)
        self.dealer = TrustedDealer(n_parties, self.transport, seeded_generator)
        self._gen = seeded_generator

    def run(self, step):
        """Run ``step(party, channel)`` for both parties (see :meth:`Transport.run`)."""
        return self.transport.run(step)

    def share(self, values, owner: int = 0) -> SharedTensor:
        """Secret-share a party's real-valued array: the owner keeps one share, sends the other."""
        if owner not in range(self.n_parties):
            raise ValueError(f"owner must be a party index in [0, {self.n_parties}), got {owner}")
        encoded = encode(values)

        def step(p, ch):
            with ch.in_phase("input"):
                if p == owner:
                    mine, theirs = share(encoded, 2, self._gen)
                    ch.send(theirs)
                    return mine
                return ch.recv(encoded.shape)

        return SharedTensor(self.run(step), self)


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
    def __add__(self, other) -> SharedTensor:
        if isinstance(other, SharedTensor):
            return self._new(a + b for a, b in zip(self.shares, other.shares, strict=True))
        enc = encode(other)
        return self._new([self.shares[0] + enc, *(s + np.zeros_like(enc) for s in self.shares[1:])])

    __radd__ = __add__

    def __neg__(self) -> SharedTensor:
        return self._new(np.zeros_like(s) - s for s in self.shares)

    def __sub__(self, other) -> SharedTensor:
        return self + (-other if isinstance(other, SharedTensor) else -np.asarray(other, dtype=float))

    def __rsub__(self, other) -> SharedTensor:
        return (-self) + other

    # --- products --------------------------------------------------------------------------------
    def _truncated(self, raw: list[np.ndarray], bits: int = FRAC_BITS) -> SharedTensor:
        pair = self.session.dealer.truncation_pair(np.shape(raw[0]), bits)
        return self._new(self.session.run(lambda p, ch: protocol.truncate(ch, raw[p], pair.part(p), bits)))

    def __mul__(self, other) -> SharedTensor:
        if isinstance(other, SharedTensor):
            shape = np.broadcast_shapes(self.shape, other.shape)
            triple = self.session.dealer.elementwise_triple(shape)
            x = [np.broadcast_to(s, shape) for s in self.shares]
            y = [np.broadcast_to(s, shape) for s in other.shares]
            return self._truncated(self.session.run(lambda p, ch: protocol.beaver(ch, x[p], y[p], triple.part(p))))
        if isinstance(other, numbers.Integral) and not isinstance(other, bool):
            return self._new(s * np.uint64(other % 2**64) for s in self.shares)
        if np.ndim(other) == 0:
            enc, k = encode_public(float(other))
            raw = [s * enc for s in self.shares]
            return self._new(raw) if k == 0 else self._truncated(raw, k)
        return self._times_public(other, np.multiply)

    __rmul__ = __mul__

    def __matmul__(self, other) -> SharedTensor:
        if isinstance(other, SharedTensor):
            x, y = self.shares, other.shares
            vec = y[0].ndim == 1
            if vec:
                y = [s.reshape(-1, 1) for s in y]
            triple = self.session.dealer.matmul_triple(x[0].shape, y[0].shape)
            raw = self.session.run(lambda p, ch: protocol.beaver(ch, x[p], y[p], triple.part(p), np.matmul))
            z = self._truncated(raw)
            return z.reshape(-1) if vec else z
        return self._times_public(other, np.matmul)

    def __rmatmul__(self, other) -> SharedTensor:
        return self._times_public(other, lambda share, enc: enc @ share)

    def _times_public(self, other, op) -> SharedTensor:
        """A product with a public array, encoded like a public scalar (:func:`encode_public_array`:
        k fractional bits, then truncated by k; refused if an element would lose more than 1%)."""
        enc, k = encode_public_array(other)
        with np.errstate(over="ignore"):
            raw = [op(s, enc) for s in self.shares]
        return self._new(raw) if k == 0 else self._truncated(raw, k)

    # --- opening ---------------------------------------------------------------------------------
    def reveal(self, to: tuple[int, ...] | None = None) -> np.ndarray:
        """Open the value: one round in which the other party sends its share to ``to`` (default:
        both parties learn it).

        In one process both shares live in the same Python objects anyway: ``to`` decides which
        messages are sent and so what the counters (and a recorded transcript) show; it is not an
        access control. Between processes (:mod:`ppml_lab.smpc.network`) it is.
        """
        receivers = tuple(range(self.session.n_parties)) if to is None else tuple(to)
        bad = [p for p in receivers if p not in range(self.session.n_parties)]
        if bad or not receivers:
            raise ValueError(f"to must name parties in [0, {self.session.n_parties}), got {receivers}")
        shares = self.shares

        def step(p, ch):
            if len(set(receivers)) == 2:
                return protocol.open_shares(ch, shares[p])
            if p in receivers:
                return shares[p] + ch.recv(shares[p].shape)
            ch.send(shares[p])
            return None

        return decode(self.session.run(step)[receivers[0]])

    def __repr__(self) -> str:
        return f"SharedTensor(shape={self.shape}, parties={len(self.shares)}, frac_bits={FRAC_BITS})"
