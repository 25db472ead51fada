"""DP-SGD: per-example gradients against autograd, ours against Opacus, the NumPy trainer."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ppml_lab import datasets as ds
from ppml_lab.dp import (
    DPLogisticRegression,
    add_gaussian_noise,
    clip_and_sum,
    clip_per_sample_gradients,
    logistic_per_sample_gradients,
    per_sample_gradients,
    train_dp_sgd,
)
from ppml_lab.models import MLP, SmallCNN


@pytest.mark.parametrize("make,shape", [(lambda: MLP(20), (16, 20)), (lambda: SmallCNN(32), (6, 1, 32, 32))])
def test_per_sample_gradients_equal_autograd(make, shape):
    torch.manual_seed(0)
    model = make()
    X, y = torch.randn(*shape), torch.randint(0, 2, (shape[0],))
    ours = per_sample_gradients(model, X, y)
    for i in range(shape[0]):
        model.zero_grad()
        F.cross_entropy(model(X[i : i + 1]), y[i : i + 1]).backward()
        for name, p in model.named_parameters():
            assert torch.allclose(ours[name][i], p.grad, atol=1e-6), name
    # no clipping: the clipped sum is the plain sum, which is batch-size times the mean gradient
    model.zero_grad()
    F.cross_entropy(model(X), y, reduction="sum").backward()
    summed = clip_and_sum(ours, math.inf)
    for name, p in model.named_parameters():
        assert torch.allclose(summed[name], p.grad, atol=1e-5), name


def test_clipping_is_per_example_and_bounds_each_norm():
    grads = np.array([[3.0, 4.0], [0.03, 0.04], [-6.0, 8.0]])
    clipped = clip_per_sample_gradients(grads, 1.0)
    assert np.linalg.norm(clipped, axis=1) == pytest.approx([1.0, 0.05, 1.0])
    # clipping the batch gradient instead would leave the small example's direction swamped
    assert not np.allclose(clipped.sum(0), grads.sum(0) / np.linalg.norm(grads.sum(0)))


def test_noise_has_std_noise_multiplier_times_clip():
    noisy = add_gaussian_noise(np.zeros(50_000), 1.3, 2.0, np.random.default_rng(0))
    assert noisy.std() == pytest.approx(2.6, rel=0.02)


def test_logistic_per_sample_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    X, y, w = rng.normal(size=(5, 3)), rng.integers(0, 2, 5), rng.normal(size=4)

    def loss(wv, i):
        z = X[i] @ wv[:-1] + wv[-1]
        return np.logaddexp(0, z) - y[i] * z

    g = logistic_per_sample_gradients(w, X, y)
    for i in range(5):
        num = [(loss(w + e, i) - loss(w - e, i)) / 2e-6 for e in np.eye(4) * 1e-6]
        assert g[i] == pytest.approx(num, abs=1e-6)


@pytest.fixture(scope="module")
def sensitive_split():
    X, y, _ = ds.sensitive_design_matrix(ds.sensitive_tabular(5000, seed=0))
    return ds.train_test_split_arrays(X, y, seed=0)


def test_ours_and_opacus_reach_the_same_accuracy_at_the_same_epsilon(sensitive_split):
    Xtr, Xte, ytr, yte = sensitive_split
    accs, eps = {}, {}
    for engine in ("ours", "opacus"):
        runs = [
            train_dp_sgd(
                MLP(20),
                Xtr,
                ytr,
                engine=engine,
                noise_multiplier=1.0,
                max_grad_norm=1.0,
                batch_size=256,
                epochs=4,
                lr=0.5,
                seed=s,
                noise_seed=s,
                X_test=Xte,
                y_test=yte,
            )
            for s in range(3)
        ]
        accs[engine] = np.mean([r.final_accuracy for r in runs])
        eps[engine] = runs[0].epsilon
    assert eps["ours"] == pytest.approx(eps["opacus"], rel=1e-9)
    assert abs(accs["ours"] - accs["opacus"]) <= 0.02, accs  # within 2 points, mean of 3 seeds
    majority = max(yte.mean(), 1 - yte.mean())
    assert accs["ours"] > majority + 0.02


def test_zero_noise_no_clipping_is_plain_gradient_descent():
    torch.manual_seed(0)
    X, y = np.random.default_rng(0).normal(size=(64, 20)), np.random.default_rng(1).integers(0, 2, 64)
    res = train_dp_sgd(
        MLP(20),
        X,
        y,
        engine="ours",
        noise_multiplier=0.0,
        max_grad_norm=math.inf,
        batch_size=64,
        epochs=1,
        lr=0.1,
        seed=0,
        noise_seed=0,
    )
    assert res.epsilon == math.inf
    reference = MLP(20)
    torch.manual_seed(0)
    for m in reference.modules():
        if hasattr(m, "reset_parameters"):
            m.reset_parameters()
    opt = torch.optim.SGD(reference.parameters(), lr=0.1)
    # q = 1: every example is sampled in the single step; the update divides by N
    F.cross_entropy(reference(torch.as_tensor(X, dtype=torch.float32)), torch.as_tensor(y)).backward()
    opt.step()
    for a, b in zip(res.model.parameters(), reference.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-6)


def test_numpy_dp_logistic_regression_learns_and_accounts(sensitive_split):
    Xtr, Xte, ytr, yte = sensitive_split
    model = DPLogisticRegression(noise_multiplier=1.0, batch_size=256, epochs=3, random_state=0).fit(Xtr, ytr)
    assert model.score(Xte, yte) > max(yte.mean(), 1 - yte.mean()) + 0.03
    assert 0 < model.epsilon_ < 10 and len(model.accountant_) == 3 * 15


@pytest.mark.parametrize(
    "kwargs,argument",
    [
        ({"engine": "jax"}, "engine"),
        ({"epochs": 0}, "epochs"),
        ({"max_grad_norm": 0}, "max_grad_norm"),
        ({"batch_size": 0}, "batch_size"),
    ],
)
def test_bad_training_arguments_name_the_argument(kwargs, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        train_dp_sgd(MLP(3), np.zeros((10, 3)), np.zeros(10), **kwargs)


@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda: MLP(20), (12, 20)),
        (lambda: SmallCNN(32), (12, 1, 32, 32)),
        (lambda: SmallCNN(64), (5, 1, 64, 64)),
    ],
)
@pytest.mark.parametrize("max_norm", [0.01, 1.0, math.inf])
def test_fast_clipped_sum_equals_the_torch_func_path(make, shape, max_norm):
    from ppml_lab.dp.dpsgd import clipped_gradient_sum

    torch.manual_seed(1)
    model = make()
    X, y = torch.randn(*shape), torch.randint(0, 2, (shape[0],))
    fast = clipped_gradient_sum(model, X, y, max_norm)
    slow = clip_and_sum(per_sample_gradients(model, X, y), max_norm)
    assert set(fast) == set(slow)
    for name in slow:
        assert torch.allclose(fast[name], slow[name], atol=1e-5, rtol=1e-4), name


@pytest.mark.parametrize("engine", ["ours", "opacus"])
def test_no_clipping_with_noise_is_refused_rather_than_given_a_finite_epsilon(engine):
    # without clipping an example can move the gradient arbitrarily far: no noise level bounds it
    X, y = np.random.default_rng(0).normal(size=(64, 3)), np.arange(64) % 2
    with pytest.raises(ValueError, match="max_grad_norm"):
        train_dp_sgd(MLP(3), X, y, engine=engine, noise_multiplier=1.0, max_grad_norm=math.inf, batch_size=16)
