"""mri_scans: schema, exact label ratios, learnable lesions, hospitals that differ measurably, speed."""

import time

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from ppml_lab import datasets as ds


@pytest.fixture(scope="module")
def hospitals():
    return ds.mri_scans()  # 3 hospitals x 200 slices, 32x32, seed 0


def _noise_level(images):
    """Per-image high-frequency residual in the brain (pixel minus the mean of its 4 neighbours)."""
    c = images[:, 0, 8:24, 8:24].astype(np.float64)
    residual = c[:, 1:-1, 1:-1] - 0.25 * (c[:, :-2, 1:-1] + c[:, 2:, 1:-1] + c[:, 1:-1, :-2] + c[:, 1:-1, 2:])
    return residual.std(axis=(1, 2))


def test_schema_and_exact_lesion_rates(hospitals):
    assert [h.name for h in hospitals] == ["hospital_0", "hospital_1", "hospital_2"]
    for h in hospitals:
        assert len(h) == 200 and isinstance(h.profile, ds.ScannerProfile)
        assert h.images.shape == (200, 1, 32, 32) and h.images.dtype == np.float32
        assert h.labels.shape == (200,) and h.labels.dtype == np.int64 and set(np.unique(h.labels)) == {0, 1}
        assert 0.0 <= h.images.min() and h.images.max() <= 1.0
    # default prevalences spread from 0.2 to 0.7, exactly round(rate * n) lesions
    assert [h.labels.mean() for h in hospitals] == pytest.approx([0.2, 0.45, 0.7])
    custom = ds.mri_scans(2, 50, seed=1, lesion_rates=[0.1, 0.9])
    assert [int(h.labels.sum()) for h in custom] == [5, 45]
    big = ds.mri_scans(1, 4, 64)
    assert big[0].images.shape == (4, 1, 64, 64) and big[0].labels.mean() == 0.5
    X, y = ds.mri_centralized(hospitals)
    assert X.shape == (600, 1, 32, 32) and X.dtype == np.float32 and y.dtype == np.int64
    assert np.array_equal(y[200:400], hospitals[1].labels)


def test_given_profiles_are_used():
    profile = ds.ScannerProfile(
        contrast=1.0, brightness=0.0, noise_std=0.05, bias_field_strength=0.1, blur=0.3
    )
    same = ds.mri_scans(2, 100, seed=2, profiles=[profile, profile], lesion_rates=[0.5, 0.5])
    assert all(h.profile == profile for h in same)
    means = [h.images.mean() for h in same]
    assert abs(means[0] - means[1]) < 0.01  # same scanner, same prevalence: same intensity


def test_hospitals_are_measurably_non_iid(hospitals):
    # scanner intensity: per-image mean (healthy slices) differs by far more than its standard error
    means = [h.images[h.labels == 0].mean(axis=(1, 2, 3)) for h in hospitals]
    se = max(m.std() / np.sqrt(len(m)) for m in means)
    assert max(m.mean() for m in means) - min(m.mean() for m in means) > 10 * se  # measured ~50 SE
    # scanner noise: measured 0.038, 0.091, 0.104 with standard errors <= 0.0005
    noise = [_noise_level(h.images) for h in hospitals]
    se = max(n.std() / np.sqrt(len(n)) for n in noise)
    assert max(n.mean() for n in noise) - min(n.mean() for n in noise) > 20 * se
    # label skew
    rates = [h.labels.mean() for h in hospitals]
    assert max(rates) - min(rates) >= 0.4


def test_a_domain_classifier_tells_hospitals_apart(holdout, hospitals):
    X = np.concatenate([h.images.reshape(len(h), -1) for h in hospitals])
    site = np.repeat([0, 1, 2], 200)
    acc, _, _ = holdout(X, site, C=0.1)
    assert acc > 0.8  # chance is 1/3


def test_a_model_from_one_hospital_loses_accuracy_on_the_others():
    hospitals = ds.mri_scans()
    drops = []
    for i, h in enumerate(hospitals):
        Xtr, Xte, ytr, yte = ds.train_test_split_arrays(h.images.reshape(len(h), -1), h.labels, 0.3, seed=0)
        model = LogisticRegression(max_iter=3000, C=0.1).fit(Xtr, ytr)
        others = [
            model.score(o.images.reshape(len(o), -1), o.labels) for j, o in enumerate(hospitals) if j != i
        ]
        drops.append(model.score(Xte, yte) - np.mean(others))
    assert np.mean(drops) >= 0.15, drops  # measured: 0.31, 0.41, 0.66 accuracy points


def test_lesions_are_learnable_from_pixels(holdout, hospitals):
    X, y = ds.mri_centralized(hospitals)
    acc, majority, auc = holdout(X.reshape(len(X), -1), y, C=0.1)
    assert acc >= majority + 0.15, (acc, majority)  # measured 0.92 vs 0.55


def test_generation_is_fast():
    # CPU seconds of this process (the generator is single-threaded NumPy), not wall time: other
    # processes on a busy machine stretch the wall clock but not this process's own CPU time.
    start = time.process_time()
    ds.mri_scans(3, 200, 32, seed=3)
    ds.mri_scans(3, 100, 64, seed=3)
    assert time.process_time() - start < 2.0  # measured ~0.25 s
