"""``he_inference``: 1,000 applicants encrypted, scored by a server and decrypted, against plaintext scoring."""

from __future__ import annotations

import numpy as np

from benchmarks.harness import Record, best_of
from ppml_lab import datasets as ds
from ppml_lab.he import KeyOwner, decrypt_probabilities, encrypt_columns, score_encrypted


def run(fast: bool = False) -> list[Record]:
    X, _, _ = ds.credit_risk_design_matrix(ds.credit_risk(1000, seed=0))
    w = np.random.default_rng(0).normal(0, 0.3, X.shape[1])
    plain = best_of(lambda: 1 / (1 + np.exp(-(X @ w + 0.1))), repeat=20)
    records = []
    for preset in ("n8192_depth2", "n4096_depth1"):
        owner = KeyOwner(preset)

        def round_trip(owner=owner):
            return decrypt_probabilities(owner, score_encrypted(encrypt_columns(owner, X), w, 0.1), len(X))

        seconds = best_of(round_trip, repeat=2 if fast else 5)
        error = float(np.abs(round_trip() - 1 / (1 + np.exp(-(X @ w + 0.1)))).max())
        records.append(
            Record(
                f"{preset}: 1,000 applicants encrypted, scored, decrypted (vs plaintext)",
                seconds,
                "s",
                baseline=plain,
                note=f"max probability error {error:.1e}",
            )
        )
        records.append(
            Record(
                f"{preset}: same, absolute",
                seconds,
                "s",
                target="value <= 0.25" if preset == "n8192_depth2" else None,
            )
        )
    return records
