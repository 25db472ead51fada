"""Shared helper for the dataset tests: fit a logistic regression on a held-out split."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from ppml_lab import datasets as ds


@pytest.fixture
def holdout():
    """``holdout(X, y, C=1.0, test_fraction=0.3, seed=0) -> (accuracy, majority_accuracy, auc)``.

    A stratified split (``ds.train_test_split_arrays``); ``auc`` is None for more than two classes.
    """

    def run(X, y, C=1.0, test_fraction=0.3, seed=0):
        Xtr, Xte, ytr, yte = ds.train_test_split_arrays(X, y, test_fraction=test_fraction, seed=seed)
        model = LogisticRegression(max_iter=3000, C=C).fit(Xtr, ytr)
        majority = np.unique(yte, return_counts=True)[1].max() / len(yte)
        auc = roc_auc_score(yte, model.predict_proba(Xte)[:, 1]) if len(np.unique(y)) == 2 else None
        return model.score(Xte, yte), majority, auc

    return run
