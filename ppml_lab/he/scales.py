"""Exact CKKS scales of the packed trainer's circuit, planned from the primes of the chain.

A product multiplies scales and a rescale divides by the prime it drops, so on raw SEAL ciphertexts
the scales drift from the nominal 2^k; :class:`_ScalePlan` chooses the scales of every operand so
that each addition meets equal scales (SEAL adds only equal scales).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import tenseal.sealapi as sealapi


def _chain(seal_context) -> tuple[list[int], list]:
    """The data primes q0, q1, ... and the parms_id of each level, from the top level down."""
    data = seal_context.first_context_data()
    primes = [m.value() for m in data.parms().coeff_modulus()]
    parms_ids = [data.parms_id()]
    while (data := data.next_context_data()) is not None:
        parms_ids.append(data.parms_id())
    return primes, parms_ids


@dataclass(frozen=True)
class _ScalePlan:
    """Exact CKKS scales of every ciphertext of the epoch circuit.

    A product multiplies scales and a rescale divides by the prime it drops, so the scales drift
    from the nominal 2^k; the plan chooses the scales of the plaintext constants, the labels and the
    gradient copy of the data so that every addition meets equal scales, and the gradient comes out
    at ``gradient`` (chosen so that sums over all applicants cannot overflow the last prime).
    """

    fresh: float  # the data and the weights
    scores: float
    square: float
    cubic_constant: float  # c3 is encoded at this scale: c3 * z then has the scale of the scores
    error: float
    linear_constant: float  # c1 * z, rescaled, lands on the error's scale
    gradient_data: float
    gradient: float

    @classmethod
    def plan(cls, primes: list[int], scale: float, gradient_bound: float) -> _ScalePlan:
        """``primes``: the data primes q0, q1, ... (the circuit uses the first five)."""
        q0, q1, q2, q3, q4 = primes[:5]
        scores = scale * scale / q4
        square = scores * scores / q3
        error = square * scores / q2  # (z^2) * (c3 z), with c3 z at the scores' scale
        # the largest power of two keeping |gradient| * scale below q0 / 4 (sign bit and margin)
        gradient = min(scale, 2.0 ** math.floor(math.log2(q0 / 4.0 / max(gradient_bound, 1.0))))
        if gradient < 2.0**12:
            raise ValueError(
                "X: the gradient sums are too large for the last prime of the modulus chain; "
                "standardize the features or train on fewer rows"
            )
        return cls(
            fresh=scale,
            scores=scores,
            square=square,
            cubic_constant=float(q3),
            error=error,
            linear_constant=error * q3 / scores,
            gradient_data=gradient * q1 / error,
            gradient=gradient,
        )


def _same_scale(ct: sealapi.Ciphertext, scale: float) -> None:
    """Snap a scale equal to ``scale`` up to rounding onto it exactly (SEAL adds only equal scales)."""
    if abs(ct.scale / scale - 1.0) > 1e-9:
        raise RuntimeError(f"CKKS scale drifted: {ct.scale} != {scale}")
    ct.scale = scale
