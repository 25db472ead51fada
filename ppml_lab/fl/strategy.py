"""Strategies: how the server picks clients, configures them and combines their results.

A strategy is a small class (as in Flower): ``configure_fit`` chooses clients and their config
for a round, ``aggregate_fit`` turns the returned parameters into the next global model,
``aggregate_evaluate`` summarises evaluations. Variants override only what they change.
"""

from __future__ import annotations

import numpy as np

from ppml_lab._checks import check_float, check_probability
from ppml_lab.fl.aggregation import Aggregator
from ppml_lab.fl.parameters import Parameters


class FedAvg:
    """Federated averaging (McMahan et al. 2017): average client models weighted by example counts."""

    def __init__(
        self, fraction_fit: float = 1.0, local_epochs: int = 1, aggregator: Aggregator | None = None
    ) -> None:
        self.fraction_fit = check_probability("fraction_fit", fraction_fit, open_low=True)
        self.local_epochs = local_epochs
        self.aggregator = aggregator or Aggregator()

    def fit_config(self, server_round: int) -> dict:
        return {"local_epochs": self.local_epochs, "server_round": server_round}

    def configure_fit(
        self, server_round: int, n_clients: int, rng: np.random.Generator
    ) -> list[tuple[int, dict]]:
        """Sample ``ceil(fraction_fit * n)`` clients (at least one) and give each the round's config."""
        k = max(1, int(np.ceil(self.fraction_fit * n_clients)))
        chosen = sorted(rng.choice(n_clients, size=k, replace=False).tolist())
        return [(c, self.fit_config(server_round)) for c in chosen]

    def aggregate_fit(
        self, server_round: int, current: Parameters, results: list[tuple[Parameters, int]]
    ) -> Parameters:
        """The next global parameters from ``(parameters, num_examples)`` of the clients that answered."""
        if not results:
            return current
        return self.aggregator.aggregate([p for p, _ in results], [n for _, n in results])

    def aggregate_evaluate(self, results: list[tuple[float, int, dict]]) -> dict:
        total = sum(n for _, n, _ in results)
        return {
            "loss": sum(loss * n for loss, n, _ in results) / total,
            "accuracy": sum(m["accuracy"] * n for _, n, m in results) / total,
        }


class FedProx(FedAvg):
    """FedAvg whose clients add the proximal term mu/2 ||w - w_global||^2 (Li et al. 2020)."""

    def __init__(self, proximal_mu: float = 0.01, **kwargs) -> None:
        super().__init__(**kwargs)
        self.proximal_mu = check_float("proximal_mu", proximal_mu, minimum=0.0)

    def fit_config(self, server_round: int) -> dict:
        return {**super().fit_config(server_round), "proximal_mu": self.proximal_mu}


class _ServerOptimizer(FedAvg):
    """Treat (average - current) as a pseudo-gradient and step a server-side optimizer on it."""

    def __init__(self, server_lr: float = 1.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.server_lr = check_float("server_lr", server_lr, minimum=0.0, min_inclusive=False)
        self.state: dict = {}

    def _step(self, delta: list[np.ndarray]) -> list[np.ndarray]:
        raise NotImplementedError

    def aggregate_fit(self, server_round, current, results):
        if not results:
            return current
        avg = super().aggregate_fit(server_round, current, results)
        delta = [a - c for a, c in zip(avg, current, strict=True)]
        return [c + s for c, s in zip(current, self._step(delta), strict=True)]


class FedAvgM(_ServerOptimizer):
    """FedAvg with server momentum (Hsu et al. 2019): v = beta v + delta; w += lr v."""

    def __init__(self, server_momentum: float = 0.9, **kwargs) -> None:
        super().__init__(**kwargs)
        self.server_momentum = check_float(
            "server_momentum", server_momentum, minimum=0.0, maximum=1.0, max_inclusive=False
        )

    def _step(self, delta):
        v = self.state.get("v") or [np.zeros_like(d) for d in delta]
        v = [self.server_momentum * vi + d for vi, d in zip(v, delta, strict=True)]
        self.state["v"] = v
        return [self.server_lr * vi for vi in v]


class FedAdam(_ServerOptimizer):
    """Adaptive server optimizer (Reddi et al. 2021), Adam on the pseudo-gradient."""

    yogi = False

    def __init__(
        self, beta1: float = 0.9, beta2: float = 0.99, tau: float = 1e-3, server_lr: float = 0.1, **kwargs
    ) -> None:
        super().__init__(server_lr=server_lr, **kwargs)
        self.beta1, self.beta2, self.tau = beta1, beta2, tau

    def _step(self, delta):
        m = self.state.get("m") or [np.zeros_like(d) for d in delta]
        v = self.state.get("v") or [np.full_like(d, self.tau**2) for d in delta]
        m = [self.beta1 * mi + (1 - self.beta1) * d for mi, d in zip(m, delta, strict=True)]
        if self.yogi:
            v = [vi - (1 - self.beta2) * d * d * np.sign(vi - d * d) for vi, d in zip(v, delta, strict=True)]
        else:
            v = [self.beta2 * vi + (1 - self.beta2) * d * d for vi, d in zip(v, delta, strict=True)]
        self.state.update(m=m, v=v)
        return [self.server_lr * mi / (np.sqrt(vi) + self.tau) for mi, vi in zip(m, v, strict=True)]


class FedYogi(FedAdam):
    """Like FedAdam with Yogi's additive second-moment update (less aggressive growth)."""

    yogi = True


class FedMedian(FedAvg):
    """Coordinate-wise median of client models: robust to a minority of arbitrary updates."""

    def aggregate_fit(self, server_round, current, results):
        if not results:
            return current
        return [np.median(np.stack([p[i] for p, _ in results]), axis=0) for i in range(len(current))]


class FedTrimmedAvg(FedAvg):
    """Coordinate-wise mean after dropping the ``beta`` fraction of largest and smallest values."""

    def __init__(self, beta: float = 0.2, **kwargs) -> None:
        super().__init__(**kwargs)
        self.beta = check_float("beta", beta, minimum=0.0, maximum=0.5, max_inclusive=False)

    def aggregate_fit(self, server_round, current, results):
        if not results:
            return current
        from scipy import stats

        return [
            stats.trim_mean(np.stack([p[i] for p, _ in results]), self.beta, axis=0)
            for i in range(len(current))
        ]


class Krum(FedAvg):
    """Pick the client model closest to its n - f - 2 nearest neighbours (Blanchard et al. 2017)."""

    def __init__(self, num_malicious: int = 1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.num_malicious = num_malicious

    def aggregate_fit(self, server_round, current, results):
        if not results:
            return current
        flat = np.stack([np.concatenate([a.ravel() for a in p]) for p, _ in results])
        d = ((flat[:, None, :] - flat[None, :, :]) ** 2).sum(-1)
        k = max(1, len(results) - self.num_malicious - 2)
        scores = [np.sort(row)[1 : k + 1].sum() for row in d]
        return [np.array(a, copy=True) for a in results[int(np.argmin(scores))][0]]
