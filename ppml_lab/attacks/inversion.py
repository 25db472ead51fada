"""Gradient inversion: rebuilding a client's training image from the gradient it shares.

In federated SGD a client sends the gradient of its loss on a batch. For a batch of one image that
gradient is a deterministic function of the image and its label, and often an invertible one:

* **iDLG** (Zhao et al. 2020) reads the label off the last layer: with cross-entropy, the bias
  gradient is ``softmax - onehot(label)``, negative only at the true class (:func:`infer_label`).
* **DLG** (Zhu et al. 2019) starts from a random "dummy" image and moves it, by L-BFGS, until the
  gradient it produces matches the shared one (:func:`invert_gradient`, ``distance="l2"``).
  Matching the *direction* instead (``distance="cosine"``, Geiping et al. 2020) ignores the
  gradient's scale, so clipping alone does not stop it.

The optimisation needs second derivatives of the network, so smooth activations (the LeNet-style
:class:`InversionCNN` with sigmoids, as in DLG) invert far more reliably than ReLU and max-pooling;
it runs in float64, since gradient directions of nearby images differ in the sixth decimal.

Defences (:func:`clip_and_noise`, :func:`secure_sum`): DP-FedAvg's clipping plus Gaussian noise
leaves a gradient that no image reproduces; secure aggregation shows the server only the sum over
many clients, which mixes their images.
"""

from __future__ import annotations

import copy
import math
import secrets
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from ppml_lab._checks import check_choice, check_float, check_int
from ppml_lab.attacks.targets import single_thread

DISTANCES = ("l2", "cosine")


