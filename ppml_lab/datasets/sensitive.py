"""``sensitive_tabular``: people with income and health attributes, for DP-SGD, attacks and anonymization."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ppml_lab._checks import check_int
from ppml_lab.datasets._common import design_matrix, intercept_for_rate, sigmoid

SENSITIVE_QUASI_IDENTIFIERS = ("zip_code", "age", "sex")
SENSITIVE_ATTRIBUTES = ("income", "health_condition")
SENSITIVE_TARGET = "high_risk"
HEALTH_CONDITIONS = ["none", "hypertension", "asthma", "diabetes", "heart_disease", "cancer"]
OCCUPATIONS = ["office", "manual", "health", "education", "sales", "retired"]
MARITAL = ["single", "married", "divorced", "widowed"]
_ZIP_PREFIXES = [
    f"{p:03d}"
    for p in (
        21,
        22,
        100,
        101,
        104,
        200,
        201,
        303,
        331,
        452,
        482,
        554,
        606,
        631,
        752,
        787,
        802,
        852,
        900,
        941,
    )
]
_NUMERIC = ["age", "education_years", "hours_per_week", "bmi", "smoker", "log_income"]
_CATEGORICAL = ["sex", "occupation", "marital_status", "health_condition"]


def sensitive_tabular(n_samples: int = 5000, seed: int = 0) -> pd.DataFrame:
    """People described by quasi-identifiers, sensitive attributes and a binary risk label.

    Generative story: age (normal around 45, clipped to 18-90) and sex first; education falls
    slightly with age; occupation is ``retired`` from 67 on, otherwise drawn at random; hours
    worked are 0 for the retired; income is log-normal, growing with education, hours and age;
    BMI rises slightly with age and 22% smoke. The health condition is ``none`` or one of five
    conditions, more likely with age, BMI and smoking. The target ``high_risk`` (about 30%
    positive) follows a logistic model: older age, higher BMI, smoking, a health condition
    (cancer > heart disease > diabetes > hypertension > asthma) and lower income raise the
    log-odds, plus Gaussian noise (sd 0.3); the intercept sets the rate. ``sex``, ``marital_status``
    and ``zip_code`` carry no signal. ZIP codes are one of 20 three-digit prefixes followed by two
    digits 00-19 (400 codes), so age + sex + ZIP single out many people (the linkage lesson's
    point) while generalising the ZIP to its prefix gives groups of useful size.

    Schema (``n_samples`` rows): zip_code (str, 5 digits), age (int64), sex (category F/M),
    education_years (int64, 8-21), occupation (category), marital_status (category),
    hours_per_week (int64, 0-80), bmi (float64), smoker (int64 0/1), income (float64, per year),
    health_condition (category, ``HEALTH_CONDITIONS``), high_risk (int64 0/1). Constants:
    ``SENSITIVE_QUASI_IDENTIFIERS``, ``SENSITIVE_ATTRIBUTES``, ``SENSITIVE_TARGET``.
    """
    n = check_int("n_samples", n_samples, minimum=10)
    check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    age = np.clip(rng.normal(45, 16, n), 18, 90).astype(np.int64)
    sex = rng.choice(["F", "M"], n)
    education = np.clip(np.round(rng.normal(13, 2.5, n) - 0.02 * (age - 45)), 8, 21).astype(np.int64)
    occupation = np.where(
        age >= 67, "retired", rng.choice(OCCUPATIONS[:-1], n, p=[0.35, 0.2, 0.15, 0.1, 0.2])
    )
    hours = np.where(occupation == "retired", 0, np.clip(np.round(rng.normal(38, 8, n)), 5, 80)).astype(
        np.int64
    )
    income = np.round(
        rng.lognormal(np.log(18_000) + 0.09 * (education - 13) + 0.012 * hours + 0.008 * (age - 18), 0.45), 2
    )
    marital = rng.choice(MARITAL, n, p=[0.35, 0.45, 0.13, 0.07])
    bmi = np.round(np.clip(rng.normal(26 + 0.03 * (age - 45), 4.5, n), 15, 50), 1)
    smoker = (rng.random(n) < 0.22).astype(np.int64)
    # health condition: "none" or one condition, likelier with age, BMI and smoking
    risk = 0.045 * (age - 45) + 0.08 * (bmi - 26) + 0.7 * smoker
    p_any = sigmoid(risk - 0.4)
    cond_weights = np.array([0.35, 0.25, 0.2, 0.12, 0.08])
    condition = np.where(rng.random(n) < p_any, rng.choice(HEALTH_CONDITIONS[1:], n, p=cond_weights), "none")
    zip_code = np.array(
        [p + f"{d:02d}" for p, d in zip(rng.choice(_ZIP_PREFIXES, n), rng.integers(0, 20, n), strict=True)]
    )
    cond_effect = {
        "none": 0.0,
        "hypertension": 0.8,
        "asthma": 0.5,
        "diabetes": 1.2,
        "heart_disease": 1.6,
        "cancer": 2.0,
    }
    logit = (
        0.05 * (age - 45)
        + 0.12 * (bmi - 26)
        + 1.0 * smoker
        + np.vectorize(cond_effect.get)(condition)
        - 0.6 * (np.log(income) - np.log(30_000))
        + rng.normal(0, 0.3, n)
    )
    target = (rng.random(n) < sigmoid(logit + intercept_for_rate(logit, 0.30))).astype(np.int64)
    return pd.DataFrame(
        {
            "zip_code": zip_code,
            "age": age,
            "sex": pd.Categorical(sex, categories=["F", "M"]),
            "education_years": education,
            "occupation": pd.Categorical(occupation, categories=OCCUPATIONS),
            "marital_status": pd.Categorical(marital, categories=MARITAL),
            "hours_per_week": hours,
            "bmi": bmi,
            "smoker": smoker,
            "income": income,
            "health_condition": pd.Categorical(condition, categories=HEALTH_CONDITIONS),
            SENSITIVE_TARGET: target,
        }
    )


def sensitive_design_matrix(
    df: pd.DataFrame, *, standardize: bool = True
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(X, y, feature_names)`` for a classifier of ``high_risk`` (the DP-SGD lesson's input).

    ``X`` (float64, shape ``(n, 20)``): six numeric columns first (age, education_years,
    hours_per_week, bmi, smoker and log income; standardized over ``df`` when ``standardize``),
    then one-hot columns ``"column=level"`` for sex, occupation, marital_status and
    health_condition, first level dropped. The ZIP code is left out (an identifier, not a
    feature). ``y`` is ``high_risk`` as int64.
    """
    if SENSITIVE_TARGET not in df.columns:
        raise ValueError(f"df must have the target column {SENSITIVE_TARGET!r}")
    if "income" not in df.columns:
        raise ValueError("df must have the column 'income'")
    X, names = design_matrix(
        df.assign(log_income=np.log(df["income"])), _NUMERIC, _CATEGORICAL, standardize=standardize
    )
    return X, df[SENSITIVE_TARGET].to_numpy(dtype=np.int64), names
