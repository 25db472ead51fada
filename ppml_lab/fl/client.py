"""A federated client: trains a PyTorch model on its own data and returns only parameters.

``fit(parameters, config)`` loads the global parameters, trains ``config["local_epochs"]`` epochs
of SGD (with FedProx's proximal term ``mu / 2 * ||w - w_global||^2`` when ``config["proximal_mu"]``
is positive) and returns ``(new_parameters, num_examples, metrics)``. Layers named in
``personal_layers`` are never overwritten by the server (FedPer-style personalization).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from ppml_lab.fl.parameters import Parameters, get_parameters, parameter_names, set_parameters


class TorchClient:
    """One participant (a hospital) holding ``X``, ``y`` and a model built by ``model_fn``."""

    def __init__(
        self,
        cid: str,
        model_fn: Callable[[], torch.nn.Module],
        X,
        y,
        *,
        X_test=None,
        y_test=None,
        batch_size: int = 32,
        lr: float = 0.05,
        personal_layers: tuple[str, ...] = (),
        seed: int = 0,
    ) -> None:
        self.cid = cid
        self.model = model_fn()
        self.X = torch.as_tensor(np.asarray(X), dtype=torch.float32)
        self.y = torch.as_tensor(np.asarray(y), dtype=torch.long)
        self.X_test = (
            torch.as_tensor(np.asarray(X_test), dtype=torch.float32) if X_test is not None else self.X
        )
        self.y_test = torch.as_tensor(np.asarray(y_test), dtype=torch.long) if y_test is not None else self.y
        self.batch_size = batch_size
        self.lr = lr
        names = parameter_names(self.model)
        unknown = [p for p in personal_layers if not any(n.startswith(p) for n in names)]
        if unknown:
            raise ValueError(f"personal_layers names no parameter of the model: {unknown}")
        self.personal = {n for n in names if any(n.startswith(p) for p in personal_layers)}
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return len(self.y)

    def _train(self, epochs: int, mu: float, global_params: list[torch.Tensor] | None) -> float:
        model = self.model
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=self.lr)
        total, count = 0.0, 0
        for _ in range(epochs):
            order = torch.randperm(len(self.y), generator=self.generator)
            for i in range(0, len(order), self.batch_size):
                idx = order[i : i + self.batch_size]
                opt.zero_grad()
                loss = F.cross_entropy(model(self.X[idx]), self.y[idx])
                if mu > 0 and global_params is not None:
                    prox = sum(
                        ((p - g) ** 2).sum() for p, g in zip(model.parameters(), global_params, strict=True)
                    )
                    loss = loss + 0.5 * mu * prox
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(idx)
                count += len(idx)
        return total / max(count, 1)

    def fit(self, parameters: Parameters, config: dict) -> tuple[Parameters, int, dict]:
        set_parameters(self.model, parameters, skip=self.personal)
        mu = float(config.get("proximal_mu", 0.0))
        global_params = [p.detach().clone() for p in self.model.parameters()] if mu > 0 else None
        loss = self._train(int(config.get("local_epochs", 1)), mu, global_params)
        return get_parameters(self.model), len(self.y), {"train_loss": loss}

    def evaluate(self, parameters: Parameters, config: dict | None = None) -> tuple[float, int, dict]:
        """Loss and accuracy of ``parameters`` (with this client's personal layers) on its test data."""
        set_parameters(self.model, parameters, skip=self.personal)
        self.model.eval()
        with torch.no_grad():
            out = self.model(self.X_test)
            loss = float(F.cross_entropy(out, self.y_test))
            acc = float((out.argmax(1) == self.y_test).float().mean())
        return loss, len(self.y_test), {"accuracy": acc}

    def fine_tune(self, parameters: Parameters, epochs: int = 1) -> None:
        """Local fine-tuning of the global model (personalization by adaptation)."""
        set_parameters(self.model, parameters)
        self._train(epochs, 0.0, None)
