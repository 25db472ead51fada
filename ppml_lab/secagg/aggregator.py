"""Secure aggregation as the aggregation step of a federated strategy.

:class:`SecureAggregator` has the interface the FL engine's strategies call —
``aggregate(updates, weights) -> weighted mean`` — so a strategy such as FedAvg can be given
``aggregator=SecureAggregator()`` and the server then learns only the weighted sum of the clients'
models. Each client scales its model by its weight share, clips it to ``[-clip, clip]``,
quantizes it and takes part in the protocol of :mod:`ppml_lab.secagg.protocol`.
"""

from __future__ import annotations

import numpy as np

from ppml_lab._checks import check_float, check_probability
from ppml_lab.secagg.protocol import Client, SecureAggregationServer, dequantize, quantize


class SecureAggregator:
    """Weighted mean of client parameters computed with secure aggregation (optionally with dropouts)."""

    sees_individual_updates = False

    def __init__(
        self,
        clip: float = 10.0,
        bits: int = 48,
        threshold_fraction: float = 0.5,
        drop_after_masking: float = 0.0,
    ) -> None:
        self.clip = check_float("clip", clip, minimum=0.0, min_inclusive=False)
        self.bits = bits
        self.threshold_fraction = check_probability("threshold_fraction", threshold_fraction, open_low=True)
        self.drop_after_masking = drop_after_masking
        self.last_result = None

    def aggregate(self, updates: list[list[np.ndarray]], weights: list[float]) -> list[np.ndarray]:
        if not updates:
            raise ValueError("updates must not be empty")
        shapes = [np.shape(a) for a in updates[0]]
        total_w = float(sum(weights))
        flat = [
            np.concatenate([np.ravel(a) for a in u]) * (w / total_w)
            for u, w in zip(updates, weights, strict=True)
        ]
        n = len(flat)
        if n < 2:  # nothing to hide a single client's update among
            summed = flat[0]
        else:
            clients = [Client(i, quantize(v, self.clip, self.bits, n), self.bits) for i, v in enumerate(flat)]
            server = SecureAggregationServer(
                n, threshold=max(1, int(np.ceil(self.threshold_fraction * (n - 1)))), bits=self.bits
            )
            self.last_result = server.aggregate(clients, drop_after_masking=self.drop_after_masking)
            survivors = self.last_result.survivors
            summed = dequantize(self.last_result.total, self.clip, self.bits, n, len(survivors))
            if len(survivors) < n:  # re-weight: the mean over the clients that made it
                summed = summed * total_w / sum(weights[i] for i in survivors)
        out, start = [], 0
        for shape in shapes:
            size = int(np.prod(shape))
            out.append(summed[start : start + size].reshape(shape).astype(updates[0][len(out)].dtype))
            start += size
        return out
