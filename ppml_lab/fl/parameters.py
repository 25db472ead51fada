"""Model parameters as lists of NumPy arrays: what clients and the server exchange.

A client's answer to a training request reaches the strategy as a :class:`FitRes`, which unpacks
like the pair ``(parameters, num_examples)`` and also carries the client's index and metrics.
"""

from __future__ import annotations

import numpy as np
import torch

Parameters = list[np.ndarray]


class FitRes(tuple):
    """``(parameters, num_examples)`` from one client, plus ``cid`` (its index) and ``metrics``.

    It unpacks as a pair (``for params, n in results``), so a strategy that only averages never
    needs more; strategies that treat clients differently (clustered FL) read ``cid``.
    """

    def __new__(cls, parameters: Parameters, num_examples: int, cid: int = -1, metrics: dict | None = None):
        self = super().__new__(cls, (parameters, num_examples))
        self.cid = cid
        self.metrics = dict(metrics or {})
        return self

    @property
    def parameters(self) -> Parameters:
        return self[0]

    @property
    def num_examples(self) -> int:
        return self[1]


def get_parameters(model: torch.nn.Module) -> Parameters:
    """The model's state (parameters and buffers) as NumPy arrays, in ``state_dict`` order."""
    return [v.detach().cpu().numpy().copy() for v in model.state_dict().values()]


def set_parameters(model: torch.nn.Module, parameters: Parameters, skip: set[str] | None = None) -> None:
    """Load ``parameters`` into ``model`` (entries whose name is in ``skip`` are left alone)."""
    keys = list(model.state_dict().keys())
    if len(keys) != len(parameters):
        raise ValueError(f"parameters must have {len(keys)} arrays for this model, got {len(parameters)}")
    current = model.state_dict()
    new = {
        k: (current[k] if skip and k in skip else torch.as_tensor(np.asarray(v)))
        for k, v in zip(keys, parameters, strict=True)
    }
    model.load_state_dict(new)


def parameter_names(model: torch.nn.Module) -> list[str]:
    """Names of the arrays :func:`get_parameters` returns, in the same order."""
    return list(model.state_dict().keys())


def flatten(parameters: Parameters) -> np.ndarray:
    """All arrays as one float64 vector (for norms and similarities of whole models)."""
    return np.concatenate([np.asarray(p, dtype=np.float64).ravel() for p in parameters])


def nbytes(parameters: Parameters) -> int:
    """Bytes needed to send ``parameters`` (raw array data)."""
    return int(sum(np.asarray(p).nbytes for p in parameters))


def weighted_average(updates: list[Parameters], weights: list[float]) -> Parameters:
    """Element-wise average of ``updates`` weighted by ``weights`` (e.g. example counts)."""
    if not updates:
        raise ValueError("updates must not be empty")
    total = float(sum(weights))
    if total <= 0:
        raise ValueError("weights must sum to a positive number")
    return [
        sum(w * u[i] for u, w in zip(updates, weights, strict=True)) / total for i in range(len(updates[0]))
    ]
