"""Secure aggregation as the aggregation step of a federated strategy.

:class:`SecureAggregator` has the interface the FL engine's strategies call —
``aggregate(updates, weights) -> weighted mean`` — so a strategy such as FedAvg can be given
``aggregator=SecureAggregator()`` and the server then learns only the weighted sum of the clients'
models. Each client scales its model by its weight share, clips it to ``[-clip, clip]``,
quantizes it and takes part in the protocol of :mod:`ppml_lab.secagg.protocol` (honest-but-curious
server: no signatures, no consistency round).
"""

from __future__ import annotations

import numpy as np

from ppml_lab._checks import check_float, check_int, check_probability
from ppml_lab.secagg.encoding import dequantize, quantize
from ppml_lab.secagg.protocol import Client, SecureAggregationServer


class SecureAggregator:
    """Weighted mean of client parameters computed with secure aggregation (optionally with dropouts).

    The threshold is t = floor(threshold_fraction * holders) + 1 of the holders = n - 1 peers that
    hold a client's shares: with the default 0.5 a strict majority, so with 3 hospitals t = 2 and no
    single hospital colluding with the server can unmask another. A smaller fraction (and t = 1)
    needs ``allow_weak_threshold=True``. So do two clients: each has one share holder, t = 1, and
    either can subtract its own update from the sum anyway, so the sum hides nothing from them.
    """

    sees_individual_updates = False

    def __init__(
        self,
        clip: float = 10.0,
        bits: int = 48,
        threshold_fraction: float = 0.5,
        drop_after_masking: float = 0.0,
        *,
        allow_weak_threshold: bool = False,
    ) -> None:
        self.clip = check_float("clip", clip, minimum=0.0, min_inclusive=False)
        self.bits = check_int("bits", bits, minimum=8, maximum=62)
        self.threshold_fraction = check_probability("threshold_fraction", threshold_fraction, open_high=True)
        self.drop_after_masking = drop_after_masking
        self.allow_weak_threshold = allow_weak_threshold
        self.last_result = None

    def threshold(self, n_clients: int) -> int:
        """The Shamir threshold used with ``n_clients`` clients (each has n_clients - 1 share holders)."""
        holders = check_int("n_clients", n_clients, minimum=2) - 1
        return min(holders, int(np.floor(self.threshold_fraction * holders)) + 1)

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
            if n == 2 and not self.allow_weak_threshold:
                raise ValueError(
                    "updates: secure aggregation of 2 clients hides nothing (each can subtract its own "
                    "update from the sum, and each client's shares go to its one peer, t = 1); use 3 or "
                    "more clients, or pass allow_weak_threshold=True for a demonstration"
                )
            clients = [Client(i, quantize(v, self.clip, self.bits, n), self.bits) for i, v in enumerate(flat)]
            server = SecureAggregationServer(
                n, threshold=self.threshold(n), bits=self.bits, allow_weak_threshold=self.allow_weak_threshold
            )
            self.last_result = server.aggregate(clients, drop_after_masking=self.drop_after_masking)
            survivors = self.last_result.survivors
            summed = dequantize(self.last_result.total, self.clip, self.bits, n)
            if len(survivors) < n:  # re-weight: the mean over the clients that made it
                summed = summed * total_w / sum(weights[i] for i in survivors)
        out, start = [], 0
        for shape in shapes:
            size = int(np.prod(shape))
            out.append(summed[start : start + size].reshape(shape).astype(updates[0][len(out)].dtype))
            start += size
        return out
