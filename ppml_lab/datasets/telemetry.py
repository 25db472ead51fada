"""``device_telemetry``: per-user time spent in each product feature, for the telemetry lesson."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ppml_lab._checks import check_float, check_int

TELEMETRY_FEATURES = (
    "feature_search",
    "feature_editor",
    "feature_share",
    "feature_comments",
    "feature_export",
    "feature_settings",
    "feature_notifications",
    "feature_dashboard",
    "feature_calendar",
    "feature_chat",
    "feature_upload",
    "feature_help",
)
# Documented clipping bound: one hour per feature per reporting period. Devices clip before
# reporting, so one user's contribution to any per-feature sum is at most this many seconds.
TELEMETRY_CLIP_SECONDS = 3600.0
# Probability that a user touches each feature (popularity decreases along the list) and the
# median session time (seconds) of a user who does.
_USE_PROBABILITY = np.array([0.85, 0.70, 0.45, 0.40, 0.25, 0.20, 0.35, 0.30, 0.15, 0.50, 0.30, 0.05])
_MEDIAN_SECONDS = np.array([60, 600, 40, 120, 90, 30, 20, 180, 150, 300, 70, 45], dtype=np.float64)


def device_telemetry(n_users: int = 10_000, n_features: int = 8, seed: int = 0) -> pd.DataFrame:
    """One row per user: seconds spent in each of the first ``n_features`` features.

    Generative story: a user touches feature f with probability ``_USE_PROBABILITY[f]`` (at least
    one feature per user). Time in a used feature is log-normal around the feature's median
    (``_MEDIAN_SECONDS``, sigma 1.0), multiplied by a per-user activity level (log-normal, sigma
    0.5); 2% of sessions are "left open" and get an extra Pareto(1.5) tail of up to days, which
    is what the clipping bound ``TELEMETRY_CLIP_SECONDS`` (3600 s) is for: about 1-3% of non-zero
    values exceed it. ``primary_feature`` is the feature with the most time.

    Schema: ``user_id`` (str), one float64 column per feature (``TELEMETRY_FEATURES[:n_features]``),
    ``primary_feature`` (category over those feature names).
    """
    n = check_int("n_users", n_users, minimum=1)
    k = check_int("n_features", n_features, minimum=2, maximum=len(TELEMETRY_FEATURES))
    check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    used = rng.random((n, k)) < _USE_PROBABILITY[:k]
    nobody = ~used.any(axis=1)
    used[nobody, rng.integers(0, k, nobody.sum())] = True
    activity = rng.lognormal(0.0, 0.5, (n, 1))
    seconds = rng.lognormal(np.log(_MEDIAN_SECONDS[:k]), 1.0, (n, k)) * activity
    left_open = rng.random((n, k)) < 0.02
    seconds = seconds + np.where(left_open, 600.0 * (rng.pareto(1.5, (n, k)) + 1.0), 0.0)
    seconds = np.round(np.where(used, seconds, 0.0), 1)
    names = list(TELEMETRY_FEATURES[:k])
    df = pd.DataFrame(seconds, columns=names)
    df.insert(0, "user_id", [f"device-{i:07d}" for i in range(n)])
    df["primary_feature"] = pd.Categorical(np.array(names)[seconds.argmax(axis=1)], categories=names)
    return df


def clip_session_times(df: pd.DataFrame, bound: float = TELEMETRY_CLIP_SECONDS) -> pd.DataFrame:
    """A copy of ``df`` with every feature column clipped to ``[0, bound]`` seconds."""
    bound = check_float("bound", bound, minimum=0.0, min_inclusive=False)
    cols = [c for c in df.columns if c.startswith("feature_")]
    if not cols:
        raise ValueError("df has no feature_* columns to clip")
    out = df.copy()
    out[cols] = out[cols].clip(lower=0.0, upper=bound)
    return out
