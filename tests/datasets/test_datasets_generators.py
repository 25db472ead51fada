"""Scenario generators: determinism, schemas, stated ratios, learnability, measurable heterogeneity."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from ppml_lab import datasets as ds


def _holdout_accuracy(X, y, seed=0, C=1.0):
    Xtr, Xte, ytr, yte = ds.train_test_split_arrays(X, y, test_fraction=0.3, seed=seed)
    model = LogisticRegression(max_iter=3000, C=C).fit(Xtr, ytr)
    majority = max(yte.mean(), 1 - yte.mean())
    return model.score(Xte, yte), majority


GENERATORS = {
    "credit_risk": lambda seed: ds.credit_risk(seed=seed),
    "bank_a": lambda seed: ds.bank_transactions(n_a=2000, n_b=1000, seed=seed)["bank_a"],
    "vertical_b": lambda seed: ds.bank_transactions_vertical(300, 200, 100, seed=seed)[1],
    "telemetry": lambda seed: ds.device_telemetry(n_users=500, seed=seed),
    "sensitive": lambda seed: ds.sensitive_tabular(n_samples=500, seed=seed),
}


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_data_other_seed_other_data(name):
    make = GENERATORS[name]
    pd.testing.assert_frame_equal(make(3), make(3))
    assert not make(3).equals(make(4))


def test_mri_is_deterministic_per_seed():
    a, b, c = ds.mri_scans(2, 20, seed=1), ds.mri_scans(2, 20, seed=1), ds.mri_scans(2, 20, seed=2)
    assert all(
        np.array_equal(x.images, y.images) and np.array_equal(x.labels, y.labels)
        for x, y in zip(a, b, strict=True)
    )
    assert not np.array_equal(a[0].images, c[0].images)


def test_credit_risk_schema_rate_and_learnability():
    df = ds.credit_risk()
    assert len(df) == 1000 and df.shape[1] == 21  # 20 features + target
    assert set(ds.CREDIT_NUMERIC) | set(ds.CREDIT_CATEGORIES) | {"default"} == set(df.columns)
    assert all(isinstance(df[c].dtype, pd.CategoricalDtype) for c in ds.CREDIT_CATEGORIES)
    assert abs(df["default"].mean() - 0.30) <= 0.04  # stated: roughly 30% default
    X, y, names = ds.credit_risk_design_matrix(df)
    assert X.shape == (1000, len(names)) and 20 <= X.shape[1] <= 40 and X.dtype == np.float64
    assert np.allclose(X[:, : len(ds.CREDIT_NUMERIC)].mean(axis=0), 0, atol=1e-9)
    acc, majority = _holdout_accuracy(X, y)
    assert acc >= majority + 0.05, (acc, majority)  # beats the majority class by >= 5 points


def test_bank_transactions_fraud_rates_and_banks_differ():
    banks = ds.bank_transactions()
    assert list(banks) == ["bank_a", "bank_b"]
    for name, df in banks.items():
        assert list(df.columns) == ds.TRANSACTION_COLUMNS
        assert 0.01 <= df["is_fraud"].mean() <= 0.02, name  # fraud at 1-2%
        assert df["hour"].between(0, 23).all()
    a, b = banks["bank_a"], banks["bank_b"]
    # different amount scales: medians differ by far more than sampling error (~2%)
    assert b["amount"].median() / a["amount"].median() > 1.4
    mix_a = a["merchant_category"].value_counts(normalize=True)
    mix_b = b["merchant_category"].value_counts(normalize=True)
    assert (mix_a - mix_b).abs().sum() > 0.2
    # learnable within one bank: AUC of a logistic regression on the documented fraud features
    X, y, names = ds.fraud_design_matrix(a)
    assert X.shape == (len(a), len(names)) and names[0] == "log_amount"
    Xtr, Xte, ytr, yte = ds.train_test_split_arrays(X, y, seed=0)
    auc = roc_auc_score(yte, LogisticRegression(max_iter=2000).fit(Xtr, ytr).predict_proba(Xte)[:, 1])
    assert auc >= 0.9


def test_vertical_view_overlap_is_exact_and_joint_features_beat_one_bank():
    a, b = ds.bank_transactions_vertical(3000, 2500, 2000)
    assert len(a) == 3000 and len(b) == 2500
    assert len(set(a["customer_id"]) & set(b["customer_id"])) == 2000
    assert a["customer_id"].is_unique and b["customer_id"].is_unique
    assert "is_fraud" in a.columns and "is_fraud" not in b.columns
    assert set(ds.VERTICAL_FEATURES_A) < set(a.columns) and set(ds.VERTICAL_FEATURES_B) < set(b.columns)
    shared = set(a["customer_id"]) & set(b["customer_id"])
    assert not (a["customer_id"].isin(shared).to_numpy()[:2000].all()), "rows must not be aligned"
    joined = a.merge(b, on="customer_id")
    y = joined["is_fraud"].to_numpy()
    xa = np.log1p(joined[ds.VERTICAL_FEATURES_A].to_numpy(float))
    xab = np.hstack([xa, np.log1p(joined[ds.VERTICAL_FEATURES_B].to_numpy(float))])

    def auc(X):
        Xtr, Xte, ytr, yte = ds.train_test_split_arrays(X, y, test_fraction=0.4, seed=1)
        return roc_auc_score(yte, LogisticRegression(max_iter=3000).fit(Xtr, ytr).predict_proba(Xte)[:, 1])

    assert auc(xab) >= auc(xa) + 0.05  # joint training is worth the trouble


def test_mri_schema_learnable_and_hospitals_non_iid():
    hospitals = ds.mri_scans(3, 200, 32, seed=0)
    rates = [h.labels.mean() for h in hospitals]
    assert rates == pytest.approx([0.2, 0.45, 0.7])
    for h in hospitals:
        assert h.images.shape == (200, 1, 32, 32) and h.images.dtype == np.float32
        assert h.labels.dtype == np.int64 and 0.0 <= h.images.min() and h.images.max() <= 1.0
    assert ds.mri_scans(1, 4, 64)[0].images.shape == (4, 1, 64, 64)
    # scanners differ: per-image mean intensity differs between hospitals by many standard errors
    means = [h.images[h.labels == 0].mean(axis=(1, 2, 3)) for h in hospitals]
    se = max(m.std() / np.sqrt(len(m)) for m in means)
    assert max(m.mean() for m in means) - min(m.mean() for m in means) > 10 * se
    # a domain classifier tells hospitals apart from pixels
    X = np.concatenate([h.images.reshape(200, -1) for h in hospitals])
    site = np.repeat([0, 1, 2], 200)
    acc, _ = _holdout_accuracy(X, site, C=0.1)
    assert acc > 0.8
    # the lesion task is learnable centrally
    Xc, yc = ds.mri_centralized(hospitals)
    acc, majority = _holdout_accuracy(Xc.reshape(len(Xc), -1), yc, C=0.1)
    assert acc >= majority + 0.15, (acc, majority)


def test_device_telemetry_heavy_tail_and_clipping():
    df = ds.device_telemetry()
    cols = list(ds.TELEMETRY_FEATURES[:8])
    assert list(df.columns) == ["user_id", *cols, "primary_feature"]
    values = df[cols].to_numpy()
    assert (values >= 0).all() and (values.max(axis=1) > 0).all()
    nonzero = values[values > 0]
    assert nonzero.max() / np.median(nonzero) > 100  # heavy tail
    above = (nonzero > ds.TELEMETRY_CLIP_SECONDS).mean()
    assert 0.005 < above < 0.03  # documented: about 1-3% exceed the clip bound
    clipped = ds.clip_session_times(df)
    assert clipped[cols].to_numpy().max() == ds.TELEMETRY_CLIP_SECONDS
    assert df[cols].to_numpy().max() > ds.TELEMETRY_CLIP_SECONDS  # the input is untouched
    assert (df["primary_feature"].astype(str).to_numpy() == np.array(cols)[values.argmax(axis=1)]).all()


def test_sensitive_tabular_schema_rate_and_learnability():
    df = ds.sensitive_tabular()
    for col in (*ds.SENSITIVE_QUASI_IDENTIFIERS, *ds.SENSITIVE_ATTRIBUTES, ds.SENSITIVE_TARGET):
        assert col in df.columns
    assert df["zip_code"].str.fullmatch(r"\d{5}").all()
    assert abs(df[ds.SENSITIVE_TARGET].mean() - 0.30) <= 0.03
    assert df["health_condition"].nunique() == len(ds.HEALTH_CONDITIONS)
    X, y, names = ds.sensitive_design_matrix(df)
    assert X.shape == (5000, 20) and "zip_code" not in " ".join(names)
    acc, majority = _holdout_accuracy(X, y)
    assert acc >= majority + 0.05


def test_breast_cancer_is_the_real_table():
    X, y, names = ds.load_breast_cancer()
    assert X.shape == (569, 30) and len(names) == 30 and int(y.sum()) == 357


@pytest.mark.parametrize(
    "call,argument",
    [
        (lambda: ds.credit_risk(n_samples=0), "n_samples"),
        (lambda: ds.credit_risk(default_rate=1.5), "default_rate"),
        (lambda: ds.bank_transactions(fraud_rate_a=-0.1), "fraud_rate_a"),
        (lambda: ds.bank_transactions_vertical(10, 10, 11), "n_overlap"),
        (lambda: ds.mri_scans(image_size=48), "image_size"),
        (lambda: ds.mri_scans(n_hospitals=2, lesion_rates=[0.5]), "lesion_rates"),
        (lambda: ds.device_telemetry(n_features=99), "n_features"),
        (lambda: ds.sensitive_tabular(n_samples=-5), "n_samples"),
        (lambda: ds.clip_session_times(ds.device_telemetry(10), bound=0), "bound"),
        (
            lambda: ds.train_test_split_arrays(np.zeros((4, 1)), np.zeros(4), test_fraction=1.0),
            "test_fraction",
        ),
    ],
)
def test_invalid_arguments_name_the_argument(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()
