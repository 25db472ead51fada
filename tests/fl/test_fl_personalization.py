"""Personalization layers (FedPer) and clustered FL on clients whose tasks conflict.

Two groups of clients see the same inputs with opposite labels: no single model serves both, so
FedAvg stays near chance on average, while a personal head (FedPer) or one model per group
(clustered FL) serves each client well. Fixed seeds; a stated margin of 25 points over FedAvg.
"""

from __future__ import annotations

import numpy as np
import torch

from ppml_lab.fl import ClusteredFedAvg, FedAvg, TorchClient, get_parameters, run_simulation

D = 6


def _model():
    return torch.nn.Sequential(torch.nn.Linear(D, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))


def _clients(personal_layers=()):
    rng = np.random.default_rng(0)
    w = rng.normal(size=D)
    clients = []
    for i in range(6):
        X = rng.normal(size=(120, D)).astype(np.float32)
        y = (X @ w > 0).astype(int)
        if i % 2:  # odd clients: the opposite convention
            y = 1 - y
        clients.append(
            TorchClient(f"c{i}", _model, X[:80], y[:80], X_test=X[80:], y_test=y[80:], lr=0.1,
                        batch_size=16, seed=i, personal_layers=personal_layers)
        )
    return clients


def _per_client_accuracy(strategy, personal_layers=()):
    torch.manual_seed(0)
    init = get_parameters(_model())
    clients = _clients(personal_layers)
    _, history = run_simulation(clients, strategy, 8, initial_parameters=init)
    return np.array(history.rounds[-1]["client_accuracy"]), strategy


def test_conflicting_clients_defeat_fedavg_but_not_personal_heads_or_clusters():
    fedavg, _ = _per_client_accuracy(FedAvg(local_epochs=2))
    fedper, _ = _per_client_accuracy(FedAvg(local_epochs=2), personal_layers=("2.",))
    clustered, strategy = _per_client_accuracy(ClusteredFedAvg(n_clusters=2, cluster_round=1, local_epochs=2))
    assert fedavg.mean() < 0.7, fedavg
    assert fedper.mean() > fedavg.mean() + 0.25 and fedper.min() > 0.8, fedper
    assert clustered.mean() > fedavg.mean() + 0.25 and clustered.min() > 0.8, clustered
    # the clusters found are exactly the two label conventions
    groups = [strategy.clusters[i] for i in range(6)]
    assert groups[0::2] == [groups[0]] * 3 and groups[1::2] == [groups[1]] * 3 and groups[0] != groups[1]


def test_personal_layers_never_leave_the_client_view():
    clients = _clients(personal_layers=("2.",))
    c = clients[0]
    before = c.personal_parameters()
    torch.manual_seed(1)
    foreign = get_parameters(_model())
    c.evaluate(foreign)  # loading a global model keeps this client's head
    after = c.personal_parameters()
    assert set(before) == {"2.weight", "2.bias"}
    assert all(np.array_equal(before[k], after[k]) for k in before)
