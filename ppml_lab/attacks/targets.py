"""The models under attack: a population of records, and recipes that train target and shadow models.

A membership game needs many models trained the same way on different halves of the data (one
target, a few shadows), so a **recipe** trains a whole stack of them at once:
``recipe.train(X, y, masks, seed)`` takes a boolean matrix ``masks`` (one row per model: which
records it trains on) and returns every model's logits on every record, shape ``(K, N, C)``.

* :class:`MLPRecipe` — non-private MLPs trained full-batch with Adam. All ``K`` models are one
  stacked tensor program (the first layer is a single product with the shared input, sparse when
  the input is), so sixteen shadows cost little more than one; Adam works element by element, so
  each model trains exactly as it would alone. ``weight_decay=0`` and many steps give the
  deliberately overfit model; weight decay and fewer steps a regularized one.
* :class:`DPSGDRecipe` — each model trained by :func:`ppml_lab.dp.train_dp_sgd` (our DP-SGD) at a
  target epsilon, one after the other.

:func:`attack_design_matrix` adds the one-hot ZIP code to the DP-SGD lesson's features: 400
near-unique codes that carry no signal, exactly the kind of identifier-like column a model
memorizes (and an attacker exploits).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from ppml_lab import datasets as ds
from ppml_lab._checks import check_float, check_int
from ppml_lab.dp import get_noise_multiplier, train_dp_sgd
from ppml_lab.models import MLP


@contextmanager
def single_thread() -> Iterator[None]:
    """Run PyTorch on one thread inside the block (then restore the previous setting).

    The attack models are tiny: with several threads most of the time goes to synchronising them,
    and on a shared machine idle threads spin and slow everything around them.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def attack_design_matrix(df: pd.DataFrame, *, zip_one_hot: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` for the attack lesson: :func:`~ppml_lab.datasets.sensitive_design_matrix`'s 20
    features, plus (when ``zip_one_hot``) one column per ZIP code present in ``df``."""
    X, y, _ = ds.sensitive_design_matrix(df)
    if zip_one_hot:
        if "zip_code" not in df.columns:
            raise ValueError("df must have the column 'zip_code' when zip_one_hot is set")
        codes = pd.Categorical(df["zip_code"])
        X = np.hstack([X, np.eye(len(codes.categories))[codes.codes]])
    return X, y


def membership_population(
    n_samples: int = 1000, seed: int = 0, *, zip_one_hot: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """``n_samples`` records of :func:`~ppml_lab.datasets.sensitive_tabular` as ``(X, y)``: the candidates."""
    df = ds.sensitive_tabular(check_int("n_samples", n_samples, minimum=20), seed=seed)
    return attack_design_matrix(df, zip_one_hot=zip_one_hot)


def balanced_masks(n_models: int, n_samples: int, rng: np.random.Generator | int) -> np.ndarray:
    """``(n_models, n_samples)`` booleans: which records each model trains on, in complementary pairs.

    Models ``2j`` and ``2j + 1`` train on a random half of the records and on the other half, so
    with an even ``n_models`` every record is IN for exactly half the models (as many OUT models as
    IN models to fit, as LiRA wants) and every model trains on ``n_samples // 2`` or
    ``n_samples - n_samples // 2`` records (so one DP calibration serves them all). An odd last
    model gets a random half of its own.
    """
    k = check_int("n_models", n_models, minimum=1)
    n = check_int("n_samples", n_samples, minimum=2)
    rng = np.random.default_rng(rng)
    masks = np.zeros((k, n), dtype=bool)
    for j in range(0, k, 2):
        half = rng.permutation(n)[: n // 2]
        masks[j, half] = True
        if j + 1 < k:
            masks[j + 1] = ~masks[j]
    return masks


def _check_training_inputs(X, y, masks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    masks = np.asarray(masks)
    if X.ndim != 2 or y.shape != (len(X),):
        raise ValueError(f"X must be 2-D with one label in y per row, got X {X.shape} and y {y.shape}")
    if masks.ndim != 2 or masks.shape[1] != len(X) or masks.dtype != bool:
        raise ValueError(
            f"masks must be a boolean matrix with {len(X)} columns, got {masks.shape} {masks.dtype}"
        )
    if (masks.sum(axis=1) == 0).any():
        raise ValueError("masks must give every model at least one record")
    if not np.issubdtype(y.dtype, np.integer) or (y < 0).any():
        raise ValueError("y must hold class indices 0, 1, ...")
    return X, y.astype(np.int64), masks


@dataclass(frozen=True)
class MLPRecipe:
    """Non-private ``in -> hidden -> classes`` ReLU MLPs, full-batch Adam for ``steps`` steps.

    ``weight_decay`` is Adam's L2 penalty. Deterministic for a given ``seed``.
    """

    hidden: int = 32
    steps: int = 300
    lr: float = 0.01
    weight_decay: float = 0.0
    n_classes: int = 2

    def __post_init__(self) -> None:
        check_int("hidden", self.hidden, minimum=1)
        check_int("steps", self.steps, minimum=1)
        check_float("lr", self.lr, minimum=0.0, min_inclusive=False)
        check_float("weight_decay", self.weight_decay, minimum=0.0)
        check_int("n_classes", self.n_classes, minimum=2)

    @property
    def name(self) -> str:
        return f"MLP (hidden {self.hidden}, {self.steps} steps, weight decay {self.weight_decay:g})"

    def train(self, X, y, masks, seed: int = 0, progress: bool = False) -> np.ndarray:
        """Train one model per row of ``masks``; every model's logits on every record, ``(K, N, C)``."""
        X, y, masks = _check_training_inputs(X, y, masks)
        if y.max() >= self.n_classes:
            raise ValueError(f"y must hold class indices below n_classes={self.n_classes}, got {y.max()}")
        k, n = masks.shape
        d, h, c = X.shape[1], self.hidden, self.n_classes
        gen = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))

        def uniform(shape, fan_in):  # nn.Linear's default initialisation
            bound = 1.0 / math.sqrt(fan_in)
            return ((torch.rand(shape, generator=gen) * 2 - 1) * bound).requires_grad_()

        w1, b1 = uniform((d, k * h), d), uniform((k * h,), d)
        w2, b2 = uniform((k, h, c), h), uniform((k, 1, c), h)
        dense = torch.as_tensor(X, dtype=torch.float32)
        # one-hot columns make most inputs zero: a sparse product then costs a fraction of a dense one
        inputs = dense.to_sparse_coo() if (X != 0).mean() < 0.2 else dense
        labels = torch.as_tensor(y).expand(k, n).unsqueeze(-1)
        weights = torch.as_tensor(masks, dtype=torch.float32)
        weights = weights / weights.sum(dim=1, keepdim=True)  # each model's mean loss over its own records

        def logits() -> torch.Tensor:
            hidden = torch.relu(torch.mm(inputs, w1) + b1).reshape(n, k, h).transpose(0, 1)
            return torch.baddbmm(b2, hidden, w2)

        opt = torch.optim.Adam([w1, b1, w2, b2], lr=self.lr, weight_decay=self.weight_decay)
        with single_thread():
            for _ in tqdm(range(self.steps), desc=f"training {k} MLPs", disable=not progress):
                log_p = torch.log_softmax(logits(), dim=-1).gather(2, labels).squeeze(-1)
                loss = -(log_p * weights).sum()
                opt.zero_grad()
                loss.backward()
                opt.step()
            with torch.no_grad():
                return logits().double().numpy()


@functools.lru_cache(maxsize=256)
def _calibrated_noise(epsilon: float, delta: float, steps_per_epoch: int, epochs: int) -> float:
    # the search costs up to seconds at large epsilon, and shadows share a few batch counts
    return get_noise_multiplier(epsilon, delta, 1.0 / steps_per_epoch, steps_per_epoch * epochs)


@dataclass(frozen=True)
class DPSGDRecipe:
    """MLPs trained with our DP-SGD (:func:`ppml_lab.dp.train_dp_sgd`) at ``epsilon`` (RDP, ``delta``).

    The noise multiplier is calibrated per model to its number of records, batch size and epochs.
    ``noise_seed`` (tests and teaching only) makes the noise reproducible; ``None`` lets
    :func:`~ppml_lab.dp.train_dp_sgd` seed torch's Mersenne Twister (MT19937) with 63 bits from the
    OS CSPRNG, as every run of it does (its ``secure_mode`` is not used here: these models are attack
    targets, not releases).
    """

    epsilon: float
    delta: float = 1e-5
    hidden: int = 32
    batch_size: int = 50
    epochs: int = 20
    lr: float = 0.5
    max_grad_norm: float = 1.0
    noise_seed: int | None = None

    def __post_init__(self) -> None:
        check_float("epsilon", self.epsilon, minimum=0.0, min_inclusive=False)
        check_float("delta", self.delta, minimum=0.0, maximum=1.0, min_inclusive=False, max_inclusive=False)
        check_int("hidden", self.hidden, minimum=1)
        check_int("batch_size", self.batch_size, minimum=1)
        check_int("epochs", self.epochs, minimum=1)
        check_float("lr", self.lr, minimum=0.0, min_inclusive=False)
        check_float("max_grad_norm", self.max_grad_norm, minimum=0.0, min_inclusive=False)

    @property
    def name(self) -> str:
        return f"DP-SGD MLP (eps {self.epsilon:g}, delta {self.delta:g})"

    def noise_multiplier(self, n_records: int) -> float:
        """The noise multiplier that spends ``epsilon`` on ``n_records`` records with these settings."""
        steps_per_epoch = math.ceil(n_records / min(self.batch_size, n_records))
        return _calibrated_noise(self.epsilon, self.delta, steps_per_epoch, self.epochs)

    def train(self, X, y, masks, seed: int = 0, progress: bool = False) -> np.ndarray:
        """Train one model per row of ``masks``; every model's logits on every record, ``(K, N, C)``."""
        X, y, masks = _check_training_inputs(X, y, masks)
        seed = check_int("seed", seed, minimum=0)
        n_classes = max(2, int(y.max()) + 1)
        Xt = torch.as_tensor(X, dtype=torch.float32)
        out = []
        with single_thread():
            for i, mask in enumerate(tqdm(masks, desc="DP-SGD models", disable=not progress)):
                n = int(mask.sum())
                result = train_dp_sgd(
                    MLP(X.shape[1], self.hidden, n_classes),
                    X[mask],
                    y[mask],
                    noise_multiplier=self.noise_multiplier(n),
                    max_grad_norm=self.max_grad_norm,
                    batch_size=min(self.batch_size, n),
                    epochs=self.epochs,
                    lr=self.lr,
                    delta=self.delta,
                    seed=seed + i,
                    noise_seed=None if self.noise_seed is None else self.noise_seed + i,
                )
                if result.epsilon > self.epsilon * 1.01:
                    raise RuntimeError(f"DP-SGD spent epsilon {result.epsilon:.3f} > {self.epsilon}")
                with torch.no_grad():
                    out.append(result.model(Xt).double().numpy())
        return np.stack(out)
