"""Model parameters as lists of NumPy arrays: what clients and the server exchange."""

from __future__ import annotations

import numpy as np
import torch

Parameters = list[np.ndarray]


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
    return list(model.state_dict().keys())


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
