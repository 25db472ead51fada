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
# Probability that a user touches each feature and the
# median session time (seconds) of a user who does.
_USE_PROBABILITY = np.array([0.85, 0.70, 0.45, 0.40, 0.25, 0.20, 0.35, 0.30, 0.15, 0.50, 0.30, 0.05])
_MEDIAN_SECONDS = np.array([60, 600, 40, 120, 90, 30, 20, 180, 150, 300, 70, 45], dtype=np.float64)
_SESSION_SIGMA = 1.0  # log-normal spread of one user's time in one feature
_ACTIVITY_SIGMA = 0.5  # log-normal spread of users' overall activity
# sessions "left open": probability, scale (seconds) and Pareto shape of the extra time
_LEFT_OPEN_PROBABILITY = 0.02
_LEFT_OPEN_SCALE = 600.0
_LEFT_OPEN_SHAPE = 1.5


def device_telemetry(n_users: int = 10_000, n_features: int = 8, seed: int = 0) -> pd.DataFrame:
    """One row per user: seconds spent in each of the first ``n_features`` product features.

    Generative story, for user ``u`` and feature ``f`` (constants in this module):

    * ``u`` uses ``f`` with probability ``p_f = _USE_PROBABILITY[f]`` (independently; a user who
      drew no feature at all is given one uniformly at random), otherwise the time is exactly 0;
    * a used feature's time is ``m_f * A_u * L_uf`` with ``m_f = _MEDIAN_SECONDS[f]``, a per-user
      activity ``A_u ~ LogNormal(0, 0.5)`` and ``L_uf ~ LogNormal(0, 1)``;
    * with probability 0.02 the session was "left open": ``600 * P`` seconds are added, with ``P``
      classic Pareto(shape 1.5, minimum 1), i.e. mean 3 and infinite variance;
    * times are rounded to 0.1 s.

    So the true mean of feature ``f`` (unclipped) is
    ``(p_f + P0 / n_features) * (m_f * exp(0.625) + 36)`` with ``P0 = prod_j (1 - p_j)``; see
    :func:`telemetry_expected_means`. About 56% of the values are zeros; about 1-3% of the
    non-zero values (0.5-1% of all values; 1.3% and 0.6% at the defaults) exceed
    ``TELEMETRY_CLIP_SECONDS`` (3600 s): the log-normal tail of long-session features such as the
    editor and the left-open sessions. Those few values dominate the sensitivity of a sum, which is
    why devices clip before reporting (:func:`clip_session_times`). ``primary_feature`` is the
    feature with the most time (ties go to the first).

    Features, ``(p_f, m_f seconds)``: search (0.85, 60), editor (0.70, 600), share (0.45, 40),
    comments (0.40, 120), export (0.25, 90), settings (0.20, 30), notifications (0.35, 20),
    dashboard (0.30, 180), calendar (0.15, 150), chat (0.50, 300), upload (0.30, 70),
    help (0.05, 45).

    Schema: ``user_id`` (str, ``"device-0000042"``), one float64 column per feature
    (``TELEMETRY_FEATURES[:n_features]``, 2 <= ``n_features`` <= 12), ``primary_feature``
    (category over those feature names); ``n_users`` rows.
    """
    n = check_int("n_users", n_users, minimum=1)
    k = check_int("n_features", n_features, minimum=2, maximum=len(TELEMETRY_FEATURES))
    check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    used = rng.random((n, k)) < _USE_PROBABILITY[:k]
    nobody = ~used.any(axis=1)
    used[nobody, rng.integers(0, k, nobody.sum())] = True
    activity = rng.lognormal(0.0, _ACTIVITY_SIGMA, (n, 1))
    seconds = rng.lognormal(np.log(_MEDIAN_SECONDS[:k]), _SESSION_SIGMA, (n, k)) * activity
    left_open = rng.random((n, k)) < _LEFT_OPEN_PROBABILITY
    seconds = seconds + np.where(
        left_open, _LEFT_OPEN_SCALE * (rng.pareto(_LEFT_OPEN_SHAPE, (n, k)) + 1.0), 0.0
    )
    seconds = np.round(np.where(used, seconds, 0.0), 1)
    names = list(TELEMETRY_FEATURES[:k])
    df = pd.DataFrame(seconds, columns=names)
    df.insert(0, "user_id", [f"device-{i:07d}" for i in range(n)])
    df["primary_feature"] = pd.Categorical(np.array(names)[seconds.argmax(axis=1)], categories=names)
    return df


def telemetry_expected_means(n_features: int = 8) -> dict[str, float]:
    """The exact expected (unclipped) seconds per user for each feature of :func:`device_telemetry`.

    ``E[time_f] = P(f used) * (m_f * exp((sigma_session**2 + sigma_activity**2) / 2)
    + p_open * scale * shape / (shape - 1))``, where ``P(f used) = p_f + P0 / n_features`` accounts
    for the users who drew no feature. The ground truth a private mean estimate is compared to
    (rounding to 0.1 s is ignored).
    """
    k = check_int("n_features", n_features, minimum=2, maximum=len(TELEMETRY_FEATURES))
    p = _USE_PROBABILITY[:k]
    p_used = p + np.prod(1.0 - p) / k
    lognormal_mean = _MEDIAN_SECONDS[:k] * np.exp((_SESSION_SIGMA**2 + _ACTIVITY_SIGMA**2) / 2)
    open_mean = _LEFT_OPEN_PROBABILITY * _LEFT_OPEN_SCALE * _LEFT_OPEN_SHAPE / (_LEFT_OPEN_SHAPE - 1)
    means = p_used * (lognormal_mean + open_mean)
    return {name: float(m) for name, m in zip(TELEMETRY_FEATURES[:k], means, strict=True)}


def clip_session_times(df: pd.DataFrame, bound: float = TELEMETRY_CLIP_SECONDS) -> pd.DataFrame:
    """A copy of ``df`` with every feature column clipped to ``[0, bound]`` seconds."""
    bound = check_float("bound", bound, minimum=0.0, min_inclusive=False)
    cols = [c for c in df.columns if c.startswith("feature_")]
    if not cols:
        raise ValueError("df has no feature_* columns to clip")
    out = df.copy()
    out[cols] = out[cols].clip(lower=0.0, upper=bound)
    return out
