"""Malicious security with abort: SPDZ-style information-theoretic MACs on additive shares.

Over the prime field F_p (p = 2^61 - 1), each shared value x comes with shares of its MAC
alpha * x under a global key alpha that is itself secret-shared, so no party knows it. Linear
operations update values and MACs alike, locally. At opening, each party reveals its share of x;
then every party computes sigma_i = m_i - alpha_i * x and the parties check that the sigma_i sum
to zero (a real protocol commits to the sigma_i before opening them). A party that changed its
share by delta != 0 passes only if alpha * delta = 0, i.e. with probability 1/p: the opening is
aborted. The field is used because over Z/2^64 a tamper by 2^63 would slip through an even key;
SPDZ2k handles rings with extra MAC bits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

PRIME = (1 << 61) - 1


class MACCheckError(RuntimeError):
    """An opened value failed its MAC check: some party tampered with its share."""


def _rand() -> int:
    return secrets.randbelow(PRIME)


def _share_int(value: int, n: int) -> list[int]:
    parts = [_rand() for _ in range(n - 1)]
    return [*parts, (value - sum(parts)) % PRIME]


@dataclass
class AuthShared:
    """Party-indexed shares of a field element and of its MAC."""

    values: list[int]
    macs: list[int]

    def __add__(self, other: AuthShared) -> AuthShared:
        return AuthShared(
            [(a + b) % PRIME for a, b in zip(self.values, other.values, strict=True)],
            [(a + b) % PRIME for a, b in zip(self.macs, other.macs, strict=True)],
        )

    def scale(self, c: int) -> AuthShared:
        """Multiply by a public constant (local)."""
        return AuthShared([v * c % PRIME for v in self.values], [m * c % PRIME for m in self.macs])


class AuthenticatedSharing:
    """Deals authenticated shares under a secret-shared global MAC key and checks openings."""

    def __init__(self, n_parties: int = 2) -> None:
        if n_parties < 2:
            raise ValueError(f"n_parties must be >= 2, got {n_parties}")
        self.n_parties = n_parties
        self._alpha_shares = _share_int(_rand(), n_parties)  # no single party knows alpha

    def share(self, value: int) -> AuthShared:
        """Authenticated shares of ``value`` (an integer, reduced mod p)."""
        alpha = sum(self._alpha_shares) % PRIME  # the dealer's view (preprocessing)
        value %= PRIME
        return AuthShared(
            _share_int(value, self.n_parties), _share_int(alpha * value % PRIME, self.n_parties)
        )

    def open(self, x: AuthShared) -> int:
        """Reveal ``x`` and check its MAC; raise :class:`MACCheckError` if any share was altered."""
        value = sum(x.values) % PRIME
        sigmas = [(m - a * value) % PRIME for m, a in zip(x.macs, self._alpha_shares, strict=True)]
        if sum(sigmas) % PRIME != 0:
            raise MACCheckError("MAC check failed on opening: a share was tampered with; aborting")
        return value