class InversionCNN(nn.Module):
    """The DLG paper's LeNet variant for one-channel slices: three 5x5 sigmoid convolutions, a linear head.

    ``image_size`` must be a multiple of 4 (e.g. 16, 32, 64); ``channels`` per convolution (12).
    """

    def __init__(
        self, image_size: int = 32, in_channels: int = 1, n_classes: int = 2, channels: int = 12
    ) -> None:
        super().__init__()
        image_size = check_int("image_size", image_size, minimum=4)
        if image_size % 4:
            raise ValueError(f"image_size must be a multiple of 4, got {image_size}")
        ch = check_int("channels", channels, minimum=1)
        self.features = nn.Sequential(
            nn.Conv2d(check_int("in_channels", in_channels, minimum=1), ch, 5, stride=2, padding=2),
            nn.Sigmoid(),
            nn.Conv2d(ch, ch, 5, stride=2, padding=2),
            nn.Sigmoid(),
            nn.Conv2d(ch, ch, 5, stride=1, padding=2),
            nn.Sigmoid(),
            nn.Flatten(),
        )
        self.head = nn.Linear(ch * (image_size // 4) ** 2, check_int("n_classes", n_classes, minimum=2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def _as_batch(images, labels, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.as_tensor(np.asarray(images), dtype=dtype)
    if x.ndim == 3:
        x = x.unsqueeze(0)
    if x.ndim != 4:
        raise ValueError(f"images must have shape (C, H, W) or (n, C, H, W), got {tuple(x.shape)}")
    y = torch.as_tensor(np.atleast_1d(np.asarray(labels)), dtype=torch.long)
    if y.shape != (len(x),):
        raise ValueError(f"labels must hold one label per image ({len(x)}), got shape {tuple(y.shape)}")
    return x, y


def shared_gradient(model: nn.Module, images, labels) -> list[torch.Tensor]:
    """What a federated-SGD client sends: the gradient of its mean cross-entropy, one tensor per parameter.

    ``images`` is one image ``(C, H, W)`` or a batch ``(n, C, H, W)``; computed in the model's dtype.
    """
    dtype = next(model.parameters()).dtype
    x, y = _as_batch(images, labels, dtype)
    params = [p for p in model.parameters() if p.requires_grad]
    loss = F.cross_entropy(model(x), y)
    return [g.detach() for g in torch.autograd.grad(loss, params)]


def infer_label(gradients: list[torch.Tensor]) -> int:
    """iDLG: the label of a batch-of-one gradient, from the last layer.

    With cross-entropy the output gradient is ``softmax - onehot(label)``: negative only at the
    true class. The last bias gradient is exactly that vector; without a bias, each row of the
    last weight gradient is it times the (non-negative, after a sigmoid) features, so the row with
    the negative sum gives the label.
    """
    if not gradients:
        raise ValueError("gradients must not be empty")
    last = torch.as_tensor(gradients[-1])
    if last.ndim == 1:
        return int(torch.argmin(last))
    if last.ndim == 2:
        return int(torch.argmin(last.sum(dim=1)))
    raise ValueError(
        f"gradients must end with the last layer's bias or weight, got shape {tuple(last.shape)}"
    )


def gradient_distance(
    candidate: list[torch.Tensor], target: list[torch.Tensor], distance: str = "l2"
) -> torch.Tensor:
    """How far two gradients are: relative squared L2 (``"l2"``) or one minus cosine similarity (``"cosine"``)."""
    distance = check_choice("distance", distance, DISTANCES)
    if len(candidate) != len(target):
        raise ValueError(f"target must have {len(candidate)} tensors, got {len(target)}")
    target_sq = sum((t * t).sum() for t in target)
    if distance == "l2":
        return sum(((c - t) ** 2).sum() for c, t in zip(candidate, target, strict=True)) / target_sq
    dot = sum((c * t).sum() for c, t in zip(candidate, target, strict=True))
    cand_sq = sum((c * c).sum() for c in candidate)
    return 1.0 - dot / torch.sqrt(cand_sq * target_sq + 1e-300)


@dataclass
class InversionResult:
    """A reconstruction: ``image`` (C, H, W) clipped to [0, 1], the ``label`` used, the final ``distance``."""

    image: np.ndarray
    label: int
    distance: float
    restart: int


def invert_gradient(
    model: nn.Module,
    gradients: list[torch.Tensor],
    image_shape: tuple[int, int, int],
    *,
    label: int | None = None,
    distance: str = "l2",
    iterations: int = 200,
    restarts: int = 1,
    seed: int = 0,
    progress: bool = False,
) -> InversionResult:
    """DLG with iDLG's label: the image whose gradient on ``model`` best matches ``gradients``.

    ``model`` is the global model the client started from (the server knows it); ``gradients``
    the shared tensors in the order of ``model.parameters()``. The label is inferred
    (:func:`infer_label`) unless given. Each of ``restarts`` random starts (uniform pixels, seeded by
    ``seed``) runs L-BFGS for up to ``iterations`` iterations; the attacker keeps the start whose
    gradient matches best (it needs no ground truth for that).
    """
    distance = check_choice("distance", distance, DISTANCES)
    iterations = check_int("iterations", iterations, minimum=1)
    restarts = check_int("restarts", restarts, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    shape = tuple(image_shape)
    if len(shape) != 3 or not all(isinstance(s, int | np.integer) and s > 0 for s in shape):
        raise ValueError(f"image_shape must be (channels, height, width), got {image_shape!r}")
    net = copy.deepcopy(model).double().eval()
    params = [p for p in net.parameters() if p.requires_grad]
    target = [torch.as_tensor(g).detach().double() for g in gradients]
    if len(target) != len(params) or any(t.shape != p.shape for t, p in zip(target, params, strict=False)):
        raise ValueError(
            "gradients must have one tensor per trainable parameter of model, in order, same shapes"
        )
    if label is None:
        label = infer_label(target)
    label = check_int("label", label, minimum=0)
    y = torch.tensor([label])
    gen = torch.Generator().manual_seed(seed)
    best: InversionResult | None = None
    with single_thread():
        for r in tqdm(range(restarts), desc="gradient inversion", disable=not progress):
            dummy = torch.rand((1, *shape), generator=gen, dtype=torch.float64).requires_grad_()
            opt = torch.optim.LBFGS(
                [dummy],
                lr=1.0,
                max_iter=iterations,
                history_size=100,
                tolerance_grad=1e-20,
                tolerance_change=1e-24,
                line_search_fn="strong_wolfe",
            )

            def objective(x: torch.Tensor = dummy) -> torch.Tensor:
                grads = torch.autograd.grad(F.cross_entropy(net(x), y), params, create_graph=True)
                return gradient_distance(list(grads), target, distance)

            def closure(x: torch.Tensor = dummy, opt: torch.optim.LBFGS = opt) -> torch.Tensor:
                opt.zero_grad()
                d = objective(x)
                d.backward()
                return d

            opt.step(closure)
            final = float(objective(dummy).detach())
            final = final if math.isfinite(final) else math.inf
            if best is None or final < best.distance:
                image = dummy.detach()[0].clamp(0.0, 1.0).numpy()
                best = InversionResult(np.nan_to_num(image, nan=0.5), label, final, r)
    return best


def reconstruction_mse(reconstruction, image) -> float:
    """Mean squared pixel error between a reconstruction and the true image (same shape, pixels in [0, 1])."""
    a = np.asarray(reconstruction, dtype=np.float64)
    b = np.asarray(image, dtype=np.float64)
    if a.shape != b.shape:
        a, b = np.squeeze(a), np.squeeze(b)
    if a.shape != b.shape:
        raise ValueError(f"image must have the shape of reconstruction {a.shape}, got {b.shape}")
    return float(np.mean((a - b) ** 2))


def clip_and_noise(
    gradients: list[torch.Tensor], clip_norm: float, noise_multiplier: float, *, seed: int | None = None
) -> list[torch.Tensor]:
    """DP-FedAvg's client-side defence: scale the whole update to L2 norm at most ``clip_norm``,
    then add Gaussian noise of standard deviation ``noise_multiplier * clip_norm`` to every coordinate.

    The noise comes from torch's Mersenne Twister (MT19937), seeded with 63 bits from the OS
    CSPRNG (``secrets``) unless ``seed`` is given (tests and teaching only): nobody can regenerate
    it, but the generator itself is not cryptographic (see :mod:`ppml_lab.dp` for the secure mode).
    """
    clip_norm = check_float("clip_norm", clip_norm, minimum=0.0, min_inclusive=False)
    noise_multiplier = check_float("noise_multiplier", noise_multiplier, minimum=0.0)
    grads = [torch.as_tensor(g).detach().double() for g in gradients]
    norm = math.sqrt(sum(float((g * g).sum()) for g in grads))
    factor = min(1.0, clip_norm / max(norm, 1e-300))
    gen = torch.Generator().manual_seed(seed if seed is not None else secrets.randbits(63))
    std = noise_multiplier * clip_norm
    return [
        g * factor + (torch.normal(0.0, std, g.shape, generator=gen, dtype=torch.float64) if std > 0 else 0.0)
        for g in grads
    ]


def secure_sum(client_gradients: list[list[torch.Tensor]]) -> list[torch.Tensor]:
    """What the server learns under secure aggregation: only the element-wise sum of every client's gradient.

    (:mod:`ppml_lab.secagg` runs the actual protocol; its output is this sum, up to quantization.)
    """
    if not client_gradients:
        raise ValueError("client_gradients must not be empty")
    first = client_gradients[0]
    if any(len(g) != len(first) for g in client_gradients):
        raise ValueError("client_gradients must all have the same number of tensors")
    return [sum(torch.as_tensor(g[i]).double() for g in client_gradients) for i in range(len(first))]
