"""Seeded generators for every scenario of the kit (no downloads).

Every generator takes a ``seed`` and is deterministic for it; its docstring tells how the data
are made (the generative story) and their schema.

* :func:`credit_risk` — loan applicants (encrypted credit risk, HE).
* :func:`bank_transactions`, :func:`bank_transactions_vertical` — two banks' fraud data (SMPC, PSI).
* :func:`mri_scans` — brain-like MRI slices from hospitals with their own scanners (FL).
* :func:`device_telemetry` — time spent per product feature per device (local DP, secure aggregation);
  :func:`telemetry_expected_means` gives its true per-feature means.
* :func:`sensitive_tabular` — income and health attributes (DP-SGD, attacks, anonymization).
* :func:`load_breast_cancer` — a real medical table shipped with scikit-learn.

The layer rule: this package imports only NumPy, pandas, scikit-learn, the standard library and
``ppml_lab._checks``; images come back as float32 NumPy arrays, ready for ``torch.from_numpy``.
"""

from ppml_lab.datasets._common import train_test_split_arrays
from ppml_lab.datasets.banks import (
    MERCHANT_CATEGORIES,
    TRANSACTION_COLUMNS,
    VERTICAL_FEATURES_A,
    VERTICAL_FEATURES_B,
    bank_transactions,
    bank_transactions_vertical,
    fraud_design_matrix,
)
from ppml_lab.datasets.credit import (
    CREDIT_CATEGORIES,
    CREDIT_NUMERIC,
    CREDIT_RISK_TARGET,
    credit_risk,
    credit_risk_design_matrix,
)
from ppml_lab.datasets.mri import HospitalScans, ScannerProfile, mri_centralized, mri_scans
from ppml_lab.datasets.real import load_breast_cancer
from ppml_lab.datasets.sensitive import (
    HEALTH_CONDITIONS,
    SENSITIVE_ATTRIBUTES,
    SENSITIVE_QUASI_IDENTIFIERS,
    SENSITIVE_TARGET,
    sensitive_design_matrix,
    sensitive_tabular,
)
from ppml_lab.datasets.telemetry import (
    TELEMETRY_CLIP_SECONDS,
    TELEMETRY_FEATURES,
    clip_session_times,
    device_telemetry,
    telemetry_expected_means,
)

__all__ = [
    "CREDIT_CATEGORIES",
    "CREDIT_NUMERIC",
    "CREDIT_RISK_TARGET",
    "HEALTH_CONDITIONS",
    "MERCHANT_CATEGORIES",
    "SENSITIVE_ATTRIBUTES",
    "SENSITIVE_QUASI_IDENTIFIERS",
    "SENSITIVE_TARGET",
    "TELEMETRY_CLIP_SECONDS",
    "TELEMETRY_FEATURES",
    "TRANSACTION_COLUMNS",
    "VERTICAL_FEATURES_A",
    "VERTICAL_FEATURES_B",
    "HospitalScans",
    "ScannerProfile",
    "bank_transactions",
    "bank_transactions_vertical",
    "clip_session_times",
    "credit_risk",
    "credit_risk_design_matrix",
    "device_telemetry",
    "fraud_design_matrix",
    "load_breast_cancer",
    "mri_centralized",
    "mri_scans",
    "sensitive_design_matrix",
    "sensitive_tabular",
    "telemetry_expected_means",
    "train_test_split_arrays",
]
