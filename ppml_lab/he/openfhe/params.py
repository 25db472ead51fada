"""OpenFHE CKKS parameters with bootstrapping: named presets and their security level.

A bootstrapped chain is ``levels_after_bootstrap`` levels for the computation plus the levels the
bootstrap itself spends: CoeffsToSlots and SlotsToCoeffs (the ``level_budget``) and the approximate
modular reduction (14 levels for a uniform ternary secret in OpenFHE 1.6). The total modulus of
that chain (data primes, the first prime and the key-switching primes) fixes the smallest ring
dimension with 128-bit security; OpenFHE checks it against the HomomorphicEncryption.org table and
refuses a ring dimension that is too small. Ring dimensions of 2^12 and 2^13 bootstrap in seconds but
are far below any security level: they exist only for tests and teaching, behind an explicit flag.
"""

from __future__ import annotations

from dataclasses import dataclass

import openfhe as ofhe

from ppml_lab._checks import check_int


class InsecureOpenFHEParametersError(ValueError):
    """Raised for parameters without 128-bit security unless explicitly allowed for teaching."""


@dataclass(frozen=True)
class OpenFHEParameters:
    """One bootstrappable CKKS parameter set (``security`` is ``"128_classic"`` or ``"none"``)."""

    ring_dimension: int
    scaling_mod_bits: int
    first_mod_bits: int
    level_budget: tuple[int, int]
    levels_after_bootstrap: int
    security: str
    key_switching_digits: int = 0  # OpenFHE's dnum; 0 lets OpenFHE choose

    @property
    def usable_levels(self) -> int:
        """Levels a computation may spend between bootstraps: one of the levels a bootstrap leaves
        goes to the bootstrap of the next round, which first brings its input to the expected scale
        with a product (FLEXIBLEAUTO scaling). At N = 2^16 a bootstrap fails without that level."""
        return self.levels_after_bootstrap - 1

    @property
    def slots(self) -> int:
        return self.ring_dimension // 2

    @property
    def bootstrap_depth(self) -> int:
        return int(ofhe.CryptoContext.GetBootstrapDepth(list(self.level_budget), ofhe.UNIFORM_TERNARY))

    @property
    def depth(self) -> int:
        """Multiplicative depth of the whole chain (computation and bootstrap)."""
        return self.levels_after_bootstrap + self.bootstrap_depth

    @property
    def is_128_bit_secure(self) -> bool:
        return self.security == "128_classic"

    def describe(self) -> str:
        security = "128-bit classical" if self.is_128_bit_secure else "INSECURE (teaching only)"
        return (
            f"CKKS N={self.ring_dimension}, scale 2^{self.scaling_mod_bits}, first prime "
            f"{self.first_mod_bits} bits, level budget {list(self.level_budget)}, depth {self.depth} "
            f"({self.levels_after_bootstrap} after bootstrapping), {security}"
        )


PRESETS: dict[str, OpenFHEParameters] = {
    # 128-bit: depth 25 (9 levels after bootstrapping: 8 for two epochs and one for the next bootstrap's
    # input; 16 for the bootstrap) is the deepest chain that fits N = 2^16 with 50-bit scaling primes and
    # four key-switching digits (three allow depth 24).
    "n65536_boot": OpenFHEParameters(65536, 50, 60, (1, 1), 9, "128_classic", key_switching_digits=4),
    # teaching only: the same chain on rings far too small for its modulus
    "insecure_n4096_boot": OpenFHEParameters(4096, 50, 60, (1, 1), 9, "none", key_switching_digits=4),
    "insecure_n8192_boot": OpenFHEParameters(8192, 50, 60, (1, 1), 9, "none", key_switching_digits=4),
}
DEFAULT_PRESET = "n65536_boot"


def get_parameters(preset: str | OpenFHEParameters) -> OpenFHEParameters:
    """A preset by name (or the given parameters, checked)."""
    if isinstance(preset, OpenFHEParameters):
        check_int("ring_dimension", preset.ring_dimension, minimum=1024)
        check_int("levels_after_bootstrap", preset.levels_after_bootstrap, minimum=2)
        return preset
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
    return PRESETS[preset]


def make_crypto_context(
    preset: str | OpenFHEParameters = DEFAULT_PRESET, *, allow_insecure_for_teaching: bool = False
) -> ofhe.CryptoContext:
    """A CKKS crypto context with bootstrapping enabled (no keys yet).

    128-bit presets ask OpenFHE for ``HEStd_128_classic`` at the preset's ring dimension, so OpenFHE
    itself refuses a ring too small for the modulus. Insecure presets need
    ``allow_insecure_for_teaching=True``.
    """
    p = get_parameters(preset)
    if not p.is_128_bit_secure and not allow_insecure_for_teaching:
        raise InsecureOpenFHEParametersError(
            f"insecure CKKS parameters: {p.describe()}. Use {DEFAULT_PRESET!r} (pass "
            "allow_insecure_for_teaching=True only for tests and demonstrations)"
        )
    params = ofhe.CCParamsCKKSRNS()
    params.SetSecretKeyDist(ofhe.UNIFORM_TERNARY)
    params.SetSecurityLevel(ofhe.HEStd_128_classic if p.is_128_bit_secure else ofhe.HEStd_NotSet)
    params.SetRingDim(p.ring_dimension)
    params.SetScalingModSize(p.scaling_mod_bits)
    params.SetFirstModSize(p.first_mod_bits)
    params.SetScalingTechnique(ofhe.FLEXIBLEAUTO)
    params.SetMultiplicativeDepth(p.depth)
    if p.key_switching_digits:
        params.SetNumLargeDigits(p.key_switching_digits)
    try:
        context = ofhe.GenCryptoContext(params)
    except RuntimeError as exc:
        raise InsecureOpenFHEParametersError(
            f"OpenFHE refuses these parameters ({exc}): {p.describe()}"
        ) from exc
    if context.GetRingDimension() != p.ring_dimension:
        raise InsecureOpenFHEParametersError(
            f"OpenFHE needs ring dimension {context.GetRingDimension()} for {p.describe()}"
        )
    for feature in (ofhe.PKE, ofhe.KEYSWITCH, ofhe.LEVELEDSHE, ofhe.ADVANCEDSHE, ofhe.FHE):
        context.Enable(feature)
    return context
