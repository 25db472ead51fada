"""Secure aggregation with dropouts (Bonawitz et al. 2017), and SecAgg+ (Bell et al. 2020).

The server learns the sum of the clients' vectors and nothing else, even when some clients drop out
after sending their masked input, as long as at least ``threshold`` clients finish the protocol.

Round 0 (advertise keys): for each aggregation (a round with a fresh random round id) each client
makes two fresh X25519 key pairs, one to encrypt shares to its peers, one to agree pairwise mask
seeds. Round 1 (share keys): each client Shamir-shares its mask-agreement secret key and a fresh
self-mask seed among its neighbours with threshold t, encrypted for each one (ChaCha20-Poly1305,
the round id as associated data), relayed by the server, which cannot read them. Round 2 (masked
input): each client sends x + PRG(self seed) + sum over neighbours v of +-PRG(agreed seed with v)
mod 2^bits; the pairwise masks cancel in the sum. Round 3 (unmasking): each surviving client checks
that at least t of its neighbours survived (else it aborts), then reveals once, for every
neighbour, *either* its share of the self-mask seed (neighbour sent its input) *or* its share of
the mask key (neighbour dropped) — never both — and the server removes the masks.

Threat model: honest-but-curious. There are no signatures and no consistency round, so a server
that lies about who dropped can send different lists to different clients. The default threshold
t = floor(holders / 2) + 1 still keeps it from collecting t shares of both secrets of one client
(each client answers once, so a liar gets at most holders shares in all); t = 1 hands a client's
secrets to each neighbour in the clear and is refused unless asked for explicitly.

Neighbours are all other clients (the original protocol: cost O(n^2) in total) or, for SecAgg+, the
``neighbors`` nearest clients on a random ring (:mod:`ppml_lab.secagg.plus` chooses k and t). PRG:
ChaCha20 keyed by SHA-256 of the round id and the agreed secret. All keys, seeds and polynomial
coefficients come from the OS CSPRNG.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from dataclasses import dataclass, field

import numpy as np
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from ppml_lab._checks import check_int, check_probability
from ppml_lab.dp import noise_generator
from ppml_lab.secagg import shamir


class ThresholdError(RuntimeError):
    """Too few clients remain to unmask the sum: the server refuses rather than leak anything."""


class ProtocolAbort(RuntimeError):
    """A client refuses a request that could let the server learn more than the sum."""


ROUND_ID_BYTES = 16


def _kdf(label: bytes, round_id: bytes, secret: bytes) -> bytes:
    """A 32-byte key for ``label`` bound to one round: SHA-256(label | round id | secret)."""
    return hashlib.sha256(b"ppml-lab/secagg/" + label + b"|" + round_id + b"|" + secret).digest()


def _raw(pub: X25519PublicKey) -> bytes:
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def prg(seed: bytes, length: int, bits: int) -> np.ndarray:
    """``length`` pseudorandom integers in [0, 2^bits) expanded from ``seed`` with ChaCha20."""
    key = hashlib.sha256(b"ppml-lab/secagg/prg" + seed).digest()
    enc = Cipher(algorithms.ChaCha20(key, b"\x00" * 16), mode=None).encryptor()
    stream = enc.update(b"\x00" * (8 * length))
    return np.frombuffer(stream, dtype=np.uint64) & np.uint64((1 << bits) - 1)



def pairwise_masked(x: np.ndarray, client_id: int, pair_seeds: dict[int, bytes], bits: int) -> np.ndarray:
    """``x`` (integers in [0, 2^bits)) plus the pairwise masks of one client, modulo 2^bits.

    ``pair_seeds[j]`` is the seed this client shares with client ``j``; the mask ``prg(seed)`` is
    added when ``client_id < j`` and subtracted otherwise, so over all clients every mask appears once
    with each sign and the sum of the masked vectors is the sum of the inputs.
    """
    if not 1 <= int(bits) <= 63:
        raise ValueError(f"bits must be in 1..63, got {bits}")
    mod = np.uint64((1 << int(bits)) - 1)
    y = np.asarray(x, dtype=np.uint64) & mod
    for j, seed in pair_seeds.items():
        if j == client_id:
            raise ValueError(f"pair_seeds holds a seed for client {client_id} itself")
        m = prg(seed, len(y), int(bits))
        y = (y + m) & mod if client_id < j else (y - m) & mod
    return y

@dataclass
class _Round:
    """A client's secrets for one aggregation: fresh key pairs and self-mask seed (OS CSPRNG)."""

    round_id: bytes
    c_key: X25519PrivateKey = field(default_factory=X25519PrivateKey.generate)
    s_key: X25519PrivateKey = field(default_factory=X25519PrivateKey.generate)
    self_seed: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    neighbours: tuple[int, ...] = ()
    threshold: int = 0
    received: dict = field(default_factory=dict)
    answered: bool = False


