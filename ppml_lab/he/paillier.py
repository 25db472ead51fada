"""Paillier: additively homomorphic encryption (via ``phe``, accelerated by gmpy2).

Ciphertexts of Paillier can be added together and multiplied by plaintext constants, exactly, on
fixed-point encoded numbers — enough for encrypted sums, averages and linear scores with plaintext
weights, or for aggregating encrypted gradients, but not for multiplying two ciphertexts (that
needs CKKS). Each ciphertext holds a single number. Keys come from ``phe``'s key generation,
which draws its primes from the OS CSPRNG.
"""

from __future__ import annotations

from collections.abc import Sequence

from phe import paillier

from ppml_lab._checks import check_int


class PaillierKeyOwner:
    """Holds the private key; hands out only the public key."""

    def __init__(self, key_bits: int = 2048) -> None:
        key_bits = check_int("key_bits", key_bits, minimum=1024)
        self.public_key, self._private_key = paillier.generate_paillier_keypair(n_length=key_bits)

    def encrypt(self, values: Sequence[float]) -> list[paillier.EncryptedNumber]:
        return [self.public_key.encrypt(float(v)) for v in values]

    def decrypt(self, ciphertexts) -> list[float]:
        """Decrypt one ciphertext or a list of them (raises ValueError if made under another key)."""
        if isinstance(ciphertexts, paillier.EncryptedNumber):
            return [self._private_key.decrypt(ciphertexts)]
        return [self._private_key.decrypt(c) for c in ciphertexts]


def encrypted_sum(ciphertexts: Sequence[paillier.EncryptedNumber]) -> paillier.EncryptedNumber:
    """Sum of ciphertexts, computed without the private key."""
    if not ciphertexts:
        raise ValueError("ciphertexts must not be empty")
    total = ciphertexts[0]
    for c in ciphertexts[1:]:
        total = total + c
    return total


def encrypted_dot(
    ciphertexts: Sequence[paillier.EncryptedNumber], weights: Sequence[float]
) -> paillier.EncryptedNumber:
    """sum_i w_i * E(x_i): a linear score of encrypted values with plaintext weights."""
    if len(ciphertexts) != len(weights):
        raise ValueError(
            f"weights must have one entry per ciphertext ({len(ciphertexts)}), got {len(weights)}"
        )
    return encrypted_sum([c * float(w) for c, w in zip(ciphertexts, weights, strict=True)])
