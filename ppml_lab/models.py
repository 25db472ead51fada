"""Small PyTorch models shared by the lessons (DP-SGD, federated hospitals, attacks).

They avoid BatchNorm, whose statistics mix examples and so break per-example privacy (Opacus
refuses it); GroupNorm-free small models train fast on a CPU.
"""

from __future__ import annotations

import torch
from torch import nn

from ppml_lab._checks import check_int


class LogisticRegressionModel(nn.Module):
    """Multinomial logistic regression: one linear layer producing class logits."""

    def __init__(self, in_features: int, n_classes: int = 2) -> None:
        super().__init__()
        self.linear = nn.Linear(
            check_int("in_features", in_features, minimum=1), check_int("n_classes", n_classes, minimum=2)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


class MLP(nn.Module):
    """``in_features -> hidden -> n_classes`` with a ReLU, e.g. the 20-64-2 DP-SGD model."""

    def __init__(self, in_features: int, hidden: int = 64, n_classes: int = 2) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(
                check_int("in_features", in_features, minimum=1), check_int("hidden", hidden, minimum=1)
            ),
            nn.ReLU(),
            nn.Linear(hidden, check_int("n_classes", n_classes, minimum=2)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class SmallCNN(nn.Module):
    """Two conv blocks (8 and 16 channels, 3x3, ReLU, 2x2 max-pool), then a linear head.

    Built for single-channel 32x32 or 64x64 MRI slices; the split between ``features`` and
    ``head`` is what personalization layers keep local.
    """

    def __init__(self, image_size: int = 32, in_channels: int = 1, n_classes: int = 2) -> None:
        super().__init__()
        image_size = check_int("image_size", image_size)
        if image_size not in (32, 64):
            raise ValueError(f"image_size must be 32 or 64, got {image_size}")
        self.features = nn.Sequential(
            nn.Conv2d(check_int("in_channels", in_channels, minimum=1), 8, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
        )
        self.head = nn.Linear(16 * (image_size // 4) ** 2, check_int("n_classes", n_classes, minimum=2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))
