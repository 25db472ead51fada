"""Private set intersection by Diffie-Hellman over Curve25519 (X25519, from ``cryptography``).

Each party hashes its identifiers, treats each hash as a Curve25519 point (its u-coordinate) and
multiplies it by a secret scalar only it knows. The parties swap these blinded values, blind the
other's once more with their own scalar, and since scalar multiplications commute, an identifier
held by both ends up as the same doubly-blinded value on both sides. Each party learns which of
its own identifiers are shared (and the other set's size) and nothing about the rest, under the
Diffie-Hellman assumption; no raw identifier or its plain hash ever leaves its owner.
Secret scalars come from the OS CSPRNG (``X25519PrivateKey.generate``). Semi-honest: a party could
probe with guessed identifiers, so cap or audit set sizes in practice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

DOMAIN = b"ppml-lab/psi/v1"


def _hash_to_point(identifier: str) -> bytes:
    return hashlib.sha256(DOMAIN + identifier.encode("utf-8")).digest()


class PSIParty:
    """One side of the protocol, holding its identifiers and its secret scalar."""

    def __init__(self, identifiers: Iterable[str]) -> None:
        self.identifiers = list(dict.fromkeys(str(i) for i in identifiers))
        self._secret = X25519PrivateKey.generate()
        self.sent: list[bytes] = []  # everything this party sent, for inspection

    def _blind(self, point: bytes) -> bytes:
        return self._secret.exchange(X25519PublicKey.from_public_bytes(point))

    def blinded_identifiers(self) -> list[bytes]:
        """Round 1: this party's identifiers, hashed and blinded, in a random order."""
        import secrets

        order = list(range(len(self.identifiers)))
        secrets.SystemRandom().shuffle(order)
        self._order = order
        msg = [self._blind(_hash_to_point(self.identifiers[i])) for i in order]
        self.sent.extend(msg)
        return msg

    def reblind(self, others_blinded: list[bytes]) -> list[bytes]:
        """Round 2: blind the other party's values once more (same order as received)."""
        msg = [self._blind(p) for p in others_blinded]
        self.sent.extend(msg)
        return msg

    def intersection(self, mine_double: list[bytes], others_double: list[bytes]) -> list[str]:
        """My identifiers whose doubly-blinded value the other party also has."""
        theirs = set(others_double)
        return sorted(
            self.identifiers[i] for i, v in zip(self._order, mine_double, strict=True) if v in theirs
        )


def private_set_intersection(ids_a: Iterable[str], ids_b: Iterable[str]) -> tuple[list[str], list[str], dict]:
    """Run the protocol between two in-process parties; returns what A learns, what B learns,
    and the messages each sent (``{"a": [...], "b": [...]}``)."""
    a, b = PSIParty(ids_a), PSIParty(ids_b)
    a1, b1 = a.blinded_identifiers(), b.blinded_identifiers()
    a_double = b.reblind(a1)  # B returns A's values, doubly blinded
    b_double = a.reblind(b1)
    return a.intersection(a_double, b_double), b.intersection(b_double, a_double), {"a": a.sent, "b": b.sent}
