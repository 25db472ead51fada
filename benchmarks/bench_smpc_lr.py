"""``smpc_lr``: secure logistic regression between two processes on loopback against plaintext NumPy.

Figures: the slowdown of secure training (two OS processes over TCP, online phase) against the same
training in plaintext NumPy, measured in the same run; rounds and bytes per iteration beside the
protocol's design; the projected time of the online phase on a 10 ms / 100 Mbit/s WAN; and the
throughput of a Beaver matrix product against a plaintext one.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.harness import Record, best_of
from ppml_lab import datasets as ds
from ppml_lab.smpc import ROUNDS_PER_ITERATION, WAN, MPCSession, train_plaintext_poly_lr
from ppml_lab.smpc.network import run_secure_lr_two_processes


def run(fast: bool = False) -> list[Record]:
    n_a, n_b, iters = (2000, 1500, 5) if fast else (20_000, 15_000, 20)
    banks = ds.bank_transactions(n_a=n_a, n_b=n_b, seed=0)
    (Xa, ya, _), (Xb, yb, _) = (
        ds.fraud_design_matrix(banks["bank_a"]),
        ds.fraud_design_matrix(banks["bank_b"]),
    )
    mu, sd = np.vstack([Xa, Xb]).mean(0), np.vstack([Xa, Xb]).std(0)
    Xa = np.hstack([(Xa - mu) / sd, np.ones((len(Xa), 1))])
    Xb = np.hstack([(Xb - mu) / sd, np.ones((len(Xb), 1))])
    X, y = np.vstack([Xa, Xb]), np.r_[ya, yb]
    plain = best_of(lambda: train_plaintext_poly_lr(X, y, 1.0, iters), repeat=3)
    start = time.perf_counter()
    w, parties = run_secure_lr_two_processes([(Xa, ya), (Xb, yb)], n_iterations=iters, timeout=120)
    wall = time.perf_counter() - start
    online = max(p.seconds for p in parties)
    acc_secure = float(((X @ w > 0) == y).mean())
    acc_plain = float(((X @ train_plaintext_poly_lr(X, y, 1.0, iters) > 0) == y).mean())
    p0 = parties[0]
    rounds_per_iter = (p0.rounds["online"] - 1) / iters
    n, d = X.shape
    # per iteration each party sends: X@w opens (n*d + d), two elementwise opens (2 * 2n), X^T@e opens (d*n + n)
    design_bytes = 8 * ((n * d + d) + 4 * n + (d * n + n))
    bytes_per_iter = p0.bytes_sent["online"] / iters
    wan = WAN.seconds(p0.rounds["online"], p0.bytes_sent["online"])
    records = [
        Record(
            f"secure LR, 2 processes, {n} rows x {d}, {iters} iterations, party run time (vs plaintext NumPy)",
            online,
            "s",
            baseline=plain,
            target="ratio <= 50",
            note=f"input sharing + online phase per party; wall time with process start-up {wall:.1f} s",
        ),
        Record(
            "rounds per iteration (baseline: protocol design)",
            rounds_per_iter,
            "rounds",
            baseline=ROUNDS_PER_ITERATION,
        ),
        Record(
            "bytes sent per party per iteration (baseline: design)",
            bytes_per_iter,
            "bytes",
            baseline=design_bytes,
            note="np.save headers add a few hundred bytes per message",
        ),
        Record(
            "online communication projected on a 10 ms / 100 Mbit/s WAN (vs measured loopback run time)",
            wan,
            "s",
            baseline=online,
        ),
        Record(
            "accuracy, secure (vs plaintext with the same sigmoid)",
            acc_secure,
            "fraction",
            baseline=acc_plain,
        ),
    ]
    session = MPCSession()
    A, B = np.random.default_rng(0).normal(size=(512, 64)), np.random.default_rng(1).normal(size=(64, 64))
    SA, SB = session.share(A), session.share(B)
    secure_mm = best_of(lambda: SA @ SB, repeat=3)
    plain_mm = best_of(lambda: A @ B, repeat=10)
    records.append(
        Record(
            "Beaver matmul 512x64 @ 64x64, in-process (vs plaintext float matmul)",
            secure_mm,
            "s",
            baseline=plain_mm,
            note="dealer triple generation included",
        )
    )
    return records
