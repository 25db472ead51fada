"""Run a federation in one process: rounds of client sampling, local training and aggregation.

Records for every round what a production deployment cares about: wall time, bytes exchanged,
the evaluated loss and accuracy (mean and per client), and the time to reach a target accuracy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from ppml_lab._checks import check_int, check_probability
from ppml_lab.fl.client import TorchClient
from ppml_lab.fl.parameters import Parameters, get_parameters, nbytes


@dataclass
class History:
    """Per-round metrics of a simulation."""

    rounds: list[dict] = field(default_factory=list)

    def metric(self, name: str) -> list:
        return [r[name] for r in self.rounds]

    def time_to_accuracy(self, target: float) -> float | None:
        """Seconds of training until the mean client accuracy first reaches ``target`` (None if never)."""
        elapsed = 0.0
        for r in self.rounds:
            elapsed += r["seconds"]
            if r["accuracy"] >= target:
                return elapsed
        return None


def run_simulation(
    clients: list[TorchClient],
    strategy,
    num_rounds: int,
    *,
    seed: int = 0,
    dropout_rate: float = 0.0,
    initial_parameters: Parameters | None = None,
    attackers: dict[int, str] | None = None,
    progress: bool = False,
) -> tuple[Parameters, History]:
    """Train for ``num_rounds``; returns the final global parameters and the history.

    ``dropout_rate``: probability that a selected client fails to report in a round (stragglers and
    dropped clients). ``attackers``: client index -> "sign_flip" or "scale" (for robustness tests:
    the client reports a corrupted model).
    """
    num_rounds = check_int("num_rounds", num_rounds, minimum=1)
    dropout_rate = check_probability("dropout_rate", dropout_rate, open_high=True)
    if not clients:
        raise ValueError("clients must not be empty")
    rng = np.random.default_rng(seed)
    params = initial_parameters if initial_parameters is not None else get_parameters(clients[0].model)
    history = History()
    for rnd in tqdm(range(1, num_rounds + 1), desc="federated rounds", disable=not progress):
        start = time.perf_counter()
        sent = received = 0
        results = []
        for cid, config in strategy.configure_fit(rnd, len(clients), rng):
            sent += nbytes(params)
            if rng.random() < dropout_rate:
                continue
            new, n, _ = clients[cid].fit([p.copy() for p in params], config)
            mode = (attackers or {}).get(cid)
            if mode == "sign_flip":
                new = [p - 5.0 * (q - p) for p, q in zip(params, new, strict=True)]
            elif mode == "scale":
                new = [p + 20.0 * (q - p) for p, q in zip(params, new, strict=True)]
            received += nbytes(new)
            results.append((new, n))
        params = strategy.aggregate_fit(rnd, params, results)
        seconds = time.perf_counter() - start
        evals = [c.evaluate([p.copy() for p in params]) for c in clients]
        summary = strategy.aggregate_evaluate(evals)
        history.rounds.append(
            {
                "round": rnd,
                "seconds": seconds,
                "bytes_sent": sent,
                "bytes_received": received,
                "clients_reporting": len(results),
                "loss": summary["loss"],
                "accuracy": summary["accuracy"],
                "client_accuracy": [m["accuracy"] for _, _, m in evals],
            }
        )
    return params, history
