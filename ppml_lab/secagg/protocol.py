"""Secure aggregation with dropouts (Bonawitz et al. 2017), and SecAgg+ (Bell et al. 2020).

The server learns the sum of the clients' vectors and nothing else, even when some clients drop out
after sending their masked input, as long as at least ``threshold`` clients finish the protocol.

Round 0 (advertise keys): each client makes two X25519 key pairs, one to encrypt shares to its
peers, one to agree pairwise mask seeds. Round 1 (share keys): each client Shamir-shares its
mask-agreement secret key and a random self-mask seed among its neighbours, encrypted for each one
(ChaCha20-Poly1305), relayed by the server, which cannot read them. Round 2 (masked input): each
client sends x + PRG(self seed) + sum over neighbours v of +-PRG(agreed seed with v) mod 2^bits;
the pairwise masks cancel in the sum. Round 3 (unmasking): each surviving client reveals, for every
neighbour, *either* its share of the self-mask seed (neighbour sent its input) *or* its share of the
mask key (neighbour dropped) — never both — and the server removes the masks.

Neighbours are all other clients (the original protocol: cost O(n^2) in total) or, for SecAgg+, the
``neighbors`` nearest clients on a random ring (O(n log n)). PRG: ChaCha20 keyed by SHA-256 of the
agreed secret. All keys, seeds and polynomial coefficients come from the OS CSPRNG.
"""

from __future__ import annotations

import hashlib
import math
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


def _raw(pub: X25519PublicKey) -> bytes:
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def prg(seed: bytes, length: int, bits: int) -> np.ndarray:
    """``length`` pseudorandom integers in [0, 2^bits) expanded from ``seed`` with ChaCha20."""
    key = hashlib.sha256(b"ppml-lab/secagg/prg" + seed).digest()
    enc = Cipher(algorithms.ChaCha20(key, b"\x00" * 16), mode=None).encryptor()
    stream = enc.update(b"\x00" * (8 * length))
    return np.frombuffer(stream, dtype=np.uint64) & np.uint64((1 << bits) - 1)


def quantize(x: np.ndarray, clip: float, bits: int, n_clients: int) -> np.ndarray:
    """Map values in [-clip, clip] to integers so that the sum of ``n_clients`` of them cannot wrap."""
    levels = (1 << bits) // n_clients - 1
    scaled = np.round((np.clip(x, -clip, clip) + clip) / (2 * clip) * levels)
    return scaled.astype(np.uint64)


def dequantize(total: np.ndarray, clip: float, bits: int, n_clients: int, n_summed: int) -> np.ndarray:
    """Inverse of :func:`quantize` for a sum of ``n_summed`` quantized vectors."""
    levels = (1 << bits) // n_clients - 1
    return total.astype(np.float64) / levels * (2 * clip) - clip * n_summed


