"""Personalization: one global model is a compromise when hospitals differ; let each adapt it.

Two remedies for non-IID clients, both client-side, so they work with any strategy:

* **Personalization layers (FedPer, Arivazhagan et al. 2019)**: build the clients with
  ``TorchClient(..., personal_layers=("head",))``. The body is federated; each hospital's head
  stays at home and is never overwritten by the server. Evaluate with the usual
  ``client.evaluate(global_parameters)``: the client plugs in its own head.
* **The server's side of FedPer**, as arrays: :func:`fedper_split` says which parameter arrays stay
  local, :func:`fedper_aggregate` averages only the shared ones and leaves each client its own.
* **Local fine-tuning**: after federated training, each hospital trains the global model a few
  epochs on its own data (:func:`fine_tune_accuracy`).
"""

from __future__ import annotations

import numpy as np

from ppml_lab._checks import check_int
from ppml_lab.fl.client import TorchClient
from ppml_lab.fl.parameters import Parameters


def fine_tune_accuracy(clients: list[TorchClient], parameters: Parameters, epochs: int = 1) -> list[float]:
    """Each client fine-tunes ``parameters`` for ``epochs`` on its training data; its test accuracy after."""
    epochs = check_int("epochs", epochs, minimum=0)
    out = []
    for c in clients:
        tuned = c.fine_tune([p.copy() for p in parameters], epochs=epochs)
        out.append(c.evaluate(tuned)[2]["accuracy"])
    return out


def fedper_split(names: list[str], personal: tuple[str, ...] = ("head",)) -> list[bool]:
    """For each parameter name, True when it stays on the client (it starts with a ``personal`` prefix)."""
    if not personal:
        raise ValueError("personal must name at least one layer prefix")
    mask = [any(n.startswith(p) for p in personal) for n in names]
    unknown = [p for p in personal if not any(n.startswith(p) for n in names)]
    if unknown:
        raise ValueError(f"personal names no parameter: {unknown}")
    return mask


def fedper_aggregate(client_params: list[Parameters], num_examples: list[int], personal: list[bool]) -> list[Parameters]:
    """FedPer's server step: the shared arrays (``personal[i]`` False) become their example-weighted mean,
    the same for every client; each client keeps its own personal arrays (which may differ in shape)."""
    if not client_params:
        raise ValueError("client_params must not be empty")
    if len(num_examples) != len(client_params):
        raise ValueError(f"num_examples has {len(num_examples)} entries for {len(client_params)} clients")
    if any(n < 0 for n in num_examples) or sum(num_examples) <= 0:
        raise ValueError("num_examples must be non-negative and sum to a positive number")
    for c, p in enumerate(client_params):
        if len(p) != len(personal):
            raise ValueError(f"client {c} has {len(p)} arrays, personal has {len(personal)} flags")
    total = float(sum(num_examples))
    shared = {
        i: sum(n * np.asarray(p[i], dtype=np.float64) for p, n in zip(client_params, num_examples, strict=True)) / total
        for i, own in enumerate(personal) if not own
    }
    return [
        [np.asarray(p[i], dtype=np.float64).copy() if own else shared[i].copy() for i, own in enumerate(personal)]
        for p in client_params
    ]
