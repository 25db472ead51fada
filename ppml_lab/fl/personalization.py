"""Personalization: one global model is a compromise when hospitals differ; let each adapt it.

Two remedies for non-IID clients, both client-side, so they work with any strategy:

* **Personalization layers (FedPer, Arivazhagan et al. 2019)**: build the clients with
  ``TorchClient(..., personal_layers=("head",))``. The body is federated; each hospital's head
  stays at home and is never overwritten by the server. Evaluate with the usual
  ``client.evaluate(global_parameters)``: the client plugs in its own head.
* **Local fine-tuning**: after federated training, each hospital trains the global model a few
  epochs on its own data (:func:`fine_tune_accuracy`).
"""

from __future__ import annotations

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
