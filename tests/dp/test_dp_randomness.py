"""Where DP noise comes from: the OS-CSPRNG Gaussian of DP-SGD's secure mode and its contract.

The secure sampler has no seed, so its statistical tests use tolerances of about six standard
errors (for 200 000 draws: mean within 6 sigma / sqrt(n), standard deviation within 1%, excess
kurtosis within 0.07, Kolmogorov-Smirnov distance below the 1e-6 critical value).
"""

import math

import numpy as np
import pytest
import torch
from scipy import stats

from ppml_lab.dp import train_dp_sgd
from ppml_lab.dp._random import secure_gaussian, secure_uniform
from ppml_lab.dp.dpsgd import _step_noise
from ppml_lab.models import MLP

N = 200_000


def test_secure_uniform_is_on_the_2_to_minus_53_grid_of_the_unit_interval():
    u = secure_uniform(N)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert np.all(u * 2.0**53 == np.floor(u * 2.0**53))
    assert u.mean() == pytest.approx(0.5, abs=6 * math.sqrt(1 / 12 / N))


def test_secure_gaussian_has_the_stated_mean_variance_and_shape():
    sigma = 2.5
    z = secure_gaussian(sigma, (N,))
    assert z.mean() == pytest.approx(0.0, abs=6 * sigma / math.sqrt(N))
    assert z.std() == pytest.approx(sigma, rel=0.01)
    assert stats.kurtosis(z) == pytest.approx(0.0, abs=0.07)
    assert stats.kstest(z / sigma, "norm").statistic < math.sqrt(-math.log(0.5e-6) / 2) / math.sqrt(N)
    # two calls share no state: their draws are uncorrelated
    assert abs(np.corrcoef(z[: N // 2], secure_gaussian(sigma, (N // 2,)))[0, 1]) < 6 / math.sqrt(N // 2)


def test_secure_step_noise_covers_every_parameter_with_std_sigma_times_c():
    params = [torch.zeros(300, 200), torch.zeros(200), torch.zeros(2, 200)]
    noise = _step_noise(params, 1.3, torch.Generator(), secure=True)
    assert [n.shape for n in noise] == [p.shape for p in params]
    assert all(n.dtype == torch.float32 for n in noise)
    flat = torch.cat([n.reshape(-1) for n in noise]).double()
    assert float(flat.mean()) == pytest.approx(0.0, abs=6 * 1.3 / math.sqrt(flat.numel()))
    assert float(flat.std()) == pytest.approx(1.3, rel=0.01)


def test_secure_mode_trains_spends_the_same_epsilon_and_cannot_be_replayed():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 5))
    y = (X[:, 0] > 0).astype(int)
    kwargs = dict(noise_multiplier=0.8, max_grad_norm=1.0, batch_size=50, epochs=3, lr=0.5, seed=0)
    a = train_dp_sgd(MLP(5), X, y, secure_mode=True, **kwargs)
    b = train_dp_sgd(MLP(5), X, y, secure_mode=True, **kwargs)
    plain = train_dp_sgd(MLP(5), X, y, noise_seed=0, **kwargs)
    assert a.epsilon == pytest.approx(plain.epsilon, rel=1e-12)
    assert a.final_accuracy > 0.8
    assert any(not torch.equal(p, q) for p, q in zip(a.model.parameters(), b.model.parameters(), strict=True))


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"secure_mode": True, "noise_seed": 0}, "noise_seed"),
        ({"secure_mode": True, "engine": "opacus"}, "secure_mode"),
        ({"secure_mode": 1}, "secure_mode"),
    ],
)
def test_secure_mode_refuses_what_it_cannot_honour(kwargs, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        train_dp_sgd(MLP(3), np.zeros((10, 3)), np.zeros(10), **kwargs)
