"""sensitive_tabular and the real breast-cancer table."""

import numpy as np
import pandas as pd

from ppml_lab import datasets as ds


def test_schema_constants_and_quasi_identifiers():
    df = ds.sensitive_tabular()
    assert len(df) == 5000
    assert ds.SENSITIVE_QUASI_IDENTIFIERS == ("zip_code", "age", "sex")
    assert ds.SENSITIVE_TARGET == "high_risk"
    assert {"income", "health_condition"} <= set(ds.SENSITIVE_ATTRIBUTES)
    for col in (*ds.SENSITIVE_QUASI_IDENTIFIERS, *ds.SENSITIVE_ATTRIBUTES, ds.SENSITIVE_TARGET):
        assert col in df.columns
    for col in ("age", "education_years", "hours_per_week", "smoker", "high_risk"):
        assert df[col].dtype == np.int64, col
    for col in ("bmi", "income"):
        assert df[col].dtype == np.float64, col
    for col in ("sex", "occupation", "marital_status", "health_condition"):
        assert isinstance(df[col].dtype, pd.CategoricalDtype), col
    assert list(df["health_condition"].cat.categories) == ds.HEALTH_CONDITIONS
    assert df["health_condition"].nunique() == len(ds.HEALTH_CONDITIONS) >= 4  # usable for l-diversity
    assert pd.api.types.is_string_dtype(df["zip_code"]) and df["zip_code"].str.fullmatch(r"\d{5}").all()
    assert df["zip_code"].str[:3].nunique() == 20  # documented prefixes
    assert df["age"].between(18, 90).all() and (df["income"] > 0).all()
    # the linkage lesson's point: most people are unique on (zip, age, sex); measured 88%
    unique = ~df.duplicated(list(ds.SENSITIVE_QUASI_IDENTIFIERS), keep=False)
    assert unique.mean() > 0.6


def test_target_rate_and_signal():
    df = ds.sensitive_tabular()
    assert abs(df["high_risk"].mean() - 0.30) <= 0.03  # documented ~30%, SE ~0.006
    by_condition = df.groupby("health_condition", observed=True)["high_risk"].mean()
    assert by_condition["cancer"] - by_condition["none"] >= 0.3  # measured 0.70 vs 0.16


def test_design_matrix_and_learnability(holdout):
    df = ds.sensitive_tabular()
    X, y, names = ds.sensitive_design_matrix(df)
    assert X.shape == (5000, 20) and X.dtype == np.float64 and y.dtype == np.int64
    assert len(names) == 20 and not any("zip" in n for n in names)
    assert np.allclose(X[:, :6].mean(axis=0), 0, atol=1e-9) and np.abs(X).max() < 10
    acc, majority, auc = holdout(X, y)
    # measured at seed 0: accuracy 0.79 vs majority 0.69, AUC 0.82
    assert acc >= majority + 0.05, (acc, majority)
    assert auc >= 0.75, auc


def test_breast_cancer_is_the_real_table(holdout):
    X, y, names = ds.load_breast_cancer()
    assert X.shape == (569, 30) and X.dtype == np.float64 and y.dtype == np.int64
    assert len(names) == 30 and names[0] == "mean radius"
    assert int(y.sum()) == 357  # 357 benign (1), 212 malignant (0)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    acc, majority, _ = holdout(X, y)
    assert acc >= majority + 0.2  # a classic, nearly separable task
