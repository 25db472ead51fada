"""DP-SGD: stochastic gradient descent that gives every training example plausible deniability.

Each step (Abadi et al. 2016):

1. **sample** a batch by Poisson sampling: every example joins with probability ``q``;
2. compute **per-example gradients**;
3. **clip** each one to L2 norm at most ``C`` (``max_grad_norm``): no example can move the sum
   by more than ``C``, its sensitivity;
4. **add Gaussian noise** of standard deviation ``sigma * C`` (``noise_multiplier * max_grad_norm``)
   to the sum, divide by the expected batch size ``q * N`` and step;
5. **account**: the accountant composes the steps into ``(epsilon, delta)``.

Two implementations share those names: :class:`DPLogisticRegression` in NumPy with closed-form
per-example gradients, and :func:`train_dp_sgd` for any PyTorch model, which runs our
implementation (``engine="ours"``: per-example gradients from one backward pass to the layer
outputs for Linear and Conv2d layers, ``torch.func`` otherwise), Opacus (``engine="opacus"``) or
plain SGD (``engine="none"``) on the same model, data and seed, so they can be compared
(per-example gradients live in :mod:`ppml_lab.dp.per_sample`).

Where the randomness comes from: the NumPy trainer draws sampling and noise from PCG64 seeded
with 128 bits from the OS CSPRNG (:func:`ppml_lab.dp.noise_generator`). :func:`train_dp_sgd`
uses torch's CPU generator, a Mersenne Twister (MT19937) seeded with 63 bits from the OS CSPRNG
once per run; ``secure_mode=True`` replaces it, for the noise and the Poisson sampling of every
step, by fresh bytes from ``os.urandom`` (:func:`ppml_lab.dp._random.secure_gaussian`).
"""

from __future__ import annotations

import math
import secrets
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from ppml_lab._checks import check_choice, check_float, check_int
from ppml_lab.dp._random import noise_generator, secure_gaussian, secure_uniform
from ppml_lab.dp.accountants import RDPAccountant
from ppml_lab.dp.per_sample import clip_and_sum, clipped_gradient_sum, per_sample_gradients
from ppml_lab.dp.sensitivity import clip_l2

__all__ = [
    "ENGINES",
    "DPLogisticRegression",
    "DPSGDResult",
    "add_gaussian_noise",
    "clip_and_sum",
    "clip_per_sample_gradients",
    "clipped_gradient_sum",
    "logistic_per_sample_gradients",
    "per_sample_gradients",
    "poisson_sample",
    "train_dp_sgd",
]

ENGINES = ("ours", "opacus", "none")


# --- the steps, in NumPy (what the lesson asks learners to write) --------------------------------


def poisson_sample(n: int, sample_rate: float, rng: np.random.Generator) -> np.ndarray:
    """Indices of the examples that join this batch (each independently with ``sample_rate``)."""
    return np.flatnonzero(rng.random(n) < sample_rate)


