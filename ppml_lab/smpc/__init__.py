"""Secure multi-party computation: additive secret sharing over Z/2^64 between two parties.

In the order of the lesson: the ring and fixed point (:mod:`.ring`), sharing (:mod:`.sharing`),
the shared array type (:mod:`.tensor`), Beaver multiplication with a trusted dealer
(:mod:`.beaver`, :mod:`.dealer`), truncation (:mod:`.truncation`), comparison and ReLU (:mod:`.comparison`), MACs for
malicious security (:mod:`.authenticated`), the transport's counters
(:mod:`.transport`), secure logistic regression (:mod:`.logistic`), the same between two OS
processes over TCP (:mod:`.network`) and private set intersection (:mod:`.psi`).
"""

from ppml_lab.smpc.authenticated import AuthenticatedSharing, MACCheckError
from ppml_lab.smpc.beaver import beaver_matmul, beaver_multiply
from ppml_lab.smpc.comparison import less_than, less_than_zero, relu, sign_bit
from ppml_lab.smpc.dealer import Triple, TrustedDealer
from ppml_lab.smpc.functions import SIGMOID_COEFFICIENTS, sigmoid_poly, sigmoid_poly_plain
from ppml_lab.smpc.logistic import ROUNDS_PER_ITERATION, SecureLogisticRegression, train_plaintext_poly_lr
from ppml_lab.smpc.network import PeerFailure, SocketTransport, run_secure_lr_two_processes
from ppml_lab.smpc.psi import PSIParty, private_set_intersection
from ppml_lab.smpc.ring import FRAC_BITS, RING_BITS, decode, encode
from ppml_lab.smpc.sharing import reconstruct, share
from ppml_lab.smpc.tensor import MPCSession, SharedTensor
from ppml_lab.smpc.transport import LAN, WAN, NetworkModel, Transport
from ppml_lab.smpc.truncation import truncate

__all__ = [
    "AuthenticatedSharing",
    "MACCheckError",
    "less_than",
    "less_than_zero",
    "relu",
    "sign_bit",
    "FRAC_BITS",
    "LAN",
    "RING_BITS",
    "ROUNDS_PER_ITERATION",
    "SIGMOID_COEFFICIENTS",
    "WAN",
    "MPCSession",
    "NetworkModel",
    "PeerFailure",
    "SocketTransport",
    "run_secure_lr_two_processes",
    "PSIParty",
    "SecureLogisticRegression",
    "SharedTensor",
    "Transport",
    "Triple",
    "TrustedDealer",
    "beaver_matmul",
    "beaver_multiply",
    "decode",
    "encode",
    "private_set_intersection",
    "reconstruct",
    "share",
    "sigmoid_poly",
    "sigmoid_poly_plain",
    "train_plaintext_poly_lr",
    "truncate",
]
