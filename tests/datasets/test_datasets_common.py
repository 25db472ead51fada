"""Cross-cutting properties: public API, determinism per seed, the layering rule, the split helper,
and argument checks whose messages name the bad argument."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from ppml_lab import datasets as ds

PUBLIC = {
    "credit_risk",
    "credit_risk_design_matrix",
    "CREDIT_RISK_TARGET",
    "bank_transactions",
    "bank_transactions_vertical",
    "mri_scans",
    "mri_centralized",
    "HospitalScans",
    "ScannerProfile",
    "device_telemetry",
    "clip_session_times",
    "telemetry_expected_means",
    "TELEMETRY_CLIP_SECONDS",
    "sensitive_tabular",
    "sensitive_design_matrix",
    "SENSITIVE_QUASI_IDENTIFIERS",
    "SENSITIVE_ATTRIBUTES",
    "SENSITIVE_TARGET",
    "load_breast_cancer",
    "train_test_split_arrays",
}


def test_public_api_is_exported():
    assert PUBLIC <= set(ds.__all__)
    assert all(hasattr(ds, name) for name in ds.__all__)


def _as_frames(out):
    """Every generator's output as a list of DataFrames (MRI hospitals flattened to one frame each)."""
    if isinstance(out, pd.DataFrame):
        return [out]
    if isinstance(out, dict):
        return list(out.values())
    if isinstance(out, tuple):
        return list(out)
    return [
        pd.DataFrame(h.images.reshape(len(h), -1)).assign(label=h.labels, profile=str(h.profile)) for h in out
    ]


GENERATORS = {
    "credit_risk": lambda seed: ds.credit_risk(300, seed),
    "bank_transactions": lambda seed: ds.bank_transactions(n_a=2000, n_b=1000, seed=seed),
    "bank_transactions_vertical": lambda seed: ds.bank_transactions_vertical(300, 200, 100, seed),
    "mri_scans": lambda seed: ds.mri_scans(2, 20, 32, seed),
    "device_telemetry": lambda seed: ds.device_telemetry(500, 8, seed),
    "sensitive_tabular": lambda seed: ds.sensitive_tabular(500, seed),
}


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_data_other_seed_other_data(name):
    make = GENERATORS[name]
    first, again, other = _as_frames(make(3)), _as_frames(make(3)), _as_frames(make(4))
    for a, b in zip(first, again, strict=True):
        pd.testing.assert_frame_equal(a, b)
    # every table changes with the seed (not only the first one)
    for a, c in zip(first, other, strict=True):
        assert not a.equals(c)


def test_seed_is_the_second_positional_argument_where_documented():
    pd.testing.assert_frame_equal(ds.credit_risk(200, 5), ds.credit_risk(n_samples=200, seed=5))
    pd.testing.assert_frame_equal(ds.sensitive_tabular(200, 5), ds.sensitive_tabular(n_samples=200, seed=5))
    a1, b1 = ds.bank_transactions_vertical(50, 40, 30, 5)
    a2, b2 = ds.bank_transactions_vertical(n_customers_a=50, n_customers_b=40, n_overlap=30, seed=5)
    pd.testing.assert_frame_equal(a1, a2)
    pd.testing.assert_frame_equal(b1, b2)


