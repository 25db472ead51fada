"""Homomorphic encryption: CKKS through TenSEAL, and Paillier; CKKS bootstrapping through OpenFHE.

In the order of the lesson: parameters and their security (:mod:`.params`), who holds which key
(:mod:`.parties`), depth budgeting (:mod:`.depth`), encrypted inference (:mod:`.inference`), slot
rotations and the rotate-and-sum (:mod:`.rotation`), the polynomial sigmoid
(:mod:`.approximations`), encrypted training (:mod:`.logistic`), and the additive scheme
(:mod:`.paillier`).

Names load on first use, so that :mod:`.openfhe` (bootstrapped CKKS, which runs in its own Python 3.10
environment without TenSEAL) can be imported without loading TenSEAL.
"""

import importlib
from typing import Any

_EXPORTS = {
    "fit_sigmoid_polynomial": "approximations",
    "sigmoid_poly": "approximations",
    "sigmoid_polynomial_plain": "approximations",
    "DepthBudgetError": "depth",
    "EncryptedVector": "depth",
    "polynomial_levels": "depth",
    "decrypt_probabilities": "inference",
    "encrypt_columns": "inference",
    "score_encrypted": "inference",
    "PackedEncryptedLR": "logistic",
    "PerSampleEncryptedLR": "logistic",
    "evaluate_odd_cubic": "logistic",
    "train_plaintext_poly_lr": "logistic",
    "PaillierKeyOwner": "paillier",
    "encrypted_dot": "paillier",
    "encrypted_sum": "paillier",
    "MAX_LOG_Q_128": "params",
    "MAX_SCALE_DEVIATION": "params",
    "PRESETS": "params",
    "CKKSParameters": "params",
    "InsecureParametersError": "params",
    "ScaleDriftError": "params",
    "context_primes": "params",
    "get_parameters": "params",
    "make_context": "params",
    "KeyOwner": "parties",
    "Server": "parties",
    "rotate": "rotation",
    "rotation_sum": "rotation",
    "rotations_done": "rotation",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
