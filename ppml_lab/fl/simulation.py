"""Run a federation in one process: the server's rounds with clients called directly.

:class:`InProcessTransport` plays the network. Besides calling each client it models what a
production federation meets: clients that drop out (``dropout_rate``), stragglers that answer
late (``straggler_rate`` adds ``straggler_delay`` seconds, and a ``round_timeout`` drops whoever
is later than that), and corrupted updates (``attackers``) for the robustness lessons. The clients
run one after another here; ``timing["parallel_seconds"]`` estimates the round on a network where
they train at the same time (the slowest client that made the deadline).
"""

from __future__ import annotations

import time

import numpy as np

from ppml_lab._checks import check_choice, check_float, check_probability
from ppml_lab.fl.client import TorchClient
from ppml_lab.fl.parameters import FitRes, Parameters, get_parameters
from ppml_lab.fl.server import History, Server

ATTACKS = ("sign_flip", "scale")


class InProcessTransport:
    """Reach ``clients`` (a list, indexed by client id) by calling them, with simulated failures."""

    def __init__(
        self,
        clients: list[TorchClient],
        *,
        dropout_rate: float = 0.0,
        straggler_rate: float = 0.0,
        straggler_delay: float = 5.0,
        attackers: dict[int, str] | None = None,
        seed: int = 0,
    ) -> None:
        if not clients:
            raise ValueError("clients must not be empty")
        self.clients = clients
        self.dropout_rate = check_probability("dropout_rate", dropout_rate, open_high=True)
        self.straggler_rate = check_probability("straggler_rate", straggler_rate)
        self.straggler_delay = check_float("straggler_delay", straggler_delay, minimum=0.0)
        self.attackers = dict(attackers or {})
        for cid, mode in self.attackers.items():
            check_choice("attackers", mode, ATTACKS)
            if not 0 <= cid < len(clients):
                raise ValueError(f"attackers names client {cid}, but there are {len(clients)} clients")
        self.rng = np.random.default_rng([seed, 1])  # independent of the server's sampling
        self.last_timing: dict = {}

    @property
    def n_clients(self) -> int:
        return len(self.clients)

    def _corrupt(self, mode: str, sent: Parameters, new: Parameters) -> Parameters:
        if mode == "sign_flip":  # push the model the other way, five times as hard
            return [s - 5.0 * (n - s) for s, n in zip(sent, new, strict=True)]
        return [s + 20.0 * (n - s) for s, n in zip(sent, new, strict=True)]  # "scale": boost the update

    def fit(self, instructions: list[tuple[int, Parameters, dict]], timeout: float | None) -> list[FitRes]:
        results, seconds = [], []
        dropped = late = 0
        for cid, params, config in instructions:
            if self.dropout_rate and self.rng.random() < self.dropout_rate:
                dropped += 1
                continue
            start = time.perf_counter()
            new, n, metrics = self.clients[cid].fit(params, config)
            elapsed = time.perf_counter() - start
            if self.straggler_rate and self.rng.random() < self.straggler_rate:
                elapsed += self.straggler_delay
            if timeout is not None and elapsed > timeout:
                late += 1
                continue
            seconds.append(elapsed)
            if cid in self.attackers:
                new = self._corrupt(self.attackers[cid], params, new)
            results.append(FitRes(new, n, cid, metrics))
        self.last_timing = {
            "client_seconds": seconds,
            "parallel_seconds": max(seconds, default=0.0),
            "dropped": dropped,
            "stragglers": late,
        }
        return results

    def evaluate(self, instructions, timeout):
        return [(cid, *self.clients[cid].evaluate(params, config)) for cid, params, config in instructions]


def run_simulation(
    clients: list[TorchClient],
    strategy,
    num_rounds: int,
    *,
    seed: int = 0,
    initial_parameters: Parameters | None = None,
    dropout_rate: float = 0.0,
    straggler_rate: float = 0.0,
    straggler_delay: float = 5.0,
    round_timeout: float | None = None,
    attackers: dict[int, str] | None = None,
    evaluate_every: int = 1,
    progress: bool = False,
) -> tuple[Parameters, History]:
    """Train ``clients`` with ``strategy`` for ``num_rounds``; returns the final global model and history.

    ``seed`` fixes which clients are sampled and which fail; ``initial_parameters`` defaults to
    the first client's freshly built model. See :class:`InProcessTransport` for the failure model
    and :class:`ppml_lab.fl.server.History` for what is recorded.
    """
    transport = InProcessTransport(
        clients,
        dropout_rate=dropout_rate,
        straggler_rate=straggler_rate,
        straggler_delay=straggler_delay,
        attackers=attackers,
        seed=seed,
    )
    server = Server(transport, strategy, seed=seed, round_timeout=round_timeout, evaluate_every=evaluate_every)
    params = initial_parameters if initial_parameters is not None else get_parameters(clients[0].model)
    return server.run(num_rounds, params, progress=progress)
