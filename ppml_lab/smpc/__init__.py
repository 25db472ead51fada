"""Secure multi-party computation: additive secret sharing over Z/2^64 between two parties.

In the order of lesson 04:

1. the ring and fixed point (:mod:`.ring`: ``encode``, ``decode``, ``FRAC_BITS``, ``encode_public``,
   ``encode_public_array``) and sharing (:mod:`.sharing`: ``share``, ``reconstruct``): a share
   alone is uniformly random;
2. Beaver multiplication with a trusted dealer (:mod:`.dealer`: ``TrustedDealer``, ``Triple``):
   ``beaver_local_share`` (one party's local step) and ``beaver_multiply_shares`` (the protocol,
   one round; also ``beaver_multiply``), ``beaver_matmul``; a triple serves one product only
   (``triple_reuse_leak``: what two products on one triple open);
3. truncation of fixed-point products (:mod:`.truncation`: ``local_truncate``, SecureML's local
   truncation, and ``local_truncation_failure_probability``, how often it fails; ``truncate``,
   dealer-assisted, exact for |value| < 2^62);
4. secure logistic regression: first one step of it written on raw shares with the pieces above
   (``secure_lr_step``, against ``plaintext_lr_step``), then the engine: the shared array type
   (:mod:`.tensor`: ``MPCSession``, ``SharedTensor``), the cubic sigmoid (:mod:`.functions`) and
   ``SecureLogisticRegression`` (:mod:`.logistic`, against ``train_plaintext_poly_lr``), whose
   iterations cost ``ROUNDS_PER_ITERATION`` rounds, read from the transport's counters
   (:mod:`.transport`: ``Transport.report``, ``LAN``, ``WAN``);
5. the lab's batched scores (``batched_scores``: one product for all customers);
6. private set intersection (:mod:`.psi`) for vertically split data: ``hash_to_group``,
   ``random_scalar``, the blinding step ``psi_blind`` and the protocol ``psi_intersection``
   (also ``PSIParty``, ``private_set_intersection``);
7. comparisons, cheating parties and latency (not graded): the sign bit and ReLU by bit
   decomposition (:mod:`.comparison`: ``sign_bit``, ``relu``, ``less_than``), MACs for malicious
   security (:mod:`.authenticated`: ``AuthenticatedSharing``) and the network model
   (``NetworkModel``: rounds times the round trip plus bytes over the bandwidth).

Beyond the lesson: the same training between two OS processes over TCP (:mod:`.network`,
:mod:`.tcp`), and the per-iteration cost it must reach (``protocol_minimum_bytes``).

**One core.** Every protocol step is written once, as one party runs it, in :mod:`.protocol`
(open, Beaver over any operation, truncation, sigmoid) and :mod:`.lr_protocol` (training). The
in-process engine runs that code for both parties in two threads over an in-process channel pair;
the two-process run executes it over TCP.

**Channels and transcripts.** A :class:`~ppml_lab.smpc.channel.Channel` (``InProcessChannel``,
``TCPChannel``) is the only place where rounds and bytes are counted, per phase (``offline``:
dealer material; ``input``: sharing the data; ``online``: the computation). Created with
``record=True`` (``MPCSession(record=True)``, ``Transport(record=True)``) it keeps
``channel.transcript``, a list of :class:`~ppml_lab.smpc.channel.Message` records with ``.phase``,
``.round``, ``.sender`` and ``.value`` (a copy of the array sent); ``Transport.transcript`` lists
both parties' messages. The two messages of one round add up to what that round opened.

**The dealer.** In one process the session is the dealer; between processes the launcher is
(and it also hands each bank its data). ``SharedTensor.reveal(to=...)`` decides which messages
are sent, and so what the counters show; in one process it is not an access control.
"""

from ppml_lab.smpc.authenticated import AuthenticatedSharing, MACCheckError
from ppml_lab.smpc.beaver import (
    beaver_local_share,
    beaver_matmul,
    beaver_multiply,
    beaver_multiply_shares,
    triple_reuse_leak,
)
from ppml_lab.smpc.channel import Channel, InProcessChannel, Message, PeerFailure, ProtocolError, channel_pair
from ppml_lab.smpc.comparison import less_than, less_than_zero, relu, sign_bit
from ppml_lab.smpc.dealer import Triple, TruncationPair, TrustedDealer
from ppml_lab.smpc.functions import SIGMOID_COEFFICIENTS, SIGMOID_ROUNDS, sigmoid_poly, sigmoid_poly_plain
from ppml_lab.smpc.logistic import (
    ROUNDS_PER_ITERATION,
    SecureLogisticRegression,
    batched_scores,
    plaintext_lr_step,
    secure_lr_step,
    secure_step,
    train_plaintext_poly_lr,
)
from ppml_lab.smpc.lr_protocol import protocol_minimum_bytes
from ppml_lab.smpc.network import run_secure_lr_two_processes
from ppml_lab.smpc.psi import (
    PSIParty,
    hash_to_group,
    private_set_intersection,
    psi_blind,
    psi_intersection,
    random_scalar,
)
from ppml_lab.smpc.ring import FRAC_BITS, RING_BITS, decode, encode, encode_public, encode_public_array
from ppml_lab.smpc.sharing import reconstruct, share
from ppml_lab.smpc.tcp import TCPChannel
from ppml_lab.smpc.tensor import MUL_ROUNDS, PUBLIC_MUL_ROUNDS, MPCSession, SharedTensor
from ppml_lab.smpc.transport import LAN, WAN, NetworkModel, Transport
from ppml_lab.smpc.truncation import local_truncate, local_truncation_failure_probability, truncate

__all__ = [
    "FRAC_BITS",
    "RING_BITS",
    "encode",
    "decode",
    "encode_public",
    "encode_public_array",
    "share",
    "reconstruct",
    "TrustedDealer",
    "Triple",
    "TruncationPair",
    "beaver_local_share",
    "beaver_multiply_shares",
    "beaver_multiply",
    "beaver_matmul",
    "triple_reuse_leak",
    "local_truncate",
    "local_truncation_failure_probability",
    "truncate",
    "MPCSession",
    "SharedTensor",
    "MUL_ROUNDS",
    "PUBLIC_MUL_ROUNDS",
    "SIGMOID_COEFFICIENTS",
    "SIGMOID_ROUNDS",
    "sigmoid_poly",
    "sigmoid_poly_plain",
    "SecureLogisticRegression",
    "ROUNDS_PER_ITERATION",
    "train_plaintext_poly_lr",
    "secure_step",
    "secure_lr_step",
    "plaintext_lr_step",
    "protocol_minimum_bytes",
    "Transport",
    "NetworkModel",
    "LAN",
    "WAN",
    "batched_scores",
    "PSIParty",
    "private_set_intersection",
    "hash_to_group",
    "random_scalar",
    "psi_blind",
    "psi_intersection",
    "less_than",
    "less_than_zero",
    "relu",
    "sign_bit",
    "AuthenticatedSharing",
    "MACCheckError",
    "Channel",
    "InProcessChannel",
    "TCPChannel",
    "Message",
    "PeerFailure",
    "ProtocolError",
    "channel_pair",
    "run_secure_lr_two_processes",
]