def test_importing_datasets_loads_no_engine_no_torch_no_scipy():
    code = (
        "import sys, ppml_lab.datasets; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'scipy') "
        "or (m.startswith('ppml_lab.') and m.split('.')[1] not in ('datasets', '_checks', 'config'))); "
        "print(bad); assert not bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_train_test_split_arrays_is_stratified_disjoint_and_seeded():
    X = np.arange(1000, dtype=float)[:, None]
    y = (np.arange(1000) % 10 == 0).astype(np.int64)  # 10% positives
    Xtr, Xte, ytr, yte = ds.train_test_split_arrays(X, y, test_fraction=0.25, seed=1)
    assert len(Xte) == 250 and len(Xtr) == 750
    assert yte.mean() == pytest.approx(0.10) and ytr.mean() == pytest.approx(0.10)  # exact stratification
    assert sorted(np.r_[Xtr[:, 0], Xte[:, 0]]) == list(range(1000))  # a partition
    assert np.array_equal(Xte, ds.train_test_split_arrays(X, y, 0.25, seed=1)[1])
    assert not np.array_equal(Xte, ds.train_test_split_arrays(X, y, 0.25, seed=2)[1])
    plain = ds.train_test_split_arrays(X, y, 0.25, seed=1, stratify=False)
    assert len(plain[1]) == 250


@pytest.mark.parametrize(
    "call,argument",
    [
        (lambda: ds.credit_risk(n_samples=0), "n_samples"),
        (lambda: ds.credit_risk(default_rate=1.5), "default_rate"),
        (lambda: ds.credit_risk(seed=-1), "seed"),
        (lambda: ds.credit_risk_design_matrix(pd.DataFrame({"age": [1]})), "default"),
        (lambda: ds.bank_transactions(n_a=5), "n_a"),
        (lambda: ds.bank_transactions(n_b=0), "n_b"),
        (lambda: ds.bank_transactions(fraud_rate_a=-0.1), "fraud_rate_a"),
        (lambda: ds.bank_transactions(fraud_rate_b=1.0), "fraud_rate_b"),
        (lambda: ds.bank_transactions_vertical(0, 10, 0), "n_customers_a"),
        (lambda: ds.bank_transactions_vertical(10, 0, 0), "n_customers_b"),
        (lambda: ds.bank_transactions_vertical(10, 10, 11), "n_overlap"),
        (lambda: ds.bank_transactions_vertical(10, 10, -1), "n_overlap"),
        (lambda: ds.bank_transactions_vertical(fraud_rate=0.0), "fraud_rate"),
        (lambda: ds.mri_scans(n_hospitals=0), "n_hospitals"),
        (lambda: ds.mri_scans(n_per_hospital=0), "n_per_hospital"),
        (lambda: ds.mri_scans(image_size=48), "image_size"),
        (lambda: ds.mri_scans(n_hospitals=2, lesion_rates=[0.5]), "lesion_rates"),
        (lambda: ds.mri_scans(n_hospitals=2, lesion_rates=[0.5, 1.5]), "lesion_rates"),
        (lambda: ds.mri_scans(n_hospitals=2, profiles=[]), "profiles"),
        (lambda: ds.ScannerProfile(1.0, 0.0, -0.1, 0.1, 0.5), "noise_std"),
        (lambda: ds.ScannerProfile(0.0, 0.0, 0.1, 0.1, 0.5), "contrast"),
        (lambda: ds.mri_centralized([]), "hospitals"),
        (lambda: ds.device_telemetry(n_users=0), "n_users"),
        (lambda: ds.device_telemetry(n_features=99), "n_features"),
        (lambda: ds.device_telemetry(n_features=1), "n_features"),
        (lambda: ds.telemetry_expected_means(n_features=13), "n_features"),
        (lambda: ds.clip_session_times(ds.device_telemetry(10), bound=0), "bound"),
        (lambda: ds.sensitive_tabular(n_samples=-5), "n_samples"),
        (lambda: ds.sensitive_tabular(seed=-1), "seed"),
        (lambda: ds.sensitive_design_matrix(pd.DataFrame({"age": [1]})), "high_risk"),
        (
            lambda: ds.train_test_split_arrays(np.zeros((4, 1)), np.zeros(4), test_fraction=1.0),
            "test_fraction",
        ),
        (lambda: ds.train_test_split_arrays(np.zeros((4, 1)), np.zeros(3)), "X and y"),
    ],
)
def test_invalid_arguments_raise_value_error_naming_the_argument(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


@pytest.mark.parametrize(
    "call,argument",
    [
        (lambda: ds.credit_risk(n_samples=100.5), "n_samples"),
        (lambda: ds.sensitive_tabular(seed="0"), "seed"),
        (lambda: ds.mri_scans(image_size=True), "image_size"),
        (lambda: ds.mri_scans(n_hospitals=1, profiles=["scanner"]), "profiles"),
    ],
)
def test_wrong_kinds_of_value_raise_type_error_naming_the_argument(call, argument):
    with pytest.raises(TypeError, match=argument):
        call()
