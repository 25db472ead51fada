"""``dp_sgd``: one epoch of non-private SGD, Opacus DP-SGD and ours, on the MLP and the small CNN.

Times are the best of a few epochs after a warm-up epoch, measured in the same run; the ratios
are against non-private training of the same model, and ours against Opacus as throughput
(Opacus time / our time, so above 1 means ours is faster). Also: what ``secure_mode`` (noise
and sampling from ``os.urandom``, four Gaussians per value) costs against our default mode, and
the accountant's time for 10,000 steps.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from benchmarks.harness import Record
from ppml_lab import datasets as ds
from ppml_lab.dp import RDPAccountant, train_dp_sgd
from ppml_lab.models import MLP, SmallCNN


def _epoch_seconds(make_model, X, y, engine: str, batch_size: int, repeats: int, secure: bool = False) -> float:
    times = []
    for r in range(repeats + 1):  # the first run warms up caches and threads
        res = train_dp_sgd(
            make_model(),
            X,
            y,
            engine=engine,
            noise_multiplier=1.0,
            max_grad_norm=1.0,
            batch_size=batch_size,
            epochs=1,
            lr=0.1,
            seed=r,
            noise_seed=None if secure else r,
            secure_mode=secure,
        )
        if r:
            times.append(res.history[0]["seconds"])
    return min(times)


def _model_records(label, make_model, X, y, batch_size, repeats, target_vs_opacus) -> list[Record]:
    t = {e: _epoch_seconds(make_model, X, y, e, batch_size, repeats) for e in ("none", "opacus", "ours")}
    t["secure"] = _epoch_seconds(make_model, X, y, "ours", batch_size, repeats, secure=True)
    return [
        Record(f"{label}: ours secure_mode epoch (vs ours)", t["secure"], "s", baseline=t["ours"]),
        Record(f"{label}: Opacus epoch (vs non-private)", t["opacus"], "s", baseline=t["none"]),
        Record(f"{label}: ours epoch (vs non-private)", t["ours"], "s", baseline=t["none"]),
        Record(
            f"{label}: ours throughput vs Opacus",
            t["opacus"] / t["ours"],
            "x",
            baseline=1.0,
            target=f"ratio >= {target_vs_opacus}",
            note="Opacus epoch time / our epoch time",
        ),
    ]


def run(fast: bool = False) -> list[Record]:
    torch.set_num_threads(max(1, torch.get_num_threads()))
    repeats = 1 if fast else 3
    X, y, _ = ds.sensitive_design_matrix(ds.sensitive_tabular(2000 if fast else 20_000, seed=0))
    records = _model_records("MLP 20-64-2, batch 256", lambda: MLP(X.shape[1]), X, y, 256, repeats, 0.9)
    hospitals = ds.mri_scans(4, 50 if fast else 500, 32, seed=0)
    Xi, yi = ds.mri_centralized(hospitals)
    records += _model_records("SmallCNN 32x32, batch 64", lambda: SmallCNN(32), Xi, yi, 64, repeats, 1.0)
    start = time.perf_counter()
    acc = RDPAccountant()
    for _ in range(10_000):
        acc.step(noise_multiplier=1.1, sample_rate=float(np.float64(0.01)))
    acc.get_epsilon(1e-5)
    records.append(
        Record(
            "accountant: 10,000 steps recorded and converted",
            time.perf_counter() - start,
            "s",
            target="value <= 1.0",
        )
    )
    return records
