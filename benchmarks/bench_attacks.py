"""``attacks``: membership inference against an overfit, a regularized and DP-SGD models; inversion; audit.

Membership: for each target (trained on a random half of 1,000 records, 16 shadows), the AUC and
the TPR at 1% FPR of the loss-threshold, shadow-model and offline LiRA attacks. Baselines are what
guessing achieves (AUC 0.5, TPR 1% at 1% FPR), so the ratio reads "times better than a coin".
Gradient inversion: the MSE of a reconstructed MRI slice, undefended and defended, against the MSE
of guessing the average slice. Audit: DP-SGD's empirical epsilon lower bound against its claim
(a ratio above 1 means the claim is false).
"""

from __future__ import annotations

import numpy as np
import torch

from benchmarks.harness import Record
from ppml_lab import datasets as ds
from ppml_lab.attacks import (
    DPSGDRecipe,
    InversionCNN,
    MLPRecipe,
    audit_dp_sgd,
    clip_and_noise,
    invert_gradient,
    membership_population,
    play_membership_game,
    reconstruction_mse,
    run_attacks,
    secure_sum,
    shared_gradient,
)

ATTACK_NAMES = {"loss": "loss threshold", "shadow": "shadow models", "lira": "LiRA offline"}


def _membership_records(fast: bool) -> list[Record]:
    n, shadows = (400, 4) if fast else (1000, 16)
    X, y = membership_population(n, seed=0)
    targets = [
        ("overfit MLP", MLPRecipe()),
        ("regularized MLP", MLPRecipe(weight_decay=0.02)),
    ]
    targets += [
        (f"DP-SGD eps={e:g}", DPSGDRecipe(epsilon=e, noise_seed=0))
        for e in ((1.0, 16.0) if fast else (1.0, 4.0, 16.0))
    ]
    records = []
    for label, recipe in targets:
        game = play_membership_game(X, y, recipe, n_shadows=shadows, seed=0)
        train_acc, test_acc = game.target_accuracy()
        results = run_attacks(game, ("loss", "shadow", "lira"))
        note = f"train/test accuracy {train_acc:.2f}/{test_acc:.2f}; {n // 2} members, {shadows} shadows"
        for key, result in results.items():
            auc_target = None  # the fast run's 200 members are too few for a target
            if fast:
                pass
            elif key == "loss" and label == "overfit MLP":
                auc_target = "value >= 0.7"
            elif key == "loss" and label == "DP-SGD eps=1":
                auc_target = "value <= 0.56"
            records.append(
                Record(
                    f"{label}: {ATTACK_NAMES[key]} AUC",
                    result.auc,
                    "AUC",
                    baseline=0.5,
                    target=auc_target,
                    note=note,
                )
            )
            records.append(
                Record(
                    f"{label}: {ATTACK_NAMES[key]} TPR at 1% FPR", result.tpr_at(0.01), "TPR", baseline=0.01
                )
            )
    return records


def _inversion_records(fast: bool) -> list[Record]:
    images, labels = ds.mri_centralized(ds.mri_scans(2, 20, 32, seed=0))
    torch.manual_seed(0)
    model = InversionCNN(32)
    guess = float(np.mean([reconstruction_mse(images.mean(axis=0), x) for x in images[:8]]))
    grads = shared_gradient(model, images[0], labels[0])
    iterations = 100 if fast else 300
    cases = [
        ("undefended", grads, "l2", "value <= 0.002"),
        ("clipped only (cosine attack)", clip_and_noise(grads, 0.5, 0.0), "cosine", "value <= 0.002"),
        ("clip + noise z=0.1", clip_and_noise(grads, 1.0, 0.1, seed=1), "cosine", "value >= 0.05"),
        ("clip + noise z=1", clip_and_noise(grads, 1.0, 1.0, seed=1), "cosine", "value >= 0.05"),
    ]
    records = []
    for label, shared, distance, target in cases:
        result = invert_gradient(model, shared, (1, 32, 32), distance=distance, iterations=iterations)
        records.append(
            Record(
                f"inversion MSE, {label}",
                reconstruction_mse(result.image, images[0]),
                "MSE",
                baseline=guess,
                target=target,
                note="baseline: MSE of guessing the average slice",
            )
        )
    total = secure_sum([shared_gradient(model, images[i], labels[i]) for i in range(8)])
    result = invert_gradient(model, total, (1, 32, 32), distance="cosine", iterations=iterations)
    closest = min(reconstruction_mse(result.image, images[i]) for i in range(8))
    average = min(reconstruction_mse(images[:8].mean(axis=0), images[i]) for i in range(8))
    records.append(
        Record(
            "inversion MSE to the closest client, secure sum of 8",
            closest,
            "MSE",
            baseline=average,
            target="ratio >= 0.8",
            note="baseline: the 8 clients' average slice against the closest client",
        )
    )
    return records


def _audit_records(fast: bool) -> list[Record]:
    n_trials = 1000 if fast else 4000
    records = []
    for claim in (1.0, 2.0, 4.0, 8.0):
        result = audit_dp_sgd(claim, n_trials=n_trials, seed=0)
        records.append(
            Record(
                f"audit: DP-SGD lower bound at claimed eps={claim:g}",
                result.epsilon_lower_bound,
                "eps",
                baseline=claim,
                target="ratio <= 1",
                note=f"{n_trials} trials, 95% Clopper-Pearson",
            )
        )
    for mistake in ("forgot_noise", "clip_after_noise"):
        result = audit_dp_sgd(2.0, trainer=mistake, n_trials=n_trials, seed=0)
        records.append(
            Record(
                f"audit: broken DP-SGD ({mistake}) at claimed eps=2",
                result.epsilon_lower_bound,
                "eps",
                baseline=2.0,
                target="ratio > 1",
                note="a ratio above 1 proves the claim false",
            )
        )
    return records


def run(fast: bool = False) -> list[Record]:
    return _membership_records(fast) + _inversion_records(fast) + _audit_records(fast)
