"""Secure aggregation: the server learns only the sum of the clients' vectors, even with dropouts."""

from ppml_lab.secagg.aggregator import SecureAggregator
from ppml_lab.secagg.distributed_dp import (
    add_distributed_noise,
    client_noise_variance,
    decode_signed,
    distributed_dp_epsilon,
)
from ppml_lab.secagg.protocol import (
    AggregationResult,
    Client,
    SecureAggregationServer,
    ThresholdError,
    dequantize,
    prg,
    quantize,
    secagg_plus_neighbors,
)

__all__ = [
    "AggregationResult",
    "Client",
    "SecureAggregationServer",
    "SecureAggregator",
    "ThresholdError",
    "add_distributed_noise",
    "client_noise_variance",
    "decode_signed",
    "dequantize",
    "distributed_dp_epsilon",
    "prg",
    "quantize",
    "secagg_plus_neighbors",
]
