"""Real (not synthetic) data that scikit-learn ships, so nothing is downloaded."""

from __future__ import annotations

import numpy as np


def load_breast_cancer() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The Wisconsin diagnostic breast-cancer table: ``(X, y, feature_names)``.

    569 patients, 30 numeric features computed from images of fine-needle aspirates; ``y`` is 1
    for benign and 0 for malignant (scikit-learn's coding).
    """
    from sklearn.datasets import load_breast_cancer as _load

    data = _load()
    return data.data.astype(np.float64), data.target.astype(np.int64), list(data.feature_names)