def logistic_per_sample_gradients(weights: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of each example's logistic loss w.r.t. ``[w, b]`` (the last weight is the bias).

    For ``p = sigmoid(x.w + b)`` the gradient of the cross-entropy is ``(p - y) * [x, 1]``.
    """
    Xb = np.hstack([X, np.ones((len(X), 1))])
    p = 0.5 * (1.0 + np.tanh(0.5 * (Xb @ weights)))
    return (p - y)[:, None] * Xb


def clip_per_sample_gradients(grads: np.ndarray, max_norm: float) -> np.ndarray:
    """Scale each example's gradient (a row) to L2 norm at most ``max_norm``."""
    return clip_l2(grads, max_norm)


def add_gaussian_noise(
    summed_grad: np.ndarray, noise_multiplier: float, max_norm: float, rng: np.random.Generator | None = None
) -> np.ndarray:
    """The clipped sum plus Gaussian noise of std ``noise_multiplier * max_norm`` per coordinate.

    The noise comes from ``rng`` (a seed or Generator, for teaching and tests) or else from a PCG64
    generator seeded from the OS CSPRNG.
    """
    check_float("noise_multiplier", noise_multiplier, minimum=0.0)
    check_float("max_norm", max_norm, minimum=0.0, min_inclusive=False)
    summed = np.asarray(summed_grad, dtype=float)
    return summed + noise_generator(rng).normal(0.0, noise_multiplier * max_norm, summed.shape)


def logistic_dp_sgd_step(
    weights: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    sample_rate: float,
    noise_multiplier: float,
    max_norm: float,
    lr: float,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """One DP-SGD step of logistic regression; returns the new ``[w, b]``.

    Poisson sampling (each row joins with ``sample_rate``), per-example clipping to ``max_norm``,
    Gaussian noise of std ``noise_multiplier * max_norm`` on the sum, and division by the *expected*
    batch size ``sample_rate * len(X)``: the drawn batch size depends on who was sampled, so dividing by
    it would leak.
    """
    check_float("sample_rate", sample_rate, minimum=0.0, maximum=1.0, min_inclusive=False)
    gen = noise_generator(rng)
    w = np.asarray(weights, dtype=float)
    idx = poisson_sample(len(X), sample_rate, gen)
    grads = logistic_per_sample_gradients(w, X[idx], y[idx])
    summed = clip_per_sample_gradients(grads, max_norm).sum(axis=0) if len(idx) else np.zeros_like(w)
    noisy = add_gaussian_noise(summed, noise_multiplier, max_norm, gen)
    return w - lr * noisy / (sample_rate * len(X))


class DPLogisticRegression:
    """Binary logistic regression trained with DP-SGD in NumPy (scikit-learn style).

    The constructor holds the hyper-parameters; ``fit`` trains and records ``epsilon_`` from an
    RDP accountant. ``random_state`` seeds the batch sampling and noise for teaching and tests; the
    default ``None`` draws them from PCG64 seeded with 128 bits from the OS CSPRNG.
    """

    def __init__(
        self,
        noise_multiplier: float = 1.0,
        max_grad_norm: float = 1.0,
        batch_size: int = 256,
        epochs: int = 5,
        learning_rate: float = 0.5,
        delta: float = 1e-5,
        random_state: int | None = None,
    ) -> None:
        self.noise_multiplier = noise_multiplier
        self.max_grad_norm = max_grad_norm
        self.batch_size = batch_size
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.delta = delta
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray) -> DPLogisticRegression:
        check_float("noise_multiplier", self.noise_multiplier, minimum=0.0)
        check_float("max_grad_norm", self.max_grad_norm, minimum=0.0, min_inclusive=False)
        check_int("epochs", self.epochs, minimum=1)
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        if X.ndim != 2 or len(X) != len(y):
            raise ValueError(f"X must be 2-D with one row per label, got X {X.shape} and y {y.shape}")
        n = len(X)
        steps = math.ceil(n / check_int("batch_size", self.batch_size, minimum=1, maximum=n))
        q = 1.0 / steps
        rng = noise_generator(self.random_state)
        self.accountant_ = RDPAccountant()
        w = np.zeros(X.shape[1] + 1)
        for _ in range(self.epochs):
            for _ in range(steps):
                w = logistic_dp_sgd_step(
                    w, X, y, q, self.noise_multiplier, self.max_grad_norm, self.learning_rate, rng
                )
            self.accountant_.step(noise_multiplier=self.noise_multiplier, sample_rate=q, num_steps=steps)
        self.coef_, self.intercept_ = w[:-1], w[-1]
        self.epsilon_ = self.accountant_.get_epsilon(self.delta) if self.noise_multiplier > 0 else math.inf
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        p = 0.5 * (1.0 + np.tanh(0.5 * (np.asarray(X) @ self.coef_ + self.intercept_)))
        return np.column_stack([1 - p, p])

    def predict(self, X: np.ndarray) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        return float((self.predict(X) == np.asarray(y)).mean())


@dataclass
class DPSGDResult:
    """What :func:`train_dp_sgd` returns: the trained model, its epsilon and per-epoch metrics."""

    model: torch.nn.Module
    engine: str
    epsilon: float
    delta: float
    history: list[dict] = field(default_factory=list)

    @property
    def final_accuracy(self) -> float:
        return self.history[-1].get("test_accuracy", self.history[-1]["train_accuracy"])


def _accuracy(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return float((model(X).argmax(dim=1) == y).float().mean())


def train_dp_sgd(
    model: torch.nn.Module,
    X,
    y,
    *,
    engine: str = "ours",
    noise_multiplier: float = 1.0,
    max_grad_norm: float = 1.0,
    batch_size: int = 256,
    epochs: int = 1,
    lr: float = 0.1,
    delta: float = 1e-5,
    seed: int = 0,
    noise_seed: int | None = None,
    secure_mode: bool = False,
    X_test=None,
    y_test=None,
    progress: bool = False,
) -> DPSGDResult:
    """Train ``model`` with DP-SGD through ``engine`` ("ours", "opacus" or "none" for plain SGD).

    Poisson sampling at rate ``1 / ceil(N / batch_size)`` for ``ceil(N / batch_size)`` steps per
    epoch (Opacus's convention, so both engines spend the same epsilon), clipping to
    ``max_grad_norm`` and noise ``noise_multiplier * max_grad_norm``, SGD with learning rate ``lr``.
    ``seed`` fixes the model initialisation.

    Randomness: by default privacy noise and batch sampling come from torch's Mersenne Twister
    (MT19937) seeded with 63 bits from the OS CSPRNG once per run; ``noise_seed`` fixes that seed
    (tests and teaching only). MT19937 is not a cryptographic generator: its whole state follows
    from 624 consecutive outputs, and one step draws far more, so the noise is only as secret as
    nobody seeing raw draws. ``secure_mode=True`` (engine "ours") instead reads every step's
    sampling and noise bits from ``os.urandom`` and draws each noise value as the sum of four
    Gaussians (as Opacus's ``secure_mode``; see :func:`ppml_lab.dp._random.secure_gaussian`):
    no seed or state exists to recover, and the floating-point attack on a single Gaussian sample
    is blunted. It does not make the noise an exact Gaussian on floats, nor protect the float32
    arithmetic of the update, and it cannot be combined with ``noise_seed``.

    ``max_grad_norm=math.inf`` means no clipping: nothing bounds an example's influence, so epsilon
    is infinite; it is accepted only with ``noise_multiplier=0`` (ours then computes exactly the
    mean gradient of the sampled batch) and reported as ``epsilon = inf``.
    """
    engine = check_choice("engine", engine, ENGINES)
    check_float("noise_multiplier", noise_multiplier, minimum=0.0)
    if not (isinstance(max_grad_norm, int | float) and max_grad_norm > 0):
        raise ValueError(f"max_grad_norm must be > 0, got {max_grad_norm}")
    clipped = math.isfinite(max_grad_norm)
    if not clipped and noise_multiplier > 0 and engine != "none":
        raise ValueError(
            f"max_grad_norm={max_grad_norm} means no clipping, so noise_multiplier={noise_multiplier} "
            "cannot bound any example's influence (epsilon is infinite); give a finite max_grad_norm, "
            "or noise_multiplier=0 for unclipped, noiseless training"
        )
    if not isinstance(secure_mode, bool):
        raise TypeError(f"secure_mode must be True or False, got {secure_mode!r}")
    if secure_mode and noise_seed is not None:
        raise ValueError("secure_mode=True draws noise from the OS CSPRNG; it cannot take a noise_seed")
    if secure_mode and engine == "opacus":
        raise ValueError("secure_mode is implemented for engine='ours' (Opacus's needs torchcsprng)")
    check_int("epochs", epochs, minimum=1)
    check_float("lr", lr, minimum=0.0, min_inclusive=False)
    X = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    y = torch.as_tensor(np.asarray(y), dtype=torch.long)
    n = len(X)
    batch_size = check_int("batch_size", batch_size, minimum=1, maximum=n)
    # as Opacus does: ceil(N / batch_size) Poisson batches per epoch, each at rate 1 / that number
    steps_per_epoch = math.ceil(n / batch_size)
    q = 1.0 / steps_per_epoch
    torch.manual_seed(seed)
    for module in model.modules():  # deterministic initialisation for a given seed
        if hasattr(module, "reset_parameters"):
            module.reset_parameters()
    gen = torch.Generator().manual_seed(noise_seed if noise_seed is not None else secrets.randbits(63))
    Xt = torch.as_tensor(np.asarray(X_test), dtype=torch.float32) if X_test is not None else None
    yt = torch.as_tensor(np.asarray(y_test), dtype=torch.long) if y_test is not None else None
    history: list[dict] = []
    accountant = RDPAccountant()

    if engine == "opacus":
        if not clipped:
            raise ValueError(f"engine='opacus' needs a finite max_grad_norm, got {max_grad_norm}")
        return _train_opacus(
            model, X, y, Xt, yt, noise_multiplier, max_grad_norm, batch_size, epochs, lr, delta, gen, progress
        )

    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    params = [p for p in model.parameters() if p.requires_grad]
    names = [k for k, p in model.named_parameters() if p.requires_grad]
    for epoch in tqdm(range(epochs), desc=f"DP-SGD ({engine})", disable=not progress):
        start = time.perf_counter()
        model.train()
        if engine == "none":
            order = torch.randperm(n, generator=gen)
            for i in range(0, n, batch_size):
                idx = order[i : i + batch_size]
                optimizer.zero_grad()
                F.cross_entropy(model(X[idx]), y[idx]).backward()
                optimizer.step()
        else:
            std = noise_multiplier * max_grad_norm if clipped else 0.0
            for _ in range(steps_per_epoch):
                if secure_mode:
                    idx = torch.from_numpy(np.flatnonzero(secure_uniform(n) < q))
                else:
                    idx = torch.nonzero(torch.rand(n, generator=gen) < q).squeeze(1)
                if len(idx):
                    summed = clipped_gradient_sum(model, X[idx], y[idx], max_grad_norm)
                else:
                    summed = {k: torch.zeros_like(p) for k, p in zip(names, params, strict=True)}
                noises = _step_noise(params, std, gen, secure_mode)
                for name, p, noise in zip(names, params, noises, strict=True):
                    p.grad = (summed[name] + noise) / (q * n)
                optimizer.step()
            accountant.step(noise_multiplier=noise_multiplier, sample_rate=q, num_steps=steps_per_epoch)
        model.eval()
        private = engine != "none" and noise_multiplier > 0 and clipped
        eps = accountant.get_epsilon(delta) if private else math.inf
        record = {
            "epoch": epoch + 1,
            "seconds": time.perf_counter() - start,
            "epsilon": eps,
            "train_accuracy": _accuracy(model, X, y),
        }
        if Xt is not None:
            record["test_accuracy"] = _accuracy(model, Xt, yt)
        history.append(record)
    return DPSGDResult(model, engine, history[-1]["epsilon"], delta, history)


def _step_noise(params: list[torch.Tensor], std: float, gen: torch.Generator, secure: bool) -> list:
    """One step's Gaussian noise for each parameter (0 when ``std`` is 0)."""
    if std == 0:
        return [0.0] * len(params)
    if not secure:
        return [torch.normal(0.0, std, p.shape, generator=gen) for p in params]
    flat = torch.from_numpy(secure_gaussian(std, (sum(p.numel() for p in params),)))
    return [c.reshape(p.shape).to(p.dtype) for c, p in zip(flat.split([p.numel() for p in params]), params, strict=True)]


def _train_opacus(
    model, X, y, Xt, yt, noise_multiplier, max_grad_norm, batch_size, epochs, lr, delta, gen, progress
) -> DPSGDResult:
    from opacus import PrivacyEngine

    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(X, y), batch_size=batch_size, shuffle=True, generator=gen
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        engine = PrivacyEngine(accountant="rdp")
        private_model, optimizer, loader = engine.make_private(
            module=model,
            optimizer=optimizer,
            data_loader=loader,
            noise_multiplier=noise_multiplier,
            max_grad_norm=max_grad_norm,
            poisson_sampling=True,
            noise_generator=gen,
        )
    history = []
    for epoch in tqdm(range(epochs), desc="DP-SGD (opacus)", disable=not progress):
        start = time.perf_counter()
        private_model.train()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Opacus's hooks warn when inputs need no gradient
            for xb, yb in loader:
                optimizer.zero_grad()
                if len(xb):
                    F.cross_entropy(private_model(xb), yb).backward()
                optimizer.step()
        private_model.eval()
        record = {
            "epoch": epoch + 1,
            "seconds": time.perf_counter() - start,
            "epsilon": engine.get_epsilon(delta) if noise_multiplier > 0 else math.inf,
            "train_accuracy": _accuracy(private_model, X, y),
        }
        if Xt is not None:
            record["test_accuracy"] = _accuracy(private_model, Xt, yt)
        history.append(record)
    plain = getattr(private_model, "_module", private_model)
    return DPSGDResult(plain, "opacus", history[-1]["epsilon"], delta, history)
