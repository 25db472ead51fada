"""``fl_mri``: a 10-hospital federation on MRI slices, against centralized training of the same
model for the same number of passes over the data, in the same run."""

from __future__ import annotations

import time

import torch

from benchmarks.harness import Record
from ppml_lab import datasets as ds
from ppml_lab.fl import FedAvg, FederationConfig, TorchClient, get_parameters, run_simulation
from ppml_lab.models import SmallCNN


def flower_latency(n_hospitals: int = 3, rounds: int = 2) -> list[Record]:
    """Per-round latency of the Flower deployment (real processes on loopback) beside the simulation."""
    from ppml_lab.fl.flower import run_deployment

    config = FederationConfig(n_hospitals=n_hospitals, n_per_hospital=40, num_rounds=rounds)
    result = run_deployment(config)
    start = time.perf_counter()
    _, sim = config.simulate()
    sim_total = time.perf_counter() - start
    flower_round = sum(r["seconds"] + (r.get("eval_seconds") or 0) for r in result.history.rounds) / rounds
    timing = [r["timing"] for r in result.history.rounds]
    startup = sum(t["spawn_wait"] + t["startup"] for t in timing) / rounds
    compute = sum(t["compute"] for t in timing) / rounds
    return [
        Record(
            f"Flower deployment, {n_hospitals} SuperNodes: seconds per round, fit + evaluate (vs simulation)",
            flower_round,
            "s",
            baseline=sim_total / rounds,
        ),
        Record(
            "  of which the fit phase waits for flwr-clientapp to start and import (vs its compute)",
            startup,
            "s",
            baseline=compute,
            note="a fresh process per message: start-up, not training, dominates a small model's round",
        ),
    ]


def run(fast: bool = False) -> list[Record]:
    n_hospitals, per, rounds = (10, 30, 5) if fast else (10, 100, 20)
    hospitals = ds.mri_scans(n_hospitals, per, 32, seed=0)
    torch.manual_seed(0)
    init = get_parameters(SmallCNN(32))
    clients = [
        TorchClient(h.name, lambda: SmallCNN(32), h.images, h.labels, lr=0.03, batch_size=8, seed=i)
        for i, h in enumerate(hospitals)
    ]
    # PyTorch imports its compiler stack when the first optimizer is built (seconds): pay that
    # once before either side is timed, so it does not land on whichever runs first.
    torch.optim.SGD(SmallCNN(32).parameters(), lr=0.1)
    start = time.perf_counter()
    _, history = run_simulation(clients, FedAvg(local_epochs=1), rounds, initial_parameters=init)
    federated = time.perf_counter() - start
    X, y = ds.mri_centralized(hospitals)
    central = TorchClient("all", lambda: SmallCNN(32), X, y, lr=0.03, batch_size=8, seed=0)
    start = time.perf_counter()
    params = init
    for _ in range(rounds):
        params, _, _ = central.fit(params, {"local_epochs": 1})
        central.evaluate(params)
    centralized = time.perf_counter() - start
    per_round = [r["seconds"] for r in history.rounds]
    flower = flower_latency()
    return [
        Record(
            f"{n_hospitals} hospitals x {rounds} rounds, simulation incl. per-round evaluation (vs centralized, "
            "same passes)",
            federated,
            "s",
            baseline=centralized,
            target="ratio <= 1.5",
        ),
        Record(
            "seconds per federated round (training and aggregation)", sum(per_round) / len(per_round), "s"
        ),
        Record(
            "bytes exchanged per round (all hospitals, both directions)",
            (history.rounds[-1]["bytes_sent"] + history.rounds[-1]["bytes_received"]),
            "bytes",
        ),
        Record(
            "final mean hospital accuracy (vs centralized)",
            history.rounds[-1]["accuracy"],
            "fraction",
            baseline=central.evaluate(params)[2]["accuracy"],
        ),
        *flower,
    ]
