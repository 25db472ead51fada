"""``credit_risk``: a German-credit-like applicant table for the encrypted credit-risk lesson."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ppml_lab._checks import check_int, check_probability
from ppml_lab.datasets._common import design_matrix, intercept_for_rate, sigmoid

CREDIT_RISK_TARGET = "default"
CREDIT_NUMERIC = [
    "age",
    "duration_months",
    "credit_amount",
    "installment_rate",
    "residence_years",
    "existing_credits",
    "dependents",
    "monthly_income",
]
# level lists: the first level is the reference category of the design matrix
CREDIT_CATEGORIES: dict[str, list[str]] = {
    "checking_status": ["none", "negative", "low", "high"],
    "credit_history": ["all_paid", "existing_paid", "delayed", "critical"],
    "purpose": ["car", "furniture", "electronics", "education", "business"],
    "savings": ["unknown", "low", "medium", "high"],
    "employment_since": ["unemployed", "lt_1y", "1_4y", "gt_4y"],
    "personal_status": ["single", "married", "divorced"],
    "housing": ["own", "rent", "free"],
    "job": ["skilled", "unskilled", "management"],
    "other_debtors": ["none", "guarantor"],
    "property": ["real_estate", "savings_insurance", "none"],
    "telephone": ["yes", "no"],
    "foreign_worker": ["no", "yes"],
}
# effect of each category level on the log-odds of default
_EFFECTS: dict[str, dict[str, float]] = {
    "checking_status": {"none": -0.9, "negative": 0.9, "low": 0.4, "high": -0.4},
    "credit_history": {"all_paid": -0.3, "existing_paid": 0.0, "delayed": 0.5, "critical": 1.0},
    "purpose": {"car": 0.1, "furniture": 0.0, "electronics": -0.2, "education": 0.4, "business": 0.3},
    "savings": {"unknown": -0.2, "low": 0.4, "medium": 0.0, "high": -0.6},
    "employment_since": {"unemployed": 0.5, "lt_1y": 0.3, "1_4y": 0.0, "gt_4y": -0.3},
    "housing": {"own": -0.3, "rent": 0.2, "free": 0.3},
}


def credit_risk(n_samples: int = 1000, seed: int = 0, *, default_rate: float = 0.30) -> pd.DataFrame:
    """Loan applicants with a ``default`` label (int 0/1, about ``default_rate`` positive).

    Generative story: each applicant's numeric attributes are drawn from plausible marginals (age
    19-75, a log-normal credit amount that grows with the loan duration, small integer counts, a
    log-normal monthly income that grows with age) and twelve categorical attributes from level
    frequencies drawn once per seed (Dirichlet). Default follows a latent logistic model: longer
    loans, larger amounts relative to duration, a high installment rate, a negative checking
    balance, a poor credit history, low savings, short employment, renting, low income and youth
    raise the log-odds; Gaussian noise (sd 0.3) is added to the log-odds and the intercept is set
    so that the sample's expected default rate is ``default_rate`` (keyword-only, default 0.30).
    ``personal_status``, ``job``, ``other_debtors``, ``property``, ``telephone``, ``foreign_worker``,
    ``residence_years``, ``existing_credits`` and ``dependents`` carry no signal (noise columns).

    Schema: 8 numeric columns (``CREDIT_NUMERIC``; ``credit_amount`` and ``monthly_income`` float64,
    the rest int64), 12 ``category`` columns (``CREDIT_CATEGORIES``, levels in the listed order),
    and ``default`` (int64, ``CREDIT_RISK_TARGET``): 20 features and the target, ``n_samples`` rows.
    """
    n = check_int("n_samples", n_samples, minimum=10)
    rate = check_probability("default_rate", default_rate, open_low=True, open_high=True)
    check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    age = np.clip(rng.gamma(6.0, 6.0, n) + 19, 19, 75).astype(np.int64)
    duration = np.clip(np.round(rng.lognormal(np.log(18), 0.55, n)), 4, 72).astype(np.int64)
    amount = np.round(np.clip(rng.lognormal(np.log(150 * duration), 0.45), 250, 18_000), 2)
    df = pd.DataFrame(
        {
            "age": age,
            "duration_months": duration,
            "credit_amount": amount,
            "installment_rate": rng.integers(1, 5, n),
            "residence_years": rng.integers(1, 5, n),
            "existing_credits": np.clip(rng.poisson(0.5, n) + 1, 1, 4),
            "dependents": rng.choice([1, 2], n, p=[0.85, 0.15]),
            "monthly_income": np.round(rng.lognormal(np.log(2500) + 0.01 * (age - 35), 0.4), 2),
        }
    )
    for col, levels in CREDIT_CATEGORIES.items():
        weights = rng.dirichlet(np.full(len(levels), 4.0))
        df[col] = pd.Categorical(rng.choice(levels, n, p=weights), categories=levels)
    logit = (
        1.6 * (np.log(duration) - np.log(18))
        + 1.0 * (np.log(amount) - np.log(150 * duration))
        + 0.4 * (df["installment_rate"].to_numpy() - 2.5)
        - 0.045 * (age - 35)
        - 0.8 * (np.log(df["monthly_income"].to_numpy()) - np.log(2500))
    )
    for col, effect in _EFFECTS.items():
        logit = logit + 2.0 * df[col].map(effect).to_numpy(dtype=float)
    logit = logit + rng.normal(0.0, 0.3, n)
    logit = logit + intercept_for_rate(logit, rate)
    df[CREDIT_RISK_TARGET] = (rng.random(n) < sigmoid(logit)).astype(np.int64)
    return df


def credit_risk_design_matrix(
    df: pd.DataFrame, *, standardize: bool = True
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(X, y, feature_names)`` for a linear model (the encrypted-inference lesson's input).

    ``X`` (float64, shape ``(n, 35)``): the 8 numeric columns first (standardized to mean 0 and
    standard deviation 1 over ``df`` when ``standardize``; raw otherwise), then one-hot columns
    named ``"column=level"`` for every categorical level except the first (the reference level),
    27 in all. The values stay within a few units of zero, which keeps polynomial sigmoid
    approximations on encrypted data accurate. ``y`` is ``default`` as int64.
    """
    if CREDIT_RISK_TARGET not in df.columns:
        raise ValueError(f"df must have the target column {CREDIT_RISK_TARGET!r}")
    X, names = design_matrix(df, CREDIT_NUMERIC, list(CREDIT_CATEGORIES), standardize=standardize)
    return X, df[CREDIT_RISK_TARGET].to_numpy(dtype=np.int64), names
