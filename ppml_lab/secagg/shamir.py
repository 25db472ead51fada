"""Shamir secret sharing over the prime field GF(2^521 - 1), for 32-byte seeds and keys.

A secret s is the constant term of a random polynomial of degree t - 1; party i gets its value at
x = i. Any t shares determine s by Lagrange interpolation at 0; fewer reveal nothing about it.
Coefficients come from the OS CSPRNG (``secrets``).
"""

from __future__ import annotations

import secrets

PRIME = (1 << 521) - 1


def split(secret: bytes, n: int, t: int) -> dict[int, int]:
    """Shares {x: y} for x = 1..n of a secret of at most 64 bytes, any t of which reconstruct it."""
    if not 1 <= t <= n:
        raise ValueError(f"threshold t must be between 1 and n={n}, got {t}")
    if len(secret) > 64:
        raise ValueError("secret must be at most 64 bytes")
    coeffs = [int.from_bytes(secret, "big")] + [secrets.randbelow(PRIME) for _ in range(t - 1)]
    shares = {}
    for x in range(1, n + 1):
        y = 0
        for c in reversed(coeffs):
            y = (y * x + c) % PRIME
        shares[x] = y
    return shares


def reconstruct(shares: dict[int, int], t: int, length: int = 32) -> bytes:
    """The secret from at least ``t`` shares (raises ValueError with fewer)."""
    if len(shares) < t:
        raise ValueError(f"need at least t={t} shares to reconstruct, got {len(shares)}")
    points = list(shares.items())[:t]
    secret = 0
    for j, (xj, yj) in enumerate(points):
        num, den = 1, 1
        for m, (xm, _) in enumerate(points):
            if m != j:
                num = num * (-xm) % PRIME
                den = den * (xj - xm) % PRIME
        secret = (secret + yj * num * pow(den, PRIME - 2, PRIME)) % PRIME
    return secret.to_bytes(length, "big")
