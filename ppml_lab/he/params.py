"""CKKS parameters: named presets, their security level, and the depth they allow.

Security comes from the HomomorphicEncryption.org standard: for 128-bit classical security with a
ternary secret, the coefficient modulus q may have at most 109, 218, 438 or 881 bits for a
polynomial degree N of 4096, 8192, 16384 or 32768. Each multiplication consumes one prime of the
modulus chain (rescaling), so a chain of k primes between a first and a last special prime
allows k multiplications: the multiplicative depth.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import tenseal as ts

# Maximum total log2(q) for 128-bit classical security (HomomorphicEncryption.org, 2018).
MAX_LOG_Q_128 = {4096: 109, 8192: 218, 16384: 438, 32768: 881}


class InsecureParametersError(ValueError):
    """The parameters give less than 128-bit security."""


@dataclass(frozen=True)
class CKKSParameters:
    """Polynomial degree, modulus chain (bit sizes) and scale (bits) of a CKKS context."""

    poly_modulus_degree: int
    coeff_mod_bit_sizes: tuple[int, ...]
    scale_bits: int

    @property
    def total_bits(self) -> int:
        return sum(self.coeff_mod_bit_sizes)

    @property
    def depth(self) -> int:
        """Multiplications a fresh ciphertext can undergo (intermediate primes)."""
        return len(self.coeff_mod_bit_sizes) - 2

    @property
    def slots(self) -> int:
        return self.poly_modulus_degree // 2

    @property
    def is_128_bit_secure(self) -> bool:
        limit = MAX_LOG_Q_128.get(self.poly_modulus_degree)
        return limit is not None and self.total_bits <= limit

    def describe(self) -> str:
        limit = MAX_LOG_Q_128.get(self.poly_modulus_degree, "?")
        verdict = ">= 128-bit" if self.is_128_bit_secure else "BELOW 128-bit"
        return (
            f"N={self.poly_modulus_degree}, log q={self.total_bits} (max {limit} for 128-bit): {verdict}; "
            f"depth {self.depth}, scale 2^{self.scale_bits}, {self.slots} slots"
        )


PRESETS: dict[str, CKKSParameters] = {
    "n4096_depth1": CKKSParameters(4096, (40, 20, 40), 20),
    "n8192_depth2": CKKSParameters(8192, (60, 40, 40, 60), 40),
    "n8192_depth4": CKKSParameters(8192, (40, 30, 30, 30, 30, 40), 30),
    "n8192_depth5": CKKSParameters(8192, (40, 26, 26, 26, 26, 26, 40), 26),
    "n8192_depth6": CKKSParameters(8192, (40, 21, 21, 21, 21, 21, 21, 40), 21),
    "n16384_depth7": CKKSParameters(16384, (60, 40, 40, 40, 40, 40, 40, 40, 60), 40),
    "n32768_depth15": CKKSParameters(32768, (60, *([40] * 15), 60), 40),
}


def get_parameters(preset: str | CKKSParameters) -> CKKSParameters:
    """A preset by name, or the parameters themselves."""
    if isinstance(preset, CKKSParameters):
        return preset
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
    return PRESETS[preset]


def make_context(
    params: str | CKKSParameters = "n8192_depth2",
    *,
    galois_keys: bool = True,
    symmetric: bool = False,
    allow_insecure_for_teaching: bool = False,
) -> ts.Context:
    """A TenSEAL CKKS context holding a fresh secret key (keys come from SEAL's own CSPRNG).

    Refuses parameters below 128-bit security unless ``allow_insecure_for_teaching=True``, which
    warns loudly: such a context is for demonstrating what goes wrong, never for data. (SEAL, under
    TenSEAL, enforces the same table and refuses to build most such contexts anyway: the error then
    says so.) ``symmetric=True`` encrypts with the secret key (about twice as fast; only the key
    owner can then encrypt, and the context has no public encryption key to hand out).
    """
    p = get_parameters(params)
    if p.poly_modulus_degree not in MAX_LOG_Q_128:
        raise ValueError(
            f"poly_modulus_degree must be one of {sorted(MAX_LOG_Q_128)}, got {p.poly_modulus_degree}"
        )
    if not p.is_128_bit_secure:
        if not allow_insecure_for_teaching:
            raise InsecureParametersError(
                f"insecure CKKS parameters: {p.describe()}. Use a preset, a larger N or a shorter "
                "modulus chain (pass allow_insecure_for_teaching=True only to demonstrate the failure)"
            )
        warnings.warn(f"INSECURE CKKS CONTEXT FOR TEACHING ONLY: {p.describe()}", stacklevel=2)
    try:
        ctx = ts.context(
            ts.SCHEME_TYPE.CKKS,
            poly_modulus_degree=p.poly_modulus_degree,
            coeff_mod_bit_sizes=list(p.coeff_mod_bit_sizes),
            encryption_type=ts.ENCRYPTION_TYPE.SYMMETRIC if symmetric else ts.ENCRYPTION_TYPE.ASYMMETRIC,
        )
    except ValueError as exc:  # SEAL enforces the same 128-bit table itself
        raise InsecureParametersError(f"SEAL refuses these parameters ({exc}): {p.describe()}") from exc
    ctx.global_scale = 2.0**p.scale_bits
    if galois_keys:
        ctx.generate_galois_keys()
    return ctx
