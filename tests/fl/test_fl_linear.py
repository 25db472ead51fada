"""Lesson 05's reference functions: the client's local SGD and DP-FedAvg's server step on a weight vector.

``client_update`` is checked against gradient descent written out by hand (full batch, where the
minibatch order does not matter) and against itself (E epochs are E one-epoch updates chained with
the same generator). ``dp_fedavg_round`` is checked exactly without noise (per-update clipping that
only scales down, the fixed denominator) and as a distribution with noise (fixed seeds, a
Kolmogorov-Smirnov test at alpha = 1e-3). ``dp_fedavg_epsilon`` is checked against Opacus.
"""

import numpy as np
import pytest
from scipy import stats

from ppml_lab.fl import DPFedAvg, client_update, dp_fedavg_epsilon, dp_fedavg_round


def _data(n=30, d=4, seed=0):
    gen = np.random.default_rng(seed)
    X = gen.normal(size=(n, d))
    y = (X[:, 0] + 0.5 * gen.normal(size=n) > 0).astype(float)
    return X, y, gen.normal(size=d + 1) * 0.3


def _full_batch_gd(w, X, y, epochs, lr):
    Xb = np.c_[X, np.ones(len(X))]
    w = w.copy()
    for _ in range(epochs):
        p = 1 / (1 + np.exp(-Xb @ w))
        w -= lr * Xb.T @ (p - y) / len(y)
    return w


def test_full_batch_client_update_is_gradient_descent_from_the_global_weights():
    X, y, w = _data()
    kept = w.copy()
    update, n = client_update(w, X, y, epochs=5, lr=0.4, batch_size=len(y), rng=np.random.default_rng(1))
    assert n == len(y)
    assert np.allclose(update, _full_batch_gd(w, X, y, 5, 0.4) - w, rtol=1e-10, atol=1e-12)
    assert np.array_equal(w, kept), "the global weights must not change"


def test_epochs_chain_and_the_learning_rate_scales_a_small_step():
    X, y, w = _data(seed=2)
    two, _ = client_update(w, X, y, epochs=2, lr=0.1, batch_size=7, rng=np.random.default_rng(3))
    rng = np.random.default_rng(3)
    first, _ = client_update(w, X, y, epochs=1, lr=0.1, batch_size=7, rng=rng)
    second, _ = client_update(w + first, X, y, epochs=1, lr=0.1, batch_size=7, rng=rng)
    assert np.allclose(two, first + second, rtol=1e-12, atol=1e-14)
    assert not np.allclose(two, first, atol=1e-6), "a second epoch moves the weights further"
    tiny, _ = client_update(w, X, y, epochs=1, lr=1e-6, batch_size=len(y), rng=np.random.default_rng(0))
    tinier, _ = client_update(w, X, y, epochs=1, lr=1e-7, batch_size=len(y), rng=np.random.default_rng(0))
    assert np.allclose(tiny, 10 * tinier, rtol=1e-9)


def test_client_update_refuses_bad_arguments_by_name():
    X, y, w = _data()
    with pytest.raises(ValueError, match="epochs"):
        client_update(w, X, y, 0, 0.1, 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match="w_global"):
        client_update(w[:-1], X, y, 1, 0.1, 4, np.random.default_rng(0))


def test_without_noise_each_update_is_clipped_on_its_own_and_divided_by_the_expected_count():
    w = np.array([1.0, -1.0, 0.0])
    updates = [np.array([3.0, 4.0, 0.0]), np.array([0.0, 0.3, 0.4]), np.array([0.0, 0.0, -10.0])]
    kept = [u.copy() for u in updates]
    new = dp_fedavg_round(w, updates, 1.0, 0.0, 4, np.random.default_rng(0))
    clipped = np.array([0.6, 0.8, 0.0]) + np.array([0.0, 0.3, 0.4]) + np.array([0.0, 0.0, -1.0])
    assert np.allclose(new, w + clipped / 4, rtol=0, atol=1e-12)  # norm 0.5 untouched, 5 and 10 down to 1
    assert np.array_equal(w, [1.0, -1.0, 0.0]) and all(np.array_equal(a, b) for a, b in zip(updates, kept, strict=True))
    assert np.array_equal(dp_fedavg_round(w, [], 1.0, 0.0, 4, np.random.default_rng(0)), w)


@pytest.mark.parametrize("n_clients", [1, 5])
def test_the_noise_is_one_gaussian_of_std_z_c_on_the_sum(n_clients):
    gen = np.random.default_rng(10 + n_clients)
    w = np.zeros(6)
    updates = [gen.normal(size=6) for _ in range(n_clients)]
    clean = dp_fedavg_round(w, updates, 0.5, 0.0, 4.0, gen)
    noise = np.array([dp_fedavg_round(w, updates, 0.5, 1.3, 4.0, gen) - clean for _ in range(1500)])
    # std z * C / expected_clients whatever the number of clients: a correct sampler fails 1 time in 1000
    assert stats.kstest(noise.ravel(), stats.norm(scale=1.3 * 0.5 / 4).cdf).pvalue > 1e-3
    assert np.max(np.abs(np.corrcoef(noise, rowvar=False) - np.eye(6))) < 5 / np.sqrt(1500)


def test_the_noise_comes_from_the_generator_given():
    w, u = np.zeros(3), [np.ones(3)]
    a = dp_fedavg_round(w, u, 1.0, 1.0, 1, np.random.default_rng(5))
    b = dp_fedavg_round(w, u, 1.0, 1.0, 1, np.random.default_rng(5))
    c = dp_fedavg_round(w, u, 1.0, 1.0, 1, np.random.default_rng(6))
    assert np.array_equal(a, b) and not np.allclose(a, c)


def test_epsilon_matches_opacus_and_the_strategy():
    from opacus.accountants import RDPAccountant as OpacusRDP

    opacus = OpacusRDP()
    for _ in range(30):
        opacus.step(noise_multiplier=1.2, sample_rate=0.2)
    assert dp_fedavg_epsilon(1.2, 0.2, 30, 1e-5) == pytest.approx(opacus.get_epsilon(1e-5), rel=1e-3)
    strategy = DPFedAvg(noise_multiplier=1.2, fraction_fit=0.2, noise_seed=0)
    rng = np.random.default_rng(0)
    for r in range(30):
        strategy.configure_fit(r + 1, 40, rng)
    assert dp_fedavg_epsilon(1.2, 0.2, 30, 1e-5) == pytest.approx(strategy.epsilon(1e-5), rel=1e-12)
    assert dp_fedavg_epsilon(1.2, 0.2, 60, 1e-5) > dp_fedavg_epsilon(1.2, 0.2, 30, 1e-5)
    with pytest.raises(ValueError, match="sample_rate"):
        dp_fedavg_epsilon(1.0, 0.0, 3, 1e-5)
