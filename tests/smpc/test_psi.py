"""Diffie-Hellman PSI: the right intersection, and blinded points that reveal nothing but the group element.

The leak these tests guard against: when identifiers are hashed straight to X25519 u-coordinates,
about half of them lie on Curve25519's twist, and multiplying by a secret scalar keeps a point on
whichever of the two it started on. The "twist test" below (is u³ + Au² + u a square mod p?) then
reads that bit off every blinded value: it equals the bit of the identifier's own hash, so anyone
can test a guessed identifier against a blinded one. In a prime-order group every blinded value is
a group element and the bit carries no information.
"""

from __future__ import annotations

import secrets

import numpy as np
import pytest
from nacl.bindings import crypto_core_ed25519_is_valid_point

from ppml_lab.smpc import PSIParty, private_set_intersection
from ppml_lab.smpc.psi import _hash_to_point

P25519 = 2**255 - 19
A25519 = 486662


def twist_bit(value: bytes) -> bool:
    """True when ``value``, read as an X25519 u-coordinate (RFC 7748: top bit masked), lies on Curve25519's
    twist rather than on the curve; what an eavesdropper can compute from a 32-byte message alone."""
    u = (int.from_bytes(value, "little") & ((1 << 255) - 1)) % P25519
    f = (u * u * u + A25519 * u * u + u) % P25519
    return f != 0 and pow(f, (P25519 - 1) // 2, P25519) == P25519 - 1


def _blinded_by_identifier(party: PSIParty) -> dict[str, bytes]:
    msg = party.blinded_identifiers()
    return {party.identifiers[i]: m for i, m in zip(party._order, msg, strict=True)}


@pytest.mark.parametrize(
    "n_a,n_b,n_common,seed",
    [(0, 0, 0, 0), (0, 25, 0, 1), (40, 30, 0, 2), (40, 30, 30, 3), (200, 150, 90, 4), (1, 1, 1, 5)],
)
def test_intersection_equals_the_plaintext_intersection(n_a, n_b, n_common, seed):
    rng = np.random.default_rng(seed)
    pool = [f"DE{int(x):012d}" for x in rng.choice(10**9, size=n_a + n_b, replace=False)]
    common = pool[:n_common]
    ids_a = common + pool[n_common:n_a]
    ids_b = common + pool[n_a : n_a + n_b - n_common]
    ids_a = [ids_a[i] for i in rng.permutation(len(ids_a))] + ids_a[:3]  # order and duplicates do not matter
    ids_b = [ids_b[i] for i in rng.permutation(len(ids_b))]
    got_a, got_b, messages = private_set_intersection(ids_a, ids_b)
    expected = sorted(set(ids_a) & set(ids_b))
    assert got_a == expected and got_b == expected and len(expected) == n_common
    # What each side sees of the other is one blinded point per distinct identifier: the set size.
    assert len(messages["a"]) == len(messages["b"]) == len(set(ids_a)) + len(set(ids_b))


def test_unicode_and_look_alike_identifiers_are_kept_apart():
    ids_a = ["Zoë", "Zoe\u0308", "zoe", "42", "", "x" * 10_000]
    ids_b = ["Zoë", "42 ", "", "x" * 10_000, "ZOE"]
    got_a, got_b, _ = private_set_intersection(ids_a, ids_b)
    assert got_a == got_b == sorted({"Zoë", "", "x" * 10_000})


def test_every_point_sent_is_a_group_element():
    ids_a = [f"DE{i:012d}" for i in range(300)]
    ids_b = [f"DE{i:012d}" for i in range(150, 400)]
    _, _, messages = private_set_intersection(ids_a, ids_b)
    sent = messages["a"] + messages["b"]
    assert len(sent) == 2 * (300 + 250)
    assert all(len(m) == 32 and crypto_core_ed25519_is_valid_point(m) for m in sent)
    assert len(set(sent)) == len(sent) - 150  # only a shared identifier's doubly-blinded point repeats (once)
    # The validity check has teeth: most 32-byte strings are not points of the prime-order group.
    rng = np.random.default_rng(0)
    assert np.mean([crypto_core_ed25519_is_valid_point(rng.bytes(32)) for _ in range(2000)]) < 0.2


def test_the_twist_test_tells_nothing_about_a_blinded_identifier():
    ids = [f"DE{i:012d}" for i in range(2000)]
    plain = np.array([twist_bit(_hash_to_point(i)) for i in ids])
    blinded = [_blinded_by_identifier(PSIParty(ids)) for _ in range(2)]
    bits = [np.array([twist_bit(b[i]) for i in ids]) for b in blinded]

    def agreement_beyond_chance(x: np.ndarray, y: np.ndarray) -> float:
        # agreement of two independent bit vectors with these frequencies would be p q + (1-p)(1-q)
        p, q = x.mean(), y.mean()
        return float(np.mean(x == y) - (p * q + (1 - p) * (1 - q)))

    # With 2000 identifiers one standard deviation of the agreement is about 0.011; 0.06 is > 5 of them.
    # (X25519 on hash digests: the blinded bit equals the plain hash's bit, agreement beyond chance ~0.5.)
    assert abs(agreement_beyond_chance(plain, bits[0])) < 0.06
    assert abs(agreement_beyond_chance(bits[0], bits[1])) < 0.06  # two secrets: the bit is not the identifier's
    for b in bits:
        assert 0.4 < b.mean() < 0.6  # and it is not constant either: it is noise


def test_reblind_refuses_values_outside_the_group():
    party = PSIParty(["a", "b"])
    good = PSIParty(["c"]).blinded_identifiers()
    off_group = next(v for v in iter(lambda: secrets.token_bytes(32), None) if not crypto_core_ed25519_is_valid_point(v))
    identity = (1).to_bytes(32, "little")
    for bad in (off_group, identity, b"\x00" * 32, good[0][:31]):
        with pytest.raises(ValueError, match=r"others_blinded\[1\]"):
            party.reblind([good[0], bad])
    assert party.sent == []  # nothing answered for a refused message


def test_intersection_refuses_a_reply_of_the_wrong_length():
    a, b = PSIParty(["a", "b", "c"]), PSIParty(["b"])
    a_double = b.reblind(a.blinded_identifiers())
    with pytest.raises(ValueError, match="mine_double"):
        a.intersection(a_double[:2], [])


def test_psi_blind_commutes_and_keeps_the_order():
    from ppml_lab.smpc import hash_to_group, psi_blind, random_scalar

    points = [hash_to_group(f"id-{i}") for i in range(8)]
    a, b = random_scalar(), random_scalar()
    once = psi_blind(points, a)
    assert all(crypto_core_ed25519_is_valid_point(v) for v in once)
    assert psi_blind(once, b) == psi_blind(psi_blind(points, b), a)
    assert psi_blind(points[::-1], a) == once[::-1]
    assert not set(once) & set(points)  # blinded values are not the hashes
    with pytest.raises(ValueError, match="points\\[0\\]"):
        psi_blind([b"\x00" * 32], a)


def test_psi_intersection_finds_the_shared_ids_and_sends_no_comparable_value():
    from ppml_lab.smpc import hash_to_group, psi_intersection

    ids_a = [f"DE{i:04d}" for i in range(40)]
    ids_b = [f"DE{i:04d}" for i in range(25, 70)]
    common, a_sent, b_sent = psi_intersection(ids_a, ids_b)
    assert common == [f"DE{i:04d}" for i in range(25, 40)]
    assert len(a_sent) == 40 and len(b_sent) == 45  # the set sizes are what each bank learns besides
    hashes = {hash_to_group(x) for x in ids_a + ids_b}
    assert not (set(a_sent) | set(b_sent)) & hashes  # a dictionary attack on the values sent finds nothing
    assert not set(a_sent) & set(b_sent)  # two keys: shared ids do not match before the second blinding
    _, again, _ = psi_intersection(ids_a, ids_b)
    assert not set(again) & set(a_sent)  # fresh keys every run