@dataclass
class Client:
    """One device. Its secrets stay in this object; only messages cross to the server.

    Every aggregation is a new round with a round id from the server: the client draws fresh key
    pairs and a fresh self-mask seed for it and refuses a round id it has seen, so two rounds'
    masks are independent (reused masks would give away x1 - x2 = y1 - y2). ``x`` may be replaced
    between rounds.
    """

    cid: int
    x: np.ndarray
    bits: int
    _round: _Round | None = field(default=None, repr=False)
    _rounds_seen: set = field(default_factory=set, repr=False)

    def _current(self) -> _Round:
        if self._round is None:
            raise ProtocolAbort(f"client {self.cid}: no round started (call advertise first)")
        return self._round

    def advertise(self, round_id: bytes) -> tuple[bytes, bytes]:
        """Start round ``round_id`` with fresh secrets; the two public keys for the server to relay."""
        if not isinstance(round_id, bytes) or len(round_id) < 16:
            raise ValueError("round_id must be at least 16 random bytes")
        if round_id in self._rounds_seen:
            raise ProtocolAbort(f"client {self.cid}: round id already used; masks are never reused")
        self._rounds_seen.add(round_id)
        self._round = _Round(round_id)
        return _raw(self._round.c_key.public_key()), _raw(self._round.s_key.public_key())

    def _channel(self, peer_c: bytes) -> ChaCha20Poly1305:
        r = self._current()
        shared = r.c_key.exchange(X25519PublicKey.from_public_bytes(peer_c))
        return ChaCha20Poly1305(_kdf(b"channel", r.round_id, shared))

    def share_keys(
        self, neighbours: list[int], keys: dict[int, tuple[bytes, bytes]], t: int
    ) -> dict[int, bytes]:
        """Encrypted shares of (mask key, self seed) for each neighbour, to be relayed by the server."""
        r = self._current()
        holders = sorted(neighbours)
        r.neighbours, r.threshold = tuple(holders), check_int("t", t, minimum=1, maximum=len(holders))
        sk = r.s_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        sk_shares = shamir.split(sk, len(holders), t)
        b_shares = shamir.split(r.self_seed, len(holders), t)
        out = {}
        for i, v in enumerate(holders, start=1):
            plain = f"{self.cid}|{v}|{i}|{sk_shares[i]}|{b_shares[i]}".encode()
            nonce = os.urandom(12)
            out[v] = nonce + self._channel(keys[v][0]).encrypt(nonce, plain, r.round_id)
        return out

    def receive_shares(self, sender: int, ciphertext: bytes, sender_c: bytes) -> None:
        r = self._current()
        plain = self._channel(sender_c).decrypt(ciphertext[:12], ciphertext[12:], r.round_id).decode()
        u, v, i, sk_share, b_share = plain.split("|")
        if int(u) != sender or int(v) != self.cid:
            raise ValueError("a share was routed to the wrong client")
        r.received[sender] = (int(i), int(sk_share), int(b_share))

    def masked_input(self, neighbours: list[int], keys: dict[int, tuple[bytes, bytes]]) -> np.ndarray:
        r = self._current()
        mask_mod = np.uint64((1 << self.bits) - 1)
        x = np.asarray(self.x, dtype=np.uint64)
        y = (x + prg(_kdf(b"self", r.round_id, r.self_seed), len(x), self.bits)) & mask_mod
        for v in neighbours:
            agreed = r.s_key.exchange(X25519PublicKey.from_public_bytes(keys[v][1]))
            p = prg(_kdf(b"pair", r.round_id, agreed), len(x), self.bits)
            y = (y + p) & mask_mod if self.cid < v else (y - p) & mask_mod
        return y

    def unmask(self, survivors: set[int], dropped: set[int]) -> dict[int, tuple[str, int, int]]:
        """For each neighbour: ('b', x, share) if it survived, ('sk', x, share) if it dropped. Never both.

        Answers once per round, and only if the request is consistent and at least ``t`` of this
        client's neighbours survived (the client-side abort of Bonawitz et al.): otherwise a server
        could ask twice with different lists, or claim nearly everyone dropped, and unmask one client.
        """
        r = self._current()
        survivors, dropped = set(survivors), set(dropped)
        if r.answered:
            raise ProtocolAbort(f"client {self.cid}: already answered the unmasking request of this round")
        if survivors & dropped:
            raise ProtocolAbort(f"client {self.cid}: clients {sorted(survivors & dropped)} listed as both")
        if self.cid not in survivors:
            raise ProtocolAbort(f"client {self.cid}: asked to help unmask while listed as dropped")
        alive = len(survivors & set(r.neighbours))
        if alive < r.threshold:
            raise ProtocolAbort(
                f"client {self.cid}: only {alive} of its neighbours survived, below the threshold "
                f"{r.threshold}: aborting"
            )
        r.answered = True
        out = {}
        for u, (i, sk_share, b_share) in r.received.items():
            if u in survivors:
                out[u] = ("b", i, b_share)
            elif u in dropped:
                out[u] = ("sk", i, sk_share)
        return out


