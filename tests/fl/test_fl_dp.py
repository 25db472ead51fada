"""DP-FedAvg's server-side guarantee: what one client can change in the released model.

The central accountant assumes that adding or removing one client moves the noised sum by at most
the clip bound, under noise of fixed variance. These tests hold the server's noise fixed (same
seed) and measure the change one client causes, with and without local noise, for an honest
client (clip + local Gaussian noise, as ``TorchClient`` does) and one that ignores clipping.
"""

import numpy as np
import pytest

from ppml_lab.dp import RDPAccountant
from ppml_lab.fl.dp import DPFedAvg

SHAPES = [(20, 10), (10,)]


def _release(strategy_kwargs, reports, current):
    """The server's next model from ``reports`` (update vectors), with a fixed noise seed."""
    strategy = DPFedAvg(noise_seed=11, **strategy_kwargs)
    strategy._expected = 4.0  # as if four clients were expected this round
    results = [([c + d for c, d in zip(current, r, strict=True)], 10) for r in reports]
    return strategy.aggregate_fit(1, current, results)


def _norm(arrays):
    return float(np.sqrt(sum(float((a**2).sum()) for a in arrays)))


def _honest_noisy_report(rng, clip, local_std):
    """A client's update clipped to ``clip`` plus local Gaussian noise (what TorchClient sends)."""
    update = [rng.normal(0, 1.0, s) for s in SHAPES]
    factor = min(1.0, clip / _norm(update))
    return [u * factor + rng.normal(0, local_std, u.shape) for u in update]


@pytest.mark.parametrize("local", [0.0, 1.0])
def test_one_client_moves_the_release_by_at_most_the_clip_over_the_expected_count(local):
    rng = np.random.default_rng(0)
    current = [np.zeros(s) for s in SHAPES]
    clip = 0.5
    kwargs = dict(noise_multiplier=1.0, clip_norm=clip, local_noise_multiplier=local)
    others = [_honest_noisy_report(rng, clip, local * clip) for _ in range(3)]
    honest = _honest_noisy_report(rng, clip, local * clip)
    rogue = [np.full(s, 100.0) for s in SHAPES]  # a client that did not clip
    without = _release(kwargs, others, current)
    for newcomer in (honest, rogue):
        change = _norm(
            [a - b for a, b in zip(_release(kwargs, [*others, newcomer], current), without, strict=True)]
        )
        # sensitivity of the sum is clip; the release divides the sum by the expected count 4
        assert change <= clip / 4 + 1e-9, change
    # the honest noisy report is longer than the clip: only the server's own clip bounds it
    assert _norm(honest) > clip if local else _norm(honest) <= clip + 1e-9


def test_server_clip_norm_sets_both_the_clip_and_the_noise():
    current = [np.zeros(s) for s in SHAPES]
    big = [np.full(s, 10.0) for s in SHAPES]
    kw = dict(noise_multiplier=0.0, clip_norm=0.5, local_noise_multiplier=1.0, server_clip_norm=3.0)
    assert _norm(_release(kw, [big], current)) == pytest.approx(3.0 / 4)
    noisy = _release({**kw, "noise_multiplier": 2.0}, [], [np.zeros(200_000)])[0] * 4
    assert noisy.std() == pytest.approx(2.0 * 3.0, rel=0.01)  # std noise_multiplier * server clip
    with pytest.raises(ValueError, match="server_clip_norm"):
        DPFedAvg(server_clip_norm=0.0)


def test_epsilon_with_local_noise_is_the_central_accountants_and_matches_opacus():
    from opacus.accountants import RDPAccountant as OpacusRDP

    strategy = DPFedAvg(
        noise_multiplier=1.1, clip_norm=0.5, local_noise_multiplier=0.5, fraction_fit=0.3, noise_seed=0
    )
    rng = np.random.default_rng(0)
    for r in range(20):
        strategy.configure_fit(r + 1, 50, rng)
    ours = RDPAccountant()
    ours.step(noise_multiplier=1.1, sample_rate=0.3, num_steps=20)
    opacus = OpacusRDP()
    for _ in range(20):
        opacus.step(noise_multiplier=1.1, sample_rate=0.3)
    assert strategy.epsilon(1e-5) == pytest.approx(ours.get_epsilon(1e-5), rel=1e-12)
    assert strategy.epsilon(1e-5) == pytest.approx(opacus.get_epsilon(1e-5), rel=1e-3)
