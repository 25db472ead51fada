"""Secure aggregation: the server learns only the sum of the clients' vectors, even with dropouts."""

from ppml_lab.secagg.aggregator import SecureAggregator
from ppml_lab.secagg.distributed_dp import (
    TAIL_SIGMAS,
    DistributedDP,
    add_distributed_noise,
    client_noise_variance,
    distributed_dp_epsilon,
)
from ppml_lab.secagg.encoding import decode_signed, decode_sum, dequantize, quantize, ring_levels, to_ring
from ppml_lab.secagg.plus import SecAggPlusParameters, secagg_plus_neighbors, secagg_plus_parameters
from ppml_lab.secagg.protocol import (
    AggregationResult,
    Client,
    ProtocolAbort,
    SecureAggregationServer,
    ThresholdError,
    pairwise_masked,
    prg,
)

__all__ = [
    "TAIL_SIGMAS",
    "AggregationResult",
    "Client",
    "DistributedDP",
    "ProtocolAbort",
    "SecAggPlusParameters",
    "SecureAggregationServer",
    "SecureAggregator",
    "ThresholdError",
    "add_distributed_noise",
    "client_noise_variance",
    "decode_signed",
    "decode_sum",
    "dequantize",
    "distributed_dp_epsilon",
    "pairwise_masked",
    "prg",
    "quantize",
    "ring_levels",
    "secagg_plus_neighbors",
    "secagg_plus_parameters",
    "to_ring",
]
