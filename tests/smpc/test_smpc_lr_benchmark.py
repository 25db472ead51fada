"""The ``smpc_lr`` benchmark's records, with the two-process run and CrypTen replaced by fakes (no
timing is read): the byte minimum is the library's, and CrypTen's accuracy has a target."""

from __future__ import annotations

import numpy as np
import pytest

import ppml_lab.smpc._crypten_compat as crypten_compat
from benchmarks import bench_smpc_lr
from ppml_lab.smpc import protocol_minimum_bytes, train_plaintext_poly_lr
from ppml_lab.smpc.network import PartyResult


def _run(monkeypatch, crypten_weights):
    """``bench_smpc_lr.run(fast=True)`` with our secure run = plaintext weights, and CrypTen's weights
    given by ``crypten_weights(w_plain)``."""

    def fake_secure(parts, iters):
        X, y = np.vstack([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        w = train_plaintext_poly_lr(X, y, 1.0, iters)
        n, d = X.shape
        report = PartyResult(0, w, {}, {}, 1.0, training_rounds=8 * iters,
                             training_bytes=iters * protocol_minimum_bytes(n, d), offline_bytes=0)
        return w, report, 0.01

    def fake_crypten(X, y, iters, learning_rate=1.0):
        return 0.5, crypten_weights(train_plaintext_poly_lr(X, y, 1.0, iters))

    monkeypatch.setattr(bench_smpc_lr, "_secure", fake_secure)
    monkeypatch.setattr(crypten_compat, "crypten_lr_seconds_per_iteration", fake_crypten)
    return {r.figure: r for r in bench_smpc_lr.run(fast=True)}


def _crypten_accuracy(records):
    (gap,) = [r for f, r in records.items() if "CrypTen" in f and "accuracy" in f]
    return gap


def test_crypten_accuracy_gap_has_a_one_point_target(monkeypatch):
    same = _crypten_accuracy(_run(monkeypatch, lambda w: w))
    assert same.target == "value <= 1" and same.unit == "points"
    assert same.value == pytest.approx(0.0) and same.met is True
    flipped = _crypten_accuracy(_run(monkeypatch, lambda w: -w))  # a model that predicts the opposite
    assert flipped.value > 1 and flipped.met is False


def test_bytes_per_iteration_are_compared_with_the_protocol_minimum(monkeypatch):
    records = _run(monkeypatch, lambda w: w)
    (bytes_record,) = [r for f, r in records.items() if f.startswith("bytes sent per party per iteration")]
    n, d = 3500, 7
    assert bench_smpc_lr.minimum_bytes_per_iteration(n, d) == protocol_minimum_bytes(n, d) == 8 * (6 * n + 2 * d)
    assert bytes_record.baseline == protocol_minimum_bytes(n, d) and bytes_record.ratio == pytest.approx(1.0)
    assert "8 (6n + 2d)" in bytes_record.note
