"""Secure aggregation: the server learns only the sum of the clients' vectors, even with dropouts."""

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
    "ThresholdError",
    "dequantize",
    "prg",
    "quantize",
    "secagg_plus_neighbors",
]
