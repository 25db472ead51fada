"""device_telemetry: schema, heavy tails, documented clipping fraction, documented true means."""

import numpy as np
import pandas as pd
import pytest

from ppml_lab import datasets as ds

COLS = list(ds.TELEMETRY_FEATURES[:8])


@pytest.fixture(scope="module")
def telemetry():
    return ds.device_telemetry()  # 10000 users, 8 features, seed 0


def test_schema(telemetry):
    df = telemetry
    assert list(df.columns) == ["user_id", *COLS, "primary_feature"] and len(df) == 10_000
    assert df["user_id"].is_unique
    assert all(df[c].dtype == np.float64 for c in COLS)
    assert isinstance(df["primary_feature"].dtype, pd.CategoricalDtype)
    assert list(df["primary_feature"].cat.categories) == COLS
    values = df[COLS].to_numpy()
    assert (values >= 0).all() and (values.max(axis=1) > 0).all()  # everyone uses something
    assert (df["primary_feature"].astype(str).to_numpy() == np.array(COLS)[values.argmax(axis=1)]).all()
    assert list(ds.device_telemetry(20, 12).columns)[1:-1] == list(ds.TELEMETRY_FEATURES)


def test_heavy_tails_and_many_zeros(telemetry):
    values = telemetry[COLS].to_numpy()
    assert 0.45 <= (values == 0).mean() <= 0.65  # documented: about 56% zeros
    nonzero = values[values > 0]
    assert nonzero.max() / np.median(nonzero) > 100  # measured ~3800
    z = (nonzero - nonzero.mean()) / nonzero.std()
    assert (z**4).mean() - 3 > 50  # excess kurtosis; a normal distribution has 0


def test_clip_bound_is_exceeded_rarely_but_not_never(telemetry):
    values = telemetry[COLS].to_numpy()
    nonzero = values[values > 0]
    # documented: about 1-3% of non-zero values, 0.5-1% of all values, exceed 3600 s
    assert ds.TELEMETRY_CLIP_SECONDS == 3600.0
    assert 0.01 <= (nonzero > ds.TELEMETRY_CLIP_SECONDS).mean() <= 0.03
    assert 0.005 <= (values > ds.TELEMETRY_CLIP_SECONDS).mean() <= 0.01


def test_clip_session_times_clips_a_copy(telemetry):
    clipped = ds.clip_session_times(telemetry)
    assert clipped[COLS].to_numpy().max() == ds.TELEMETRY_CLIP_SECONDS
    assert telemetry[COLS].to_numpy().max() > ds.TELEMETRY_CLIP_SECONDS  # the input is untouched
    below = telemetry[COLS].to_numpy() <= ds.TELEMETRY_CLIP_SECONDS
    assert np.array_equal(clipped[COLS].to_numpy()[below], telemetry[COLS].to_numpy()[below])
    pd.testing.assert_series_equal(clipped["user_id"], telemetry["user_id"])
    assert ds.clip_session_times(telemetry, bound=60.0)[COLS].to_numpy().max() == 60.0


def test_documented_distribution_gives_the_true_means():
    expected = ds.telemetry_expected_means(2)
    assert list(expected) == ["feature_search", "feature_editor"]
    # 0.85 * (60 e^0.625 + 36) with the "at least one feature" correction
    assert expected["feature_search"] == pytest.approx((0.85 + 0.15 * 0.30 / 2) * (60 * np.exp(0.625) + 36))
    df = ds.device_telemetry(50_000, 2, seed=0)
    for name, mean in expected.items():
        assert df[name].mean() == pytest.approx(mean, rel=0.06)  # measured within 1-4% over seeds
    # usage frequencies: fraction of users with a non-zero time is p_f (SE ~0.005 at 10000 users)
    df8 = ds.device_telemetry(seed=1)
    p = [0.85, 0.70, 0.45, 0.40, 0.25, 0.20, 0.35, 0.30]
    assert np.allclose((df8[COLS] > 0).mean().to_numpy(), p, atol=0.02)
