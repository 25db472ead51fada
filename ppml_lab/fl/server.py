"""The server: rounds of configure -> fit -> aggregate -> evaluate, whatever carries the messages.

The server reaches clients through a *transport*, a small object with

* ``n_clients: int``
* ``fit(instructions, timeout) -> list[FitRes]`` where ``instructions`` is a list of
  ``(cid, parameters, config)``; clients that fail or miss the ``timeout`` (seconds, ``None`` =
  wait for all) are simply absent from the answer;
* ``evaluate(instructions, timeout) -> list[(cid, loss, num_examples, metrics)]``;
* ``last_timing: dict`` describing the latest phase (where the time went).

:class:`ppml_lab.fl.simulation.InProcessTransport` calls client objects in this process;
:class:`ppml_lab.fl.flower.GridTransport` sends Flower messages to SuperNodes. Strategies and the
:class:`History` of a run are the same for both, which is what makes a simulation a faithful
rehearsal of a deployment.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from ppml_lab._checks import check_float, check_int
from ppml_lab.fl.parameters import FitRes, Parameters, nbytes


@dataclass
class History:
    """Per-round metrics of a federated run: latency, bytes, accuracy (mean and per client).

    Each entry of ``rounds`` has ``round``, ``seconds`` (fit phase + aggregation), ``eval_seconds``,
    ``bytes_sent`` / ``bytes_received`` (model payloads of the fit phase), ``clients_selected``,
    ``clients_reporting``, and after an evaluation ``loss``, ``accuracy`` (weighted mean over
    clients) and ``client_accuracy`` (one per client, in client order); ``timing`` holds the
    transport's breakdown of the fit phase.
    """

    rounds: list[dict] = field(default_factory=list)
    setup_seconds: float = 0.0

    def metric(self, name: str) -> list:
        """One metric over rounds (``None`` where the round was not evaluated)."""
        return [r.get(name) for r in self.rounds]

    def time_to_accuracy(self, target: float) -> float | None:
        """Seconds of training (fit phases) until the mean client accuracy first reaches ``target``."""
        elapsed = 0.0
        for r in self.rounds:
            elapsed += r["seconds"]
            if r.get("accuracy") is not None and r["accuracy"] >= target:
                return elapsed
        return None

    def mean_round_seconds(self) -> float:
        return float(np.mean([r["seconds"] for r in self.rounds])) if self.rounds else math.nan

    def to_json(self) -> str:
        return json.dumps({"setup_seconds": self.setup_seconds, "rounds": self.rounds}, default=float)

    @classmethod
    def from_json(cls, text: str) -> History:
        data = json.loads(text)
        return cls(rounds=data["rounds"], setup_seconds=data.get("setup_seconds", 0.0))


class Server:
    """Runs a strategy over a transport for a number of rounds.

    ``seed`` drives client sampling only (so a simulation and a deployment sample the same
    clients); ``round_timeout`` (seconds) drops stragglers; the clients evaluate the new model
    every ``evaluate_every`` rounds and after the last one.
    """

    def __init__(
        self,
        transport,
        strategy,
        *,
        seed: int = 0,
        round_timeout: float | None = None,
        evaluate_every: int = 1,
    ) -> None:
        self.transport = transport
        self.strategy = strategy
        self.rng = np.random.default_rng(check_int("seed", seed, minimum=0))
        self.round_timeout = (
            None if round_timeout is None else check_float("round_timeout", round_timeout, minimum=0.0)
        )
        self.evaluate_every = check_int("evaluate_every", evaluate_every, minimum=1)

    def fit_round(self, server_round: int, parameters: Parameters) -> tuple[Parameters, dict]:
        """One round of training: sample, send, collect, aggregate. Returns the new model and metrics."""
        start = time.perf_counter()
        plan = self.strategy.configure_fit(server_round, self.transport.n_clients, self.rng)
        instructions = [
            (cid, [p.copy() for p in self.strategy.client_parameters(cid, parameters)], config)
            for cid, config in plan
        ]
        results: list[FitRes] = sorted(self.transport.fit(instructions, self.round_timeout), key=lambda r: r.cid)
        new = self.strategy.aggregate_fit(server_round, parameters, results)
        return new, {
            "round": server_round,
            "seconds": time.perf_counter() - start,
            "bytes_sent": int(sum(nbytes(p) for _, p, _ in instructions)),
            "bytes_received": int(sum(nbytes(r[0]) for r in results)),
            "clients_selected": len(instructions),
            "clients_reporting": len(results),
            "timing": dict(getattr(self.transport, "last_timing", {})),
        }

    def evaluate_round(self, parameters: Parameters) -> dict:
        """Every client evaluates the model it would receive; mean and per-client accuracy."""
        start = time.perf_counter()
        n = self.transport.n_clients
        instructions = [(c, [p.copy() for p in self.strategy.client_parameters(c, parameters)], {}) for c in range(n)]
        answers = self.transport.evaluate(instructions, self.round_timeout)
        per_client = [math.nan] * n
        for cid, _, _, metrics in answers:
            per_client[cid] = float(metrics["accuracy"])
        out: dict = {
            "eval_seconds": time.perf_counter() - start,
            "client_accuracy": per_client,
            "eval_timing": dict(getattr(self.transport, "last_timing", {})),
        }
        if answers:
            out.update(self.strategy.aggregate_evaluate([(loss, k, m) for _, loss, k, m in answers]))
        else:
            out.update(loss=None, accuracy=None)
        return out

    def run(
        self, num_rounds: int, initial_parameters: Parameters, *, progress: bool = False
    ) -> tuple[Parameters, History]:
        """Train for ``num_rounds``; returns the final global parameters and the history."""
        num_rounds = check_int("num_rounds", num_rounds, minimum=1)
        params = [np.array(p, copy=True) for p in initial_parameters]
        history = History()
        for rnd in tqdm(range(1, num_rounds + 1), desc="federated rounds", disable=not progress):
            params, row = self.fit_round(rnd, params)
            if rnd % self.evaluate_every == 0 or rnd == num_rounds:
                row.update(self.evaluate_round(params))
            history.rounds.append(row)
        return params, history
