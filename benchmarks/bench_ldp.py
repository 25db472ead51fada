"""``ldp``: mean squared error of each local-DP frequency oracle against its theoretical variance,
on the device-telemetry data (which feature each device uses most), at several epsilons."""

from __future__ import annotations

import numpy as np

from benchmarks.harness import Record
from ppml_lab import datasets as ds
from ppml_lab.dp.local import (
    KaryRandomizedResponse,
    OptimizedLocalHashing,
    OptimizedUnaryEncoding,
    SymmetricUnaryEncoding,
)


def run(fast: bool = False) -> list[Record]:
    df = ds.device_telemetry(n_users=5_000 if fast else 20_000, n_features=8, seed=0)
    values = df["primary_feature"].cat.codes.to_numpy().astype(np.int64)
    d, n = 8, len(values)
    truth = np.bincount(values, minlength=d) / n
    reps = 20 if fast else 100
    records = []
    for eps in (0.5, 1.0, 2.0, 4.0):
        for cls in (
            KaryRandomizedResponse,
            SymmetricUnaryEncoding,
            OptimizedUnaryEncoding,
            OptimizedLocalHashing,
        ):
            oracle = cls(eps, d)
            errors = [
                np.mean((oracle.estimate(oracle.privatize(values, rng=1000 + r)) - truth) ** 2)
                for r in range(reps)
            ]
            theory = float(oracle.variance(n, truth).mean())
            records.append(
                Record(
                    f"{cls.__name__} eps={eps}: MSE per value (vs theory)",
                    float(np.mean(errors)),
                    "fraction^2",
                    baseline=theory,
                    target="ratio <= 1.2",
                    note=f"{reps} repetitions, {n} devices, {d} values",
                )
            )
    return records