@dataclass
class Client:
    """One device. Its secrets stay in this object; only messages cross to the server."""

    cid: int
    x: np.ndarray
    bits: int
    _c_key: X25519PrivateKey = field(default_factory=X25519PrivateKey.generate, repr=False)
    _s_key: X25519PrivateKey = field(default_factory=X25519PrivateKey.generate, repr=False)
    _self_seed: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    _received: dict = field(default_factory=dict, repr=False)

    def advertise(self) -> tuple[bytes, bytes]:
        return _raw(self._c_key.public_key()), _raw(self._s_key.public_key())

    def _channel(self, peer_c: bytes) -> ChaCha20Poly1305:
        shared = self._c_key.exchange(X25519PublicKey.from_public_bytes(peer_c))
        return ChaCha20Poly1305(hashlib.sha256(b"ppml-lab/secagg/channel" + shared).digest())

    def share_keys(
        self, neighbours: list[int], keys: dict[int, tuple[bytes, bytes]], t: int
    ) -> dict[int, bytes]:
        """Encrypted shares of (mask key, self seed) for each neighbour, to be relayed by the server."""
        holders = sorted(neighbours)
        sk = self._s_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        sk_shares = shamir.split(sk, len(holders), t)
        b_shares = shamir.split(self._self_seed, len(holders), t)
        out = {}
        for i, v in enumerate(holders, start=1):
            plain = f"{self.cid}|{v}|{i}|{sk_shares[i]}|{b_shares[i]}".encode()
            nonce = os.urandom(12)
            out[v] = nonce + self._channel(keys[v][0]).encrypt(nonce, plain, None)
        return out

    def receive_shares(self, sender: int, ciphertext: bytes, sender_c: bytes) -> None:
        plain = self._channel(sender_c).decrypt(ciphertext[:12], ciphertext[12:], None).decode()
        u, v, i, sk_share, b_share = plain.split("|")
        if int(u) != sender or int(v) != self.cid:
            raise ValueError("a share was routed to the wrong client")
        self._received[sender] = (int(i), int(sk_share), int(b_share))

    def masked_input(self, neighbours: list[int], keys: dict[int, tuple[bytes, bytes]]) -> np.ndarray:
        mask_mod = np.uint64((1 << self.bits) - 1)
        y = (self.x.astype(np.uint64) + prg(self._self_seed, len(self.x), self.bits)) & mask_mod
        for v in neighbours:
            agreed = self._s_key.exchange(X25519PublicKey.from_public_bytes(keys[v][1]))
            p = prg(agreed, len(self.x), self.bits)
            y = (y + p) & mask_mod if self.cid < v else (y - p) & mask_mod
        return y

    def unmask(self, survivors: set[int], dropped: set[int]) -> dict[int, tuple[str, int, int]]:
        """For each neighbour: ('b', x, share) if it survived, ('sk', x, share) if it dropped. Never both."""
        out = {}
        for u, (i, sk_share, b_share) in self._received.items():
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


class SecureAggregationServer:
    """Relays messages and unmasks the sum; stores only what the protocol gives it.

    With ``neighbors`` (SecAgg+), each client masks with its neighbours on a random ring. The ring
    is public once drawn, but nobody should be able to predict it beforehand (whoever knows it
    can corrupt exactly one client's neighbours): it comes from the OS CSPRNG unless
    ``graph_seed`` fixes it for a test or a lesson.
    """

    def __init__(
        self,
        n_clients: int,
        threshold: int,
        bits: int = 32,
        neighbors: int | None = None,
        graph_seed: int | None = None,
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
        size = min(len(v) for v in self.neigh.values())
        self.threshold = check_int("threshold", threshold, minimum=1, maximum=size)
        self.state: dict = {
            "public_keys": {},
            "relayed_ciphertexts": 0,
            "masked_inputs": {},
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
        """Run the four rounds with ``clients``; a fraction of them drop after sending masked input
        (chosen with ``drop_seed``: a simulation choice, not a secret)."""
        check_probability("drop_after_masking", drop_after_masking, open_high=True)
        if len(clients) != self.n:
            raise ValueError(f"clients must hold {self.n} clients, got {len(clients)}")
        c_time = 0.0
        sent = 0
        t0 = time.perf_counter()
        keys = {}
        for c in clients:
            s = time.perf_counter()
            keys[c.cid] = c.advertise()
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
                clients[v].receive_shares(c.cid, ct, keys[c.cid][0])
        for c in clients:
            s = time.perf_counter()
            y = c.masked_input(self.neigh[c.cid], keys)
            c_time += time.perf_counter() - s
            self.state["masked_inputs"][c.cid] = y
            sent += y.nbytes
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
            answers[v] = clients[v].unmask(survivors, dropped)
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
        )

    def _unmask(self, keys, survivors, dropped, answers) -> np.ndarray:
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
            total = (total - prg(seed, length, self.bits)) & mod
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
                    p = prg(sk.exchange(X25519PublicKey.from_public_bytes(keys[v][1])), length, self.bits)
                    # v added +p if v < u, else -p: remove exactly that
                    total = (total - p) & mod if v < u else (total + p) & mod
        return total


def secagg_plus_neighbors(n: int) -> int:
    """A logarithmic neighbourhood size for SecAgg+: 2 * ceil(log2 n) (at most n - 1)."""
    return min(n - 1, 2 * math.ceil(math.log2(max(n, 2))))