@dataclass
class AggregationResult:
    total: np.ndarray
    survivors: list[int]
    dropped: list[int]
    server_seconds: float
    client_seconds: float  # mean per client
    bytes_per_client: float
    server_state: dict
    threshold: int = 0


class SecureAggregationServer:
    """Relays messages and unmasks the sum; stores only what the protocol gives it.

    Honest-but-curious: it follows the protocol and tries to learn from what it sees (no signatures,
    no consistency round). ``threshold`` defaults to floor(holders / 2) + 1, holders being the
    largest neighbourhood; a threshold of 1 or at most half the holders lets one colluding neighbour
    or a server lying about dropouts unmask a client, and is refused unless
    ``allow_weak_threshold=True`` (for demonstrations).

    With ``neighbors`` (SecAgg+), each client masks with its neighbours on a random ring. The ring
    is public once drawn, but nobody should be able to predict it beforehand (whoever knows it
    can corrupt exactly one client's neighbours): it is a permutation drawn by a PCG64 generator
    seeded with 128 bits from the OS CSPRNG (:func:`ppml_lab.dp.noise_generator`) unless
    ``graph_seed`` fixes it for a test or a lesson.
    """

    def __init__(
        self,
        n_clients: int,
        threshold: int | None = None,
        bits: int = 32,
        neighbors: int | None = None,
        graph_seed: int | None = None,
        *,
        allow_weak_threshold: bool = False,
    ) -> None:
        self.n = check_int("n_clients", n_clients, minimum=2)
        self.bits = check_int("bits", bits, minimum=8, maximum=62)
        if neighbors is None:
            self.neigh = {u: [v for v in range(self.n) if v != u] for u in range(self.n)}
        else:
            k = check_int("neighbors", neighbors, minimum=2, maximum=self.n - 1)
            order = noise_generator(graph_seed).permutation(self.n)  # public once drawn, unpredictable before
            pos = {int(u): i for i, u in enumerate(order)}
            self.neigh = {}
            for u in range(self.n):
                ring = [int(order[(pos[u] + d) % self.n]) for d in range(-(k // 2), k - k // 2 + 1) if d != 0]
                self.neigh[u] = sorted(set(ring) - {u})
            for u in range(self.n):  # make the graph symmetric
                for v in self.neigh[u]:
                    if u not in self.neigh[v]:
                        self.neigh[v] = sorted({*self.neigh[v], u})
        smallest = min(len(v) for v in self.neigh.values())
        largest = max(len(v) for v in self.neigh.values())
        if threshold is None:
            threshold = min(largest // 2 + 1, smallest)
        self.threshold = check_int("threshold", threshold, minimum=1, maximum=smallest)
        if (self.threshold == 1 or 2 * self.threshold <= largest) and not allow_weak_threshold:
            raise ValueError(
                f"threshold={self.threshold} with {largest} share holders per client: a threshold of 1 gives "
                "each neighbour a client's secrets in the clear, and one of at most half the holders lets a "
                f"server lying about dropouts unmask a client; use threshold >= {largest // 2 + 1}, or pass "
                "allow_weak_threshold=True to demonstrate the attack"
            )
        self.state: dict = {}

    def _fresh_state(self) -> dict:
        return {
            "round_id": b"",
            "public_keys": {},
            "relayed_ciphertexts": 0,
            "masked_inputs": {},
            "aborted": {},
            "reconstructed_self_seeds": {},
            "reconstructed_mask_keys": {},
        }

    def aggregate(
        self,
        clients: list[Client],
        *,
        drop_after_masking: float = 0.0,
        drop_seed: int = 0,
        drop_before_unmasking: int = 0,
    ) -> AggregationResult:
        """Run the four rounds with ``clients`` under a fresh round id; a fraction of them drop after
        sending masked input (chosen with ``drop_seed``: a simulation choice, not a secret)."""
        check_probability("drop_after_masking", drop_after_masking, open_high=True)
        if len(clients) != self.n:
            raise ValueError(f"clients must hold {self.n} clients, got {len(clients)}")
        self.state = self._fresh_state()
        round_id = os.urandom(ROUND_ID_BYTES)
        self.state["round_id"] = round_id
        c_time = 0.0
        sent = 0
        t0 = time.perf_counter()
        keys = {}
        for c in clients:
            s = time.perf_counter()
            keys[c.cid] = c.advertise(round_id)
            c_time += time.perf_counter() - s
            sent += 64
        self.state["public_keys"] = dict(keys)
        for c in clients:
            s = time.perf_counter()
            out = c.share_keys(self.neigh[c.cid], keys, self.threshold)
            c_time += time.perf_counter() - s
            for v, ct in out.items():
                self.state["relayed_ciphertexts"] += 1
                sent += len(ct)
                s = time.perf_counter()  # decrypting a share is the receiving client's work
                clients[v].receive_shares(c.cid, ct, keys[c.cid][0])
                c_time += time.perf_counter() - s
        for c in clients:
            s = time.perf_counter()
            y = c.masked_input(self.neigh[c.cid], keys)
            c_time += time.perf_counter() - s
            self.state["masked_inputs"][c.cid] = y
            sent += y.nbytes
        # Which clients drop out is the simulation's choice of scenario, not a secret: a seeded
        # generator makes a run repeatable. Keys, masks and shares above come from the OS CSPRNG.
        rng = np.random.default_rng(drop_seed)
        n_drop = int(round(drop_after_masking * self.n))
        dropped = set(rng.choice(self.n, size=n_drop, replace=False).tolist()) if n_drop else set()
        survivors = set(range(self.n)) - dropped
        for u in dropped:  # their masked inputs never arrive
            self.state["masked_inputs"].pop(u)
        responders = sorted(survivors)[drop_before_unmasking:]
        answers = {}
        for v in responders:
            s = time.perf_counter()
            try:
                answers[v] = clients[v].unmask(survivors, dropped)
            except ProtocolAbort as err:  # too few of its neighbours survived: it stays silent
                self.state["aborted"][v] = str(err)
            c_time += time.perf_counter() - s
        total = self._unmask(keys, survivors, dropped, answers)
        server_seconds = time.perf_counter() - t0 - c_time
        return AggregationResult(
            total,
            sorted(survivors),
            sorted(dropped),
            server_seconds,
            c_time / self.n,
            sent / self.n,
            self.state,
            self.threshold,
        )

    def _unmask(self, keys, survivors, dropped, answers) -> np.ndarray:
        round_id = self.state["round_id"]
        mod = np.uint64((1 << self.bits) - 1)
        length = len(next(iter(self.state["masked_inputs"].values())))
        total = np.zeros(length, dtype=np.uint64)
        for y in self.state["masked_inputs"].values():
            total = (total + y) & mod
        for u in survivors:
            shares = {
                i: s for v, a in answers.items() for w, (kind, i, s) in a.items() if w == u and kind == "b"
            }
            if len(shares) < self.threshold:
                raise ThresholdError(
                    f"only {len(shares)} clients answered for client {u}; the threshold is {self.threshold}: "
                    "refusing to unmask"
                )
            seed = shamir.reconstruct(shares, self.threshold)
            self.state["reconstructed_self_seeds"][u] = True
            total = (total - prg(_kdf(b"self", round_id, seed), length, self.bits)) & mod
        for u in dropped:
            shares = {
                i: s for v, a in answers.items() for w, (kind, i, s) in a.items() if w == u and kind == "sk"
            }
            if len(shares) < self.threshold:
                raise ThresholdError(
                    f"only {len(shares)} clients answered for dropped client {u}; the threshold is "
                    f"{self.threshold}: refusing to unmask"
                )
            sk = X25519PrivateKey.from_private_bytes(shamir.reconstruct(shares, self.threshold))
            self.state["reconstructed_mask_keys"][u] = True
            for v in self.neigh[u]:
                if v in survivors:
                    agreed = sk.exchange(X25519PublicKey.from_public_bytes(keys[v][1]))
                    p = prg(_kdf(b"pair", round_id, agreed), length, self.bits)
                    # v added +p if v < u, else -p: remove exactly that
                    total = (total - p) & mod if v < u else (total + p) & mod
        return total
