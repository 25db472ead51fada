"""``he_lr``: encrypted logistic-regression training on the credit-risk data, per epoch.

Both trainers time each epoch themselves (``epoch_seconds_``: the refresh included, key generation
and the one-off encryption of the data excluded; setup is reported apart). The per-sample baseline
(one ciphertext per applicant) runs one epoch on a subsample, scaled linearly to all applicants (its
cost is exactly per applicant); the packed trainer runs on all applicants and its median epoch is
taken. Baseline and packed runs alternate, three rounds (one in fast mode), and the speed-up is the
median of the rounds' ratios. Accuracy: the packed model against plaintext training with the same
polynomial sigmoid and schedule.
"""

from __future__ import annotations

import statistics

from benchmarks.harness import Record
from ppml_lab import datasets as ds
from ppml_lab.he import PackedEncryptedLR, PerSampleEncryptedLR, train_plaintext_poly_lr
from ppml_lab.he.logistic import PackedLayout

TARGET_SPEEDUP = 100


def run(fast: bool = False) -> list[Record]:
    X, y, _ = ds.credit_risk_design_matrix(ds.credit_risk(1000, seed=0))
    Xtr, Xte, ytr, yte = ds.train_test_split_arrays(X, y, test_fraction=0.2, seed=0)
    n, d = Xtr.shape
    sub, epochs, rounds = (10, 2, 1) if fast else (40, 5, 3)
    per_sample, packed, ratios = [], [], []
    for _ in range(rounds):
        baseline = PerSampleEncryptedLR(epochs=1).fit(Xtr[:sub], ytr[:sub])
        per_sample.append(baseline.epoch_seconds_[0] / sub * n)
        model = PackedEncryptedLR(epochs=epochs).fit(Xtr, ytr)
        packed.append(statistics.median(model.epoch_seconds_))
        ratios.append(per_sample[-1] / packed[-1])
    speedup = statistics.median(ratios)
    packed_epoch, per_sample_epoch = statistics.median(packed), statistics.median(per_sample)
    layout, ops = model.layout_, model.operations_
    per_feature = PackedLayout(n, d + 1, layout.slots, layout.slots)  # one ciphertext per feature
    w, b = train_plaintext_poly_lr(Xtr, ytr, epochs=epochs)
    # accuracy over all 1,000 applicants (a 200-applicant test set moves in steps of half a point)
    plain_acc = float(((X @ w + b > 0) == y).mean())
    enc_acc = float((model.predict(X) == y).mean())
    return [
        Record(
            f"packed encrypted LR: speed-up per epoch over the per-sample baseline ({n} applicants x {d} features)",
            speedup,
            "x",
            baseline=1.0,
            target=f"ratio >= {TARGET_SPEEDUP}",
            note=f"median of {rounds} rounds' per-sample/packed epoch times: "
            + ", ".join(f"{r:.0f}x" for r in ratios),
        ),
        Record(
            f"packed encrypted LR: one epoch over {n} applicants (vs per-sample baseline)",
            packed_epoch,
            "s",
            baseline=per_sample_epoch,
            target=f"ratio <= {1 / TARGET_SPEEDUP:g}",
            note=f"medians over rounds; baseline timed on {sub} applicants and scaled to {n}",
        ),
        Record("per-sample baseline: one epoch", per_sample_epoch, "s", note=f"scaled from {sub} applicants"),
        Record(
            "packed encrypted LR: setup (keys, public context, encrypting the data once)",
            model.setup_seconds_,
            "s",
        ),
        Record(
            f"packed: rotations per epoch, blocks of {layout.block_rows} x {layout.block_columns} "
            "(vs one ciphertext per feature)",
            ops["rotations"],
            "rotations",
            baseline=per_feature.rotations_per_epoch,
            note=f"per epoch: {ops['ciphertext products']} ciphertext products, {ops['relinearizations']} "
            f"relinearizations, {ops['encryptions']} encryptions and {ops['decryptions']} decryptions "
            "by the key owner (the refresh)",
        ),
        Record(
            f"packed encrypted LR accuracy on all 1,000 applicants after {epochs} epochs (vs plaintext, same sigmoid)",
            enc_acc,
            "fraction",
            baseline=plain_acc,
        ),
        Record(
            "accuracy gap, packed minus plaintext",
            abs(enc_acc - plain_acc),
            "fraction",
            target="value <= 0.01",
        ),
    ]
