"""FedAvg's client step and DP-FedAvg's server step on a logistic-regression model, as NumPy vectors.

The model is one weight vector ``[w, b]`` (the last entry is the bias), as in
:func:`ppml_lab.dp.logistic_per_sample_gradients`. These are the functions lesson 05 has the
learner write; :class:`ppml_lab.fl.TorchClient` and :class:`ppml_lab.fl.DPFedAvg` do the same for
PyTorch models and lists of arrays.

* :func:`client_update` — ``epochs`` passes of minibatch SGD over the client's data, starting from
  the global weights; returns the update (new weights minus global weights) and the example count.
* :func:`dp_fedavg_round` — client-level DP-FedAvg (McMahan et al. 2018): every update clipped to
  L2 norm ``clip_norm`` on its own, the clipped updates summed, Gaussian noise of standard
  deviation ``noise_multiplier * clip_norm`` added to the sum once, and the result divided by the
  fixed ``expected_clients`` (not by how many reported), then applied to the global weights.
* :func:`dp_fedavg_epsilon` — the client-level epsilon of ``rounds`` such releases with Poisson
  client sampling at rate ``sample_rate`` (RDP accountant).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ppml_lab._checks import check_float, check_int
from ppml_lab.dp import RDPAccountant, clip_per_sample_gradients, logistic_per_sample_gradients


def client_update(
    w_global: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int,
    lr: float,
    batch_size: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, int]:
    """``(w_local - w_global, len(y))`` after ``epochs`` epochs of minibatch SGD from ``w_global``.

    Every epoch draws ``order = rng.permutation(len(y))`` and steps through
    ``order[i : i + batch_size]`` (the last batch may be shorter), each step
    ``w <- w - lr * mean gradient of the batch's logistic loss``. ``w_global`` is not modified.
    """
    epochs = check_int("epochs", epochs, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, min_inclusive=False)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    start = np.asarray(w_global, dtype=np.float64)
    if X.ndim != 2 or len(X) != len(y) or len(y) == 0:
        raise ValueError(f"X must be a non-empty 2-D array with one label per row; got X {X.shape}, y {y.shape}")
    if start.shape != (X.shape[1] + 1,):
        raise ValueError(f"w_global must have {X.shape[1] + 1} entries (one per feature and the bias), got {start.shape}")
    w = start.copy()
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for i in range(0, len(order), batch_size):
            batch = order[i : i + batch_size]
            w = w - lr * logistic_per_sample_gradients(w, X[batch], y[batch]).mean(axis=0)
    return w - start, len(y)


def dp_fedavg_round(
    w_global: np.ndarray,
    updates: Sequence[np.ndarray],
    clip_norm: float,
    noise_multiplier: float,
    expected_clients: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """The next global weights: ``w_global + (sum_k clip(u_k) + N(0, (z C)^2 I)) / expected_clients``.

    Each update is scaled down to L2 norm at most ``clip_norm`` (never up); the noise, one draw
    ``rng.normal(0, noise_multiplier * clip_norm, d)``, is added to the sum even when no client
    reported; the denominator is fixed so that one client changes the result by at most
    ``clip_norm / expected_clients``. ``w_global`` is not modified.
    """
    clip_norm = check_float("clip_norm", clip_norm, minimum=0.0, min_inclusive=False)
    noise_multiplier = check_float("noise_multiplier", noise_multiplier, minimum=0.0)
    expected_clients = check_float("expected_clients", expected_clients, minimum=0.0, min_inclusive=False)
    w = np.asarray(w_global, dtype=np.float64)
    if w.ndim != 1:
        raise ValueError(f"w_global must be a 1-D weight vector, got shape {w.shape}")
    stacked = np.asarray(list(updates), dtype=np.float64).reshape(-1, w.size)
    total = clip_per_sample_gradients(stacked, clip_norm).sum(axis=0) if len(stacked) else np.zeros(w.size)
    noisy = total + rng.normal(0.0, noise_multiplier * clip_norm, w.size)
    return w + noisy / expected_clients


def dp_fedavg_epsilon(noise_multiplier: float, sample_rate: float, rounds: int, delta: float) -> float:
    """Client-level epsilon at ``delta`` after ``rounds`` of :func:`dp_fedavg_round`, each client
    joining every round with probability ``sample_rate`` (the subsampled Gaussian, RDP accountant)."""
    accountant = RDPAccountant()
    accountant.step(
        noise_multiplier=check_float("noise_multiplier", noise_multiplier, minimum=0.0, min_inclusive=False),
        sample_rate=check_float("sample_rate", sample_rate, minimum=0.0, maximum=1.0, min_inclusive=False),
        num_steps=check_int("rounds", rounds, minimum=1),
    )
    return accountant.get_epsilon(delta)
