"""A federated client: trains a PyTorch model on its own data and returns only parameters.

``fit(parameters, config)`` loads the global parameters, trains ``config["local_epochs"]`` epochs
of SGD (with FedProx's proximal term ``mu / 2 * ||w - w_global||^2`` when ``config["proximal_mu"]``
is positive) and returns ``(new_parameters, num_examples, metrics)``.

* Layers named in ``personal_layers`` are never overwritten by the server (FedPer-style
  personalization layers): the client keeps its own head and shares only the body.
* With ``config["dp_clip_norm"]`` the client clips its own update, and with
  ``config["dp_local_noise_std"]`` it adds Gaussian noise before sending (client-level local DP).
* Mini-batch order is reseeded from ``(seed, config["server_round"])`` when the round is given, so
  the same client trains identically in a simulation and in a Flower process started per message.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from ppml_lab._checks import check_float, check_int
from ppml_lab.dp import noise_generator
from ppml_lab.fl.parameters import Parameters, get_parameters, parameter_names, set_parameters


def proximal_term(model_params, global_params, mu: float) -> torch.Tensor:
    """FedProx's proximal term ``mu / 2 * ||w - w_global||^2`` over all parameter tensors (a scalar).

    Its gradient ``mu * (w - w_global)`` pulls local training back towards the global model, which
    limits client drift on non-IID data.
    """
    total = torch.zeros(())
    for w, g in zip(model_params, global_params, strict=True):
        total = total + ((w - g) ** 2).sum()
    return 0.5 * mu * total


class TorchClient:
    """One participant (a hospital) holding ``X``, ``y`` and a model built by ``model_fn``.

    ``noise_seed`` seeds the local DP noise for tests and teaching only; by default the noise comes
    from a NumPy PCG64 generator seeded with 128 bits from the OS CSPRNG (``ppml_lab.dp.noise_generator``).
    """

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
        noise_seed: int | None = None,
    ) -> None:
        self.cid = cid
        self.model = model_fn()
        self.X = torch.as_tensor(np.asarray(X), dtype=torch.float32)
        self.y = torch.as_tensor(np.asarray(y), dtype=torch.long)
        if len(self.X) != len(self.y) or len(self.y) == 0:
            raise ValueError(f"X and y must be non-empty and of equal length, got {len(self.X)} and {len(self.y)}")
        self.X_test = (
            torch.as_tensor(np.asarray(X_test), dtype=torch.float32) if X_test is not None else self.X
        )
        self.y_test = torch.as_tensor(np.asarray(y_test), dtype=torch.long) if y_test is not None else self.y
        self.batch_size = check_int("batch_size", batch_size, minimum=1)
        self.lr = check_float("lr", lr, minimum=0.0, min_inclusive=False)
        names = parameter_names(self.model)
        unknown = [p for p in personal_layers if not any(n.startswith(p) for n in names)]
        if unknown:
            raise ValueError(f"personal_layers names no parameter of the model: {unknown}")
        self.personal = {n for n in names if any(n.startswith(p) for p in personal_layers)}
        self.seed = check_int("seed", seed, minimum=0)
        self.generator = torch.Generator().manual_seed(seed)
        self._noise = noise_generator(noise_seed)

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
                    loss = loss + proximal_term(model.parameters(), global_params, mu)
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(idx)
                count += len(idx)
        return total / max(count, 1)

    def fit(self, parameters: Parameters, config: dict) -> tuple[Parameters, int, dict]:
        """Train on the local data starting from ``parameters``; return the new parameters."""
        start = time.perf_counter()
        set_parameters(self.model, parameters, skip=self.personal)
        if "server_round" in config:
            self.generator.manual_seed(self.seed * 1_000_003 + int(config["server_round"]))
        mu = float(config.get("proximal_mu", 0.0))
        global_params = [p.detach().clone() for p in self.model.parameters()] if mu > 0 else None
        loss = self._train(int(config.get("local_epochs", 1)), mu, global_params)
        new = get_parameters(self.model)
        if config.get("dp_clip_norm"):
            new = self._privatize(parameters, new, float(config["dp_clip_norm"]),
                                  float(config.get("dp_local_noise_std", 0.0)))
        return new, len(self.y), {"train_loss": loss, "fit_seconds": time.perf_counter() - start}

    def _privatize(self, sent: Parameters, new: Parameters, clip: float, std: float) -> Parameters:
        """Clip this client's update to L2 norm ``clip`` and add N(0, std^2) noise to each coordinate."""
        delta = [np.asarray(n, np.float64) - np.asarray(s, np.float64) for s, n in zip(sent, new, strict=True)]
        norm = float(np.sqrt(sum(float((d**2).sum()) for d in delta)))
        factor = min(1.0, clip / max(norm, 1e-12))
        out = []
        for s, d in zip(sent, delta, strict=True):
            noisy = d * factor + (self._noise.normal(0.0, std, d.shape) if std > 0 else 0.0)
            out.append((np.asarray(s, np.float64) + noisy).astype(np.asarray(s).dtype))
        return out

    def evaluate(self, parameters: Parameters, config: dict | None = None) -> tuple[float, int, dict]:
        """Loss and accuracy of ``parameters`` (with this client's personal layers) on its test data."""
        set_parameters(self.model, parameters, skip=self.personal)
        self.model.eval()
        with torch.no_grad():
            out = self.model(self.X_test)
            loss = float(F.cross_entropy(out, self.y_test))
            acc = float((out.argmax(1) == self.y_test).float().mean())
        return loss, len(self.y_test), {"accuracy": acc}

    def fine_tune(self, parameters: Parameters, epochs: int = 1) -> Parameters:
        """Local fine-tuning of the global model (personalization by adaptation); returns the tuned model.

        A client with personal layers keeps its own (they are what it has learnt locally)."""
        set_parameters(self.model, parameters, skip=self.personal)
        self._train(check_int("epochs", epochs, minimum=0), 0.0, None)
        return get_parameters(self.model)

    def personal_parameters(self) -> dict[str, np.ndarray]:
        """The layers this client keeps to itself (FedPer), by name."""
        state = self.model.state_dict()
        return {k: state[k].detach().cpu().numpy().copy() for k in sorted(self.personal)}

    def load_personal_parameters(self, values: dict[str, np.ndarray]) -> None:
        """Restore personal layers saved by :meth:`personal_parameters` (a new process, same hospital)."""
        state = self.model.state_dict()
        for k, v in values.items():
            if k not in self.personal:
                raise ValueError(f"values names a layer that is not personal: {k}")
            state[k] = torch.as_tensor(np.asarray(v))
        self.model.load_state_dict(state)
