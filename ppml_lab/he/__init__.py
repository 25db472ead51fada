"""Homomorphic encryption: CKKS through TenSEAL, and Paillier.

In the order of the lesson: parameters and their security (:mod:`.params`), who holds which key
(:mod:`.parties`), depth budgeting (:mod:`.depth`), encrypted inference (:mod:`.inference`), the
polynomial sigmoid (:mod:`.approximations`), encrypted training (:mod:`.logistic`), and the additive
scheme (:mod:`.paillier`).
"""

from ppml_lab.he.approximations import fit_sigmoid_polynomial, sigmoid_polynomial_plain
from ppml_lab.he.depth import DepthBudgetError, EncryptedVector, polynomial_levels
from ppml_lab.he.inference import decrypt_probabilities, encrypt_columns, score_encrypted
from ppml_lab.he.logistic import (
    PackedEncryptedLR,
    PerSampleEncryptedLR,
    evaluate_odd_cubic,
    train_plaintext_poly_lr,
)
from ppml_lab.he.paillier import PaillierKeyOwner, encrypted_dot, encrypted_sum
from ppml_lab.he.params import (
    MAX_LOG_Q_128,
    MAX_SCALE_DEVIATION,
    PRESETS,
    CKKSParameters,
    InsecureParametersError,
    ScaleDriftError,
    context_primes,
    get_parameters,
    make_context,
)
from ppml_lab.he.parties import KeyOwner, Server

__all__ = [
    "MAX_LOG_Q_128",
    "MAX_SCALE_DEVIATION",
    "PRESETS",
    "CKKSParameters",
    "DepthBudgetError",
    "EncryptedVector",
    "InsecureParametersError",
    "KeyOwner",
    "PackedEncryptedLR",
    "PaillierKeyOwner",
    "PerSampleEncryptedLR",
    "ScaleDriftError",
    "Server",
    "decrypt_probabilities",
    "context_primes",
    "encrypt_columns",
    "encrypted_dot",
    "encrypted_sum",
    "evaluate_odd_cubic",
    "fit_sigmoid_polynomial",
    "get_parameters",
    "make_context",
    "polynomial_levels",
    "score_encrypted",
    "sigmoid_polynomial_plain",
    "train_plaintext_poly_lr",
]
