"""Paillier: additively homomorphic encryption (via ``phe``, accelerated by gmpy2).

Ciphertexts of Paillier can be added together and multiplied by plaintext constants, exactly, on
fixed-point encoded numbers — enough for encrypted sums, averages and linear scores with plaintext
weights, or for aggregating encrypted gradients, but not for multiplying two ciphertexts (that
needs CKKS). Each ciphertext holds a single number. Keys come from ``phe``'s key generation,
which draws its primes from the OS CSPRNG.

Security rests on factoring the modulus n: 2048 bits give about 112-bit security and **3072 bits
match the 128-bit level** of the CKKS presets (NIST SP 800-57, Part 1, Table 2); 1024 bits give only
about 80 bits and are refused unless ``allow_insecure_for_teaching=True``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from phe import paillier

from ppml_lab._checks import check_int

# Smallest modulus accepted without the teaching flag (about 112-bit security), and with it.
MIN_PAILLIER_KEY_BITS = 2048
_TEACHING_MIN_KEY_BITS = 1024


class PaillierKeyOwner:
    """Holds the private key; hands out only the public key.

    ``key_bits`` is the size of the modulus n: 2048 (the default, about 112-bit security) or more;
    3072 bits match 128-bit security. Smaller keys (down to 1024 bits, about 80-bit security) only
    with ``allow_insecure_for_teaching=True``, which warns: such keys are for demonstrations, never
    for data.
    """

    def __init__(self, key_bits: int = 2048, *, allow_insecure_for_teaching: bool = False) -> None:
        key_bits = check_int("key_bits", key_bits, minimum=_TEACHING_MIN_KEY_BITS)
        if key_bits < MIN_PAILLIER_KEY_BITS:
            if not allow_insecure_for_teaching:
                raise ValueError(
                    f"key_bits must be >= {MIN_PAILLIER_KEY_BITS} (about 112-bit security; 3072 matches "
                    f"128-bit), got {key_bits} (pass allow_insecure_for_teaching=True only to demonstrate)"
                )
            warnings.warn(
                f"INSECURE PAILLIER KEY FOR TEACHING ONLY: {key_bits} bits (about 80-bit security)", stacklevel=2
            )
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
