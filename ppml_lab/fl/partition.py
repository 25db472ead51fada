"""Non-IID data: label skew (Dirichlet), quantity skew, feature skew (scanners), and the skew measured.

* :func:`dirichlet_label_split` — each class spread over clients with Dirichlet(alpha) proportions.
* :func:`quantity_skew_split` — client sizes with Dirichlet(alpha) proportions.
* :func:`scanner_profiles` — feature skew as hospitals' scanners that render the same anatomy
  differently, from identical (``strength=0``) to very different (``strength=1``); pass them to
  :func:`ppml_lab.datasets.mri_scans` as ``profiles``.
* :func:`label_skew_tv` — label skew as a mean total-variation distance from the pooled labels.
* :func:`skew_report` — what a split looks like, in numbers.
"""

from __future__ import annotations

import numpy as np

from ppml_lab._checks import check_float, check_int
from ppml_lab.datasets import ScannerProfile

# The scanner every hospital would have without feature skew, and how far strength=1 moves from it.
REFERENCE_SCANNER = ScannerProfile(contrast=1.0, brightness=0.0, noise_std=0.04, bias_field_strength=0.0, blur=0.2)
_SPREAD = {"contrast": 0.5, "brightness": 0.25, "noise_std": 0.08, "bias_field_strength": 0.6, "blur": 0.8}


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


def scanner_profiles(n_hospitals: int, strength: float, seed: int = 0) -> list[ScannerProfile]:
    """One scanner per hospital, spread around :data:`REFERENCE_SCANNER` by ``strength`` in [0, 1].

    Each hospital gets a random direction for contrast (x 1 +/- 0.5), brightness (+/- 0.25), noise
    (+ up to 0.08), bias field (up to 0.6) and blur (+ up to 0.8 px), scaled by ``strength``.
    """
    n_hospitals = check_int("n_hospitals", n_hospitals, minimum=1)
    strength = check_float("strength", strength, minimum=0.0, maximum=1.0)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_hospitals):
        u = rng.uniform(-1.0, 1.0, 5)
        r = REFERENCE_SCANNER
        out.append(
            ScannerProfile(
                contrast=r.contrast * (1 + strength * _SPREAD["contrast"] * u[0]),
                brightness=r.brightness + strength * _SPREAD["brightness"] * u[1],
                noise_std=r.noise_std + strength * _SPREAD["noise_std"] * abs(u[2]),
                bias_field_strength=r.bias_field_strength + strength * _SPREAD["bias_field_strength"] * abs(u[3]),
                blur=r.blur + strength * _SPREAD["blur"] * abs(u[4]),
            )
        )
    return out


def label_skew_tv(client_labels: list[np.ndarray]) -> float:
    """Label skew of a split: the mean over clients of the total-variation distance between the
    client's label distribution and the pooled one (all clients' labels together).

    0 when every client has the pooled mix. It is not 1 for disjoint labels: a client holding only
    class c is 1 - P(c) away from the pool, so two equal clients with one class each give 0.5, and
    the value approaches 1 only when every client's labels are rare in the pool.
    """
    if len(client_labels) == 0:
        raise ValueError("client_labels must hold at least one client's labels")
    labels = [np.asarray(lab).ravel() for lab in client_labels]
    for i, lab in enumerate(labels):
        if lab.size == 0:
            raise ValueError(f"client_labels[{i}] is empty: every client needs at least one label")
    pooled = np.concatenate(labels)
    classes = np.unique(pooled)
    dists = np.array([[np.mean(lab == c) for c in classes] for lab in labels])
    global_dist = np.array([np.mean(pooled == c) for c in classes])
    return float(0.5 * np.abs(dists - global_dist).sum(axis=1).mean())


def skew_report(client_labels: list[np.ndarray], client_features: list[np.ndarray] | None = None) -> dict:
    """Measured skew: per-client sizes and label distributions, the label skew
    (:func:`label_skew_tv`: 0 = IID; two equal clients with disjoint labels give 0.5), and (if
    features are given) the feature skew: the spread of per-client mean intensities relative to the
    spread of image mean intensities within a client (about 0 when all clients share one scanner)."""
    classes = np.unique(np.concatenate(client_labels))
    dists = np.array([[np.mean(lab == c) for c in classes] for lab in client_labels])
    report = {
        "sizes": [len(lab) for lab in client_labels],
        "label_distributions": dists.round(3).tolist(),
        "label_skew_tv": label_skew_tv(client_labels),
    }
    if client_features is not None:
        means = np.array([f.reshape(len(f), -1).mean() for f in client_features])
        within = np.mean([f.reshape(len(f), -1).mean(axis=1).std() for f in client_features])
        report["feature_skew"] = float(means.std() / max(within, 1e-12))
    return report
