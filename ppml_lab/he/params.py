"""CKKS parameters: named presets, their security level, the depth they allow, and their scale.

Security comes from the HomomorphicEncryption.org standard: for 128-bit classical security with a
ternary secret, the coefficient modulus q may have at most 109, 218, 438 or 881 bits for a
polynomial degree N of 4096, 8192, 16384 or 32768. Each multiplication consumes one prime of the
modulus chain (rescaling), so a chain of k primes between a first and a last special prime
allows k multiplications: the multiplicative depth.

**The scale.** A CKKS value x is stored as the integer round(x * 2^s). A product has scale 2^(2s);
rescaling divides it by the prime it drops, q_i, and TenSEAL then *labels* the result with the
nominal scale 2^s again. The label is right only if q_i is close to 2^s: SEAL picks the primes
(the largest primes p = 1 mod 2N below 2^bits, see :attr:`CKKSParameters.primes`), and for small
bit sizes at large N they are far below 2^bits (21-bit primes at N = 8192 are 0.57-0.85 x 2^21),
so every product would decode too large by 2^s / q_i. :func:`make_context` reads the primes SEAL
really uses and refuses any intermediate prime with |q_i / 2^s - 1| > :data:`MAX_SCALE_DEVIATION`.
The label need not be a power of two, though: the kit's contexts use as their scale the geometric
mean of the intermediate primes (:attr:`CKKSParameters.scale`), so the factors Delta / q_i that the
relabelling leaves are spread around 1 instead of all above it, and after the whole chain they
cancel exactly. On ``n8192_depth5`` that cuts the drift after five levels from 2.6e-3 (labels 2^29)
to below 3e-4 at every level (:meth:`CKKSParameters.scale_drift` computes both).
Larger s means more precision (fresh noise / 2^s) but fewer levels within the 128-bit budget.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass

import tenseal as ts
import tenseal.sealapi as sealapi

from ppml_lab._checks import check_float

# Maximum total log2(q) for 128-bit classical security (HomomorphicEncryption.org, 2018).
MAX_LOG_Q_128 = {4096: 109, 8192: 218, 16384: 438, 32768: 881}
# Largest tolerated |q_i / 2^scale - 1| for a prime that a rescale drops (TenSEAL relabels the
# result with 2^scale, so each such prime multiplies the decoded value by 2^scale / q_i).
MAX_SCALE_DEVIATION = 1e-3


class InsecureParametersError(ValueError):
    """The parameters give less than 128-bit security."""


class ScaleDriftError(ValueError):
    """Some prime of the modulus chain is too far from 2^scale: products would decode wrongly."""


@functools.lru_cache(maxsize=64)
def _seal_primes(poly_modulus_degree: int, bit_sizes: tuple[int, ...]) -> tuple[int, ...]:
    try:
        moduli = sealapi.CoeffModulus.Create(poly_modulus_degree, list(bit_sizes))
    except (ValueError, RuntimeError) as exc:
        raise ValueError(
            f"coeff_mod_bit_sizes {bit_sizes}: SEAL cannot find these primes for N={poly_modulus_degree} ({exc})"
        ) from exc
    return tuple(int(m.value()) for m in moduli)


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

    @property
    def primes(self) -> tuple[int, ...]:
        """The primes SEAL picks for this chain (``CoeffModulus.Create``): q0, the intermediate
        primes a rescale drops (the last one first), then the special key-switching prime."""
        return _seal_primes(self.poly_modulus_degree, tuple(self.coeff_mod_bit_sizes))

    @property
    def scale_deviations(self) -> tuple[float, ...]:
        """q_i / 2^scale - 1 for each intermediate prime, in chain order."""
        return tuple(q / 2.0**self.scale_bits - 1.0 for q in self.primes[1:-1])

    @property
    def max_scale_deviation(self) -> float:
        return max((abs(d) for d in self.scale_deviations), default=0.0)

    @property
    def scale(self) -> float:
        """The scale Delta of the kit's contexts: the geometric mean of the intermediate primes (within
        :data:`MAX_SCALE_DEVIATION` of 2^scale_bits for any chain :meth:`check_scale` accepts), so
        the relabelling factors Delta / q_i straddle 1; 2^scale_bits for a chain without one."""
        intermediate = self.primes[1:-1]
        if not intermediate:
            return 2.0**self.scale_bits
        return math.exp(math.fsum(math.log(q) for q in intermediate) / len(intermediate))

    def scale_drift(self, levels: int, scale: float | None = None) -> float:
        """Factor by which TenSEAL's scale relabelling multiplies a value after ``levels`` rescales:
        prod scale / q_i over the dropped primes, with ``scale`` the label TenSEAL puts back.

        ``None`` means 2^scale_bits, TenSEAL's usual choice (what lesson 03 measures); pass
        :attr:`scale` for the contexts :func:`make_context` builds.
        """
        if not 0 <= levels <= self.depth:
            raise ValueError(f"levels must be between 0 and the depth {self.depth}, got {levels}")
        label = 2.0**self.scale_bits if scale is None else check_float("scale", scale, minimum=1.0)
        dropped = self.primes[1:-1][::-1][:levels]  # rescaling drops the last data prime first
        return math.prod(label / q for q in dropped)

    def describe(self) -> str:
        limit = MAX_LOG_Q_128.get(self.poly_modulus_degree, "?")
        verdict = ">= 128-bit" if self.is_128_bit_secure else "BELOW 128-bit"
        return (
            f"N={self.poly_modulus_degree}, log q={self.total_bits} (max {limit} for 128-bit): {verdict}; "
            f"depth {self.depth}, scale 2^{self.scale_bits}, {self.slots} slots"
        )

    def check_scale(self, primes: tuple[int, ...] | None = None) -> None:
        """Raise :class:`ScaleDriftError` if an intermediate prime is more than
        :data:`MAX_SCALE_DEVIATION` away from 2^scale, or if q0 cannot hold a value at that scale."""
        if self.coeff_mod_bit_sizes[0] <= self.scale_bits:
            raise ScaleDriftError(
                f"coeff_mod_bit_sizes: the first prime ({self.coeff_mod_bit_sizes[0]} bits) must be larger "
                f"than the scale (scale_bits={self.scale_bits}) to hold the integer part of a value"
            )
        primes = self.primes if primes is None else primes
        bad = [
            (i, q / 2.0**self.scale_bits)
            for i, q in enumerate(primes[1:-1], start=1)
            if abs(q / 2.0**self.scale_bits - 1.0) > MAX_SCALE_DEVIATION
        ]
        if bad:
            listed = ", ".join(f"q{i} = {r:.4f} x 2^{self.scale_bits}" for i, r in bad)
            raise ScaleDriftError(
                f"coeff_mod_bit_sizes {tuple(self.coeff_mod_bit_sizes)} with scale_bits={self.scale_bits} at "
                f"N={self.poly_modulus_degree}: SEAL's primes {listed} are more than {MAX_SCALE_DEVIATION:g} "
                "from 2^scale, so every product would decode wrongly (TenSEAL labels a rescaled result "
                "2^scale). Use larger intermediate primes (about 30 bits or more at N=8192) or a smaller N"
            )


PRESETS: dict[str, CKKSParameters] = {
    "n4096_depth1": CKKSParameters(4096, (39, 30, 40), 30),
    "n8192_depth2": CKKSParameters(8192, (60, 40, 40, 60), 40),
    "n8192_depth4": CKKSParameters(8192, (40, 30, 30, 30, 30, 40), 30),
    # five levels fit 218 bits only with 29-bit primes, the smallest whose SEAL primes stay within
    # 1e-3 of 2^29 at N = 8192 (28-bit ones are 1.3e-3 away); q0 = 36 bits holds |x| < 64 at the end
    "n8192_depth5": CKKSParameters(8192, (36, 29, 29, 29, 29, 29, 37), 29),
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


def context_primes(context: ts.Context) -> tuple[int, ...]:
    """The primes a TenSEAL context really uses, read from its SEAL context (special prime last)."""
    data = context.seal_context().data.key_context_data()
    return tuple(int(m.value()) for m in data.parms().coeff_modulus())


def make_context(
    params: str | CKKSParameters = "n8192_depth2",
    *,
    galois_keys: bool = True,
    symmetric: bool = False,
    allow_insecure_for_teaching: bool = False,
    allow_scale_drift_for_teaching: bool = False,
) -> ts.Context:
    """A TenSEAL CKKS context holding a fresh secret key (keys come from SEAL's own CSPRNG).

    Refuses parameters below 128-bit security unless ``allow_insecure_for_teaching=True``, which
    warns loudly: such a context is for demonstrating what goes wrong, never for data. (SEAL, under
    TenSEAL, enforces the same table and refuses to build most such contexts anyway: the error then
    says so.) Refuses, likewise, a chain whose primes are too far from 2^scale
    (:class:`ScaleDriftError`) unless ``allow_scale_drift_for_teaching=True``, which warns.
    ``symmetric=True`` encrypts with the secret key (about twice as fast; only the key owner can then
    encrypt, and the context has no public encryption key to hand out). The context's global scale
    is :attr:`CKKSParameters.scale`, the geometric mean of the intermediate primes, not 2^scale_bits.
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
    primes = context_primes(ctx)
    if primes != p.primes:  # the chain the context uses is the one the parameters describe
        raise RuntimeError(f"SEAL built the context with primes {primes}, expected {p.primes}")
    try:
        p.check_scale(primes)
    except ScaleDriftError as exc:
        if not allow_scale_drift_for_teaching:
            raise
        warnings.warn(f"CKKS SCALE DRIFT, FOR TEACHING ONLY: {exc}", stacklevel=2)
    ctx.global_scale = p.scale  # the primes' geometric mean: relabelling drifts least (module docstring)
    if galois_keys:
        ctx.generate_galois_keys()
    return ctx
