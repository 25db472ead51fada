"""Strategies: how the server picks clients, configures them and combines their results.

A strategy is a small class (as in Flower): ``configure_fit`` chooses clients and their config
for a round, ``client_parameters`` says which model a client receives (the global one, except in
clustered FL), ``aggregate_fit`` turns the returned parameters into the next global model, and
``aggregate_evaluate`` summarises evaluations. Variants override only what they change:

* FedAvg; FedProx (client config); FedAvgM, FedAdam, FedYogi (server optimizers on the average);
* FedMedian, FedTrimmedAvg, Krum (robust aggregation against corrupted updates);
* ClusteredFedAvg (one model per group of clients whose updates agree).

The weighted mean itself is delegated to ``self.aggregator`` (:mod:`ppml_lab.fl.aggregation`), the
hook where secure aggregation plugs in. Robust rules need to see individual updates, so they do
not combine with secure aggregation.
"""

from __future__ import annotations

import numpy as np

from ppml_lab._checks import check_float, check_int, check_probability
from ppml_lab.fl.aggregation import Aggregator
from ppml_lab.fl.parameters import Parameters, flatten
from ppml_lab.fl.robust import coordinate_median, krum, trimmed_mean


class FedAvg:
    """Federated averaging (McMahan et al. 2017): average client models weighted by example counts."""

    def __init__(
        self, fraction_fit: float = 1.0, local_epochs: int = 1, aggregator: Aggregator | None = None
    ) -> None:
        self.fraction_fit = check_probability("fraction_fit", fraction_fit, open_low=True)
        self.local_epochs = check_int("local_epochs", local_epochs, minimum=1)
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

    def client_parameters(self, cid: int, parameters: Parameters) -> Parameters:
        """The model client ``cid`` trains and is evaluated on: the global one."""
        return parameters

    def aggregate_fit(
        self, server_round: int, current: Parameters, results: list[tuple[Parameters, int]]
    ) -> Parameters:
        """The next global parameters from ``(parameters, num_examples)`` of the clients that answered."""
        if not results:
            return current
        return self.aggregator.aggregate([p for p, _ in results], [n for _, n in results])

    def aggregate_evaluate(self, results: list[tuple[float, int, dict]]) -> dict:
        """Loss and accuracy averaged over clients, weighted by their number of test examples."""
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


def _like(aggregated: Parameters, current: Parameters) -> Parameters:
    """``aggregated`` in the dtypes of the current global model (what the server sends next round)."""
    return [np.asarray(a).astype(np.asarray(c).dtype) for a, c in zip(aggregated, current, strict=True)]


class FedMedian(FedAvg):
    """Coordinate-wise median of client models: robust to a minority of arbitrary updates."""

    def aggregate_fit(self, server_round, current, results):
        if not results:
            return current
        return _like(coordinate_median([p for p, _ in results]), current)


class FedTrimmedAvg(FedAvg):
    """Coordinate-wise mean after dropping the ``beta`` fraction of largest and smallest values."""

    def __init__(self, beta: float = 0.2, **kwargs) -> None:
        super().__init__(**kwargs)
        self.beta = check_float("beta", beta, minimum=0.0, maximum=0.5, max_inclusive=False)

    def aggregate_fit(self, server_round, current, results):
        if not results:
            return current
        return _like(trimmed_mean([p for p, _ in results], self.beta), current)


class Krum(FedAvg):
    """Pick the client model closest to its n - f - 2 nearest neighbours (Blanchard et al. 2017).

    With fewer than f + 3 answers the server assumes as many attackers as leave one neighbour."""

    def __init__(self, num_malicious: int = 1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.num_malicious = check_int("num_malicious", num_malicious, minimum=0)

    def aggregate_fit(self, server_round, current, results):
        if not results:
            return current
        updates = [p for p, _ in results]
        if len(updates) < 3:  # one or two answers: no neighbour to compare beyond each other
            return [np.array(a, copy=True) for a in updates[0]]
        return _like(krum(updates, min(self.num_malicious, len(updates) - 3)), current)


class ClusteredFedAvg(FedAvg):
    """Clustered FL: group clients whose updates point the same way, then train one model per group.

    Up to round ``cluster_round`` everybody trains the global model. In that round the server
    compares the clients' updates by cosine similarity, splits them into ``n_clusters`` groups
    (average-linkage clustering, after Sattler et al. 2020) and from then on averages each group
    separately. A client first seen later joins the group whose mean update direction is closest.
    """

    def __init__(self, n_clusters: int = 2, cluster_round: int = 1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.n_clusters = check_int("n_clusters", n_clusters, minimum=1)
        self.cluster_round = check_int("cluster_round", cluster_round, minimum=1)
        self.clusters: dict[int, int] = {}
        self.models: dict[int, Parameters] = {}
        self._directions: dict[int, np.ndarray] = {}

    def client_parameters(self, cid: int, parameters: Parameters) -> Parameters:
        group = self.clusters.get(cid)
        return self.models.get(group, parameters) if group is not None else parameters

    def _form_clusters(self, current: Parameters, results) -> None:
        from scipy.cluster.hierarchy import fcluster, linkage

        base = flatten(current)
        updates = np.stack([flatten(p) - base for p, _ in results])
        unit = updates / np.maximum(np.linalg.norm(updates, axis=1, keepdims=True), 1e-12)
        if len(results) <= self.n_clusters:
            labels = np.arange(len(results))
        else:
            distance = np.clip(1.0 - unit @ unit.T, 0.0, 2.0)
            condensed = distance[np.triu_indices(len(results), 1)]
            labels = fcluster(linkage(condensed, "average"), self.n_clusters, "maxclust") - 1
        for r, label in zip(results, labels, strict=True):
            self.clusters[r.cid] = int(label)
        for label in np.unique(labels):
            self._directions[int(label)] = unit[labels == label].mean(axis=0)
            self.models[int(label)] = current

    def _assign(self, cid: int, params: Parameters, current: Parameters) -> int:
        if cid not in self.clusters:
            update = flatten(params) - flatten(current)
            scores = {g: float(d @ update) for g, d in self._directions.items()}
            self.clusters[cid] = max(scores, key=scores.get)
        return self.clusters[cid]

    def aggregate_fit(self, server_round, current, results):
        if not results:
            return current
        if any(getattr(r, "cid", -1) < 0 for r in results):
            raise ValueError("results must carry client ids (FitRes) for clustered FL")
        if not self.clusters and server_round >= self.cluster_round:
            self._form_clusters(current, results)
        if self.clusters:
            groups: dict[int, list] = {}
            for r in results:
                groups.setdefault(self._assign(r.cid, r[0], current), []).append(r)
            for g, members in groups.items():
                self.models[g] = self.aggregator.aggregate([p for p, _ in members], [n for _, n in members])
        # the global model (for reporting and for clients never seen) is the average over everybody
        return super().aggregate_fit(server_round, current, results)
