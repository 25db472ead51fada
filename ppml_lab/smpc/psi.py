"""Private set intersection by Diffie-Hellman in a prime-order group (edwards25519's, through PyNaCl).

Each party hashes its identifiers into the group and multiplies each point by a secret scalar only
it knows. The parties swap these blinded points, blind the other's once more with their own
scalar, and since scalar multiplications commute (a·b·H(x) = b·a·H(x)), an identifier held by both
ends up as the same doubly-blinded point on both sides.

The group
---------
The prime-order subgroup (order ℓ = 2^252 + 27742317777372353535851937790883648493) of the
edwards25519 curve, the group ristretto255 is built on. Every point sent is in that subgroup and
has one canonical 32-byte encoding, so a blinded point carries no bit beyond the group element:
``crypto_core_ed25519_is_valid_point`` holds for every one of them, and a received value that is
not a subgroup point is refused. Hashing into it has the shape of RFC 9380's random-oracle
construction (not its byte-exact suite): a domain-separated SHA-512 of the identifier gives 64
bytes, each half is mapped to a point by Elligator 2 with the cofactor cleared
(``crypto_core_ed25519_from_uniform``), and the two points are added (``hash_to_group``). Secret
scalars are drawn from the OS CSPRNG (64 random bytes reduced mod ℓ, so uniform up to 2^-259).

(Using hash digests as X25519 u-coordinates instead would put about half of them on the curve's
twist, and blinding keeps a point on whichever of the two it started on: anyone could read that
bit of every blinded identifier and test a guessed identifier against it.)

What it reveals
---------------
Each party learns the size of the other's set (one blinded point per identifier) and which of its
own identifiers are in the intersection; in a one-sided deployment, where only one party gets the
doubly-blinded values back, that receiving party learns the intersection and the other learns only
the receiver's set size. Nothing else about the identifiers outside the intersection is revealed,
under the decisional Diffie-Hellman assumption in this group, and no raw identifier or its plain
hash ever leaves its owner. The protocol is secure against **semi-honest** parties only: a party
may put guessed identifiers in its set and learn whether the other holds them (cap and audit set
sizes in practice), and nothing proves that a party blinded what it claims to hold.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from nacl.bindings import (
    crypto_core_ed25519_add,
    crypto_core_ed25519_from_uniform,
    crypto_core_ed25519_is_valid_point,
    crypto_core_ed25519_scalar_reduce,
    crypto_scalarmult_ed25519_noclamp,
)

DOMAIN = b"ppml-lab/psi/v2/edwards25519-SHA512-ELL2-RO"
POINT_BYTES = 32


def hash_to_group(identifier: str) -> bytes:
    """The identifier as a point of the prime-order group (32-byte canonical encoding).

    SHA-512 over the length-prefixed domain tag and the UTF-8 identifier gives 64 bytes; each half
    goes through Elligator 2 into the prime-order subgroup and the two points are added, so the
    result behaves as a random oracle into the group (RFC 9380's two-map construction).
    """
    if not isinstance(identifier, str):
        raise TypeError(f"identifier must be a str, got {type(identifier).__name__}")
    digest = hashlib.sha512(len(DOMAIN).to_bytes(1, "big") + DOMAIN + identifier.encode("utf-8")).digest()
    return crypto_core_ed25519_add(
        crypto_core_ed25519_from_uniform(digest[:POINT_BYTES]), crypto_core_ed25519_from_uniform(digest[POINT_BYTES:])
    )


_hash_to_point = hash_to_group  # the name the engine's tests use for "the plain hash of an identifier"


def is_group_element(value: bytes) -> bool:
    """True when ``value`` is the canonical encoding of a point of the prime-order subgroup (not the identity)."""
    return isinstance(value, bytes) and len(value) == POINT_BYTES and crypto_core_ed25519_is_valid_point(value)


def random_scalar() -> bytes:
    """A secret scalar uniform in [1, ℓ) from the OS CSPRNG (64 bytes reduced mod ℓ)."""
    while True:
        scalar = crypto_core_ed25519_scalar_reduce(secrets.token_bytes(64))
        if any(scalar):
            return scalar


def psi_blind(points: Iterable[bytes], key: bytes) -> list[bytes]:
    """Each group point multiplied by the secret scalar ``key``, in order: the blinding step of DH-PSI
    (H(x)^key in multiplicative notation). Blinding twice commutes: psi_blind(psi_blind(P, a), b) is
    psi_blind(psi_blind(P, b), a)."""
    if not (isinstance(key, bytes) and len(key) == POINT_BYTES):
        raise ValueError(f"key must be a {POINT_BYTES}-byte scalar (random_scalar()), got {key!r:.40}")
    out = []
    for k, point in enumerate(points):
        if not is_group_element(point):
            raise ValueError(f"points[{k}] is not a point of the prime-order group")
        out.append(crypto_scalarmult_ed25519_noclamp(key, point))
    return out


def psi_intersection(ids_a: Iterable[str], ids_b: Iterable[str]) -> tuple[list[str], list[bytes], list[bytes]]:
    """DH-PSI between two banks in one process, as lesson 04's exercise 6.1 writes it: a fresh secret
    key per bank from the OS CSPRNG, each bank's hashed identifiers blinded with its key and sent
    (``a_blinded``, ``b_blinded``, in the order of the identifiers), re-blinded by the other bank, and
    the identifiers whose doubly blinded values match. Returns (sorted intersection, a_blinded,
    b_blinded)."""
    ids_a, ids_b = [str(i) for i in ids_a], [str(i) for i in ids_b]
    key_a, key_b = random_scalar(), random_scalar()
    a_blinded = psi_blind([hash_to_group(x) for x in ids_a], key_a)
    b_blinded = psi_blind([hash_to_group(x) for x in ids_b], key_b)
    theirs = set(psi_blind(b_blinded, key_a))  # A re-blinds B's values
    a_double = psi_blind(a_blinded, key_b)  # B re-blinds A's and sends them back
    return sorted({x for x, v in zip(ids_a, a_double, strict=True) if v in theirs}), a_blinded, b_blinded


class PSIParty:
    """One side of the protocol, holding its identifiers and its secret scalar."""

    def __init__(self, identifiers: Iterable[str]) -> None:
        self.identifiers = list(dict.fromkeys(str(i) for i in identifiers))
        self._secret = random_scalar()
        self._order: list[int] = []
        self.sent: list[bytes] = []  # everything this party sent, for inspection

    def _blind(self, point: bytes) -> bytes:
        return crypto_scalarmult_ed25519_noclamp(self._secret, point)

    def blinded_identifiers(self) -> list[bytes]:
        """Round 1: this party's identifiers, hashed into the group and blinded, in a random order."""
        order = list(range(len(self.identifiers)))
        secrets.SystemRandom().shuffle(order)
        self._order = order
        msg = [self._blind(hash_to_group(self.identifiers[i])) for i in order]
        self.sent.extend(msg)
        return msg

    def reblind(self, others_blinded: list[bytes]) -> list[bytes]:
        """Round 2: blind the other party's points once more (same order as received).

        Refuses anything that is not a point of the prime-order group (a small-order or off-group
        value would make the reply reveal something about this party's scalar).
        """
        for k, point in enumerate(others_blinded):
            if not is_group_element(point):
                raise ValueError(f"others_blinded[{k}] is not a point of the prime-order group")
        msg = [self._blind(p) for p in others_blinded]
        self.sent.extend(msg)
        return msg

    def intersection(self, mine_double: list[bytes], others_double: list[bytes]) -> list[str]:
        """My identifiers whose doubly-blinded point the other party also has."""
        if len(mine_double) != len(self._order):
            raise ValueError(
                f"mine_double has {len(mine_double)} values for {len(self._order)} blinded identifiers"
                " (call blinded_identifiers first and pass back what the other party returned)"
            )
        theirs = set(others_double)
        return sorted(
            self.identifiers[i] for i, v in zip(self._order, mine_double, strict=True) if v in theirs
        )


def private_set_intersection(ids_a: Iterable[str], ids_b: Iterable[str]) -> tuple[list[str], list[str], dict]:
    """Run the protocol between two in-process parties; returns what A learns, what B learns,
    and the messages each sent (``{"a": [...], "b": [...]}``).

    Both learn the intersection and the other's set size, nothing more (semi-honest; see the module).
    """
    a, b = PSIParty(ids_a), PSIParty(ids_b)
    a1, b1 = a.blinded_identifiers(), b.blinded_identifiers()
    a_double = b.reblind(a1)  # B returns A's values, doubly blinded
    b_double = a.reblind(b1)
    return a.intersection(a_double, b_double), b.intersection(b_double, a_double), {"a": a.sent, "b": b.sent}
