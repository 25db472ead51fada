"""The aggregation step, as an object a strategy calls: plaintext by default, swappable for secure aggregation.

Interface: ``Aggregator.aggregate(updates: list[list[np.ndarray]], weights: list[float]) -> list[np.ndarray]``
returns the weighted mean of the updates. A secure-aggregation implementation computes the same
weighted sum on masked inputs so that the server learns only the result; strategies do not change.
"""

from __future__ import annotations

from ppml_lab.fl.parameters import Parameters, weighted_average


class Aggregator:
    """Plaintext weighted mean: the server sees every update."""

    sees_individual_updates = True

    def aggregate(self, updates: list[Parameters], weights: list[float]) -> Parameters:
        return weighted_average(updates, weights)
