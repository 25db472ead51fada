"""Non-IID partitioners: label skew (Dirichlet), quantity skew, and a report of the skew measured."""

from __future__ import annotations

import numpy as np

from ppml_lab._checks import check_float, check_int


def dirichlet_label_split(
    labels, n_clients: int, alpha: float, seed: int = 0, min_size: int = 2
) -> list[np.ndarray]:
    """Indices per client; each class is spread over clients with proportions ~ Dirichlet(alpha).

    Small alpha (0.1) gives each client mostly one class; large alpha (100) is close to IID.
    """
    labels = np.asarray(labels)
    n_clients = check_int("n_clients", n_clients, minimum=1)
    alpha = check_float("alpha", alpha, minimum=0.0, min_inclusive=False)
    rng = np.random.default_rng(seed)
    for _ in range(100):
        parts: list[list[int]] = [[] for _ in range(n_clients)]
        for c in np.unique(labels):
            idx = rng.permutation(np.flatnonzero(labels == c))
            cuts = (np.cumsum(rng.dirichlet(np.full(n_clients, alpha))) * len(idx)).astype(int)[:-1]
            for k, chunk in enumerate(np.split(idx, cuts)):
                parts[k].extend(chunk.tolist())
        if min(len(p) for p in parts) >= min_size:
            return [np.array(sorted(p)) for p in parts]
    raise ValueError(
        f"could not give every client at least {min_size} examples with alpha={alpha}; raise alpha"
    )


def quantity_skew_split(n: int, n_clients: int, alpha: float = 1.0, seed: int = 0) -> list[np.ndarray]:
    """Indices per client with sizes ~ Dirichlet(alpha) (at least one example each)."""
    n_clients = check_int("n_clients", n_clients, minimum=1, maximum=n)
    rng = np.random.default_rng(seed)
    sizes = np.maximum(1, (rng.dirichlet(np.full(n_clients, alpha)) * (n - n_clients)).astype(int) + 1)
    sizes[-1] = n - sizes[:-1].sum()
    return np.split(rng.permutation(n), np.cumsum(sizes)[:-1])


def skew_report(client_labels: list[np.ndarray], client_features: list[np.ndarray] | None = None) -> dict:
    """Measured skew: per-client sizes and label distributions, the mean total-variation distance of
    client label distributions from the global one, and (if features are given) the spread of
    per-client feature means relative to the within-client spread."""
    classes = np.unique(np.concatenate(client_labels))
    dists = np.array([[np.mean(lab == c) for c in classes] for lab in client_labels])
    global_dist = np.array([np.mean(np.concatenate(client_labels) == c) for c in classes])
    report = {
        "sizes": [len(lab) for lab in client_labels],
        "label_distributions": dists.round(3).tolist(),
        "label_skew_tv": float(0.5 * np.abs(dists - global_dist).sum(axis=1).mean()),
    }
    if client_features is not None:
        means = np.array([f.reshape(len(f), -1).mean() for f in client_features])
        within = np.mean([f.reshape(len(f), -1).mean(axis=1).std() for f in client_features])
        report["feature_skew"] = float(means.std() / max(within, 1e-12))
    return report
