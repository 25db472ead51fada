"""Secure aggregation plugged into a federated strategy gives the same model as plaintext FedAvg."""

import numpy as np
import torch

from ppml_lab import datasets as ds
from ppml_lab.fl import FedAvg, TorchClient, get_parameters, run_simulation
from ppml_lab.models import LogisticRegressionModel
from ppml_lab.secagg import SecureAggregator


def test_weighted_mean_matches_plaintext_within_quantization():
    rng = np.random.default_rng(0)
    updates = [
        [rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=4).astype(np.float32)] for _ in range(6)
    ]
    weights = [10, 20, 30, 40, 50, 60]
    plain = FedAvg().aggregator.aggregate(updates, weights)
    secure = SecureAggregator(clip=10.0).aggregate(updates, weights)
    for a, b in zip(plain, secure, strict=True):
        assert a.shape == b.shape and np.allclose(a, b, atol=1e-5)


def test_fedavg_with_secure_aggregation_equals_plaintext_fedavg():
    hospitals = ds.mri_scans(3, 30, 32, seed=1)
    model_fn = lambda: LogisticRegressionModel(32 * 32)  # noqa: E731
    torch.manual_seed(0)
    init = get_parameters(model_fn())
    finals = []
    for aggregator in (None, SecureAggregator()):
        clients = [
            TorchClient(h.name, model_fn, h.images.reshape(30, -1), h.labels, seed=i)
            for i, h in enumerate(hospitals)
        ]
        finals.append(run_simulation(clients, FedAvg(aggregator=aggregator), 2, initial_parameters=init)[0])
    for a, b in zip(*finals, strict=True):
        assert np.allclose(a, b, atol=1e-4)
