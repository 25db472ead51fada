"""``secagg``: server and per-client cost of secure aggregation with 10% dropout, SecAgg (every pair
of clients masks) against SecAgg+ (logarithmic neighbourhoods), with growth exponents fitted from the
measurements (server seconds ~ n^exponent)."""

from __future__ import annotations

import time

import numpy as np
from tqdm.auto import tqdm

from benchmarks.harness import Record
from ppml_lab.secagg import Client, SecureAggregationServer, secagg_plus_neighbors

VECTOR = 100


def _measure(n: int, plus: bool) -> tuple[float, float, float, float]:
    k = secagg_plus_neighbors(n) if plus else None
    server = SecureAggregationServer(n, threshold=((k or n - 1) // 2) + 1, neighbors=k)
    clients = [Client(i, np.zeros(VECTOR, dtype=np.uint64), 32) for i in range(n)]
    start = time.perf_counter()
    result = server.aggregate(clients, drop_after_masking=0.1, drop_seed=0)
    return time.perf_counter() - start, result.server_seconds, result.client_seconds, result.bytes_per_client


def _exponent(ns, seconds) -> float:
    return float(np.polyfit(np.log(ns), np.log(seconds), 1)[0])


def run(fast: bool = False) -> list[Record]:
    full_ns = [20, 40, 80] if fast else [50, 100, 200]
    plus_ns = [20, 40, 80] if fast else [50, 100, 200, 500]
    records = []
    full = {n: _measure(n, False) for n in tqdm(full_ns, desc="SecAgg")}
    plus = {n: _measure(n, True) for n in tqdm(plus_ns, desc="SecAgg+")}
    for n in plus_ns:
        wall, server, client, nbytes = plus[n]
        base = full.get(n)
        records.append(
            Record(
                f"SecAgg+ n={n}: server seconds (vs SecAgg)", server, "s", baseline=base[1] if base else None
            )
        )
        records.append(
            Record(
                f"SecAgg+ n={n}: bytes sent per client (vs SecAgg)",
                nbytes,
                "bytes",
                baseline=base[3] if base else None,
            )
        )
        records.append(Record(f"SecAgg+ n={n}: client seconds", client, "s"))
    exp_full = _exponent(full_ns, [full[n][1] for n in full_ns])
    exp_plus = _exponent(plus_ns, [plus[n][1] for n in plus_ns])
    records.append(
        Record(
            "SecAgg+ server growth exponent (vs SecAgg's)",
            exp_plus,
            "n^x",
            baseline=exp_full,
            note="least-squares slope of log(server seconds) on log(n)",
        )
    )
    records.append(Record("SecAgg+ server growth exponent", exp_plus, "n^x", target="value <= 1.3"))
    largest = max(plus_ns)
    records.append(
        Record(f"SecAgg+ with {largest} clients, whole protocol", plus[largest][0], "s", target="value <= 30")
    )
    return records
