"""FL engine: FedAvg against local and centralized training, FedProx, non-IID remedies,
robust aggregation, DP-FedAvg accounting."""

import numpy as np
import pytest
import torch

from ppml_lab import datasets as ds
from ppml_lab.dp import RDPAccountant
from ppml_lab.fl import (
    DPFedAvg,
    FedAvg,
    FedAvgM,
    FedMedian,
    FedProx,
    FedTrimmedAvg,
    Krum,
    TorchClient,
    dirichlet_label_split,
    get_parameters,
    run_simulation,
    skew_report,
)
from ppml_lab.models import LogisticRegressionModel, SmallCNN


def _mri(n_hospitals=3, n=80, seed=0, **kw):
    return ds.mri_scans(n_hospitals, n, 32, seed=seed, **kw)


def _init(model_fn, seed=0):
    torch.manual_seed(seed)
    return get_parameters(model_fn())


def test_fedavg_with_one_client_equals_local_training():
    h = _mri(1, 60)[0]
    model_fn = lambda: SmallCNN(32)  # noqa: E731
    init = _init(model_fn)
    client = TorchClient("solo", model_fn, h.images, h.labels, seed=3)
    fed, _ = run_simulation([client], FedAvg(local_epochs=1), 3, initial_parameters=init)
    local = TorchClient("solo", model_fn, h.images, h.labels, seed=3)
    params = init
    for server_round in (1, 2, 3):  # the server's config names the round: batches are reseeded from it
        params, _, _ = local.fit(params, {"local_epochs": 1, "server_round": server_round})
    for a, b in zip(fed, params, strict=True):
        assert np.allclose(a, b, atol=1e-6)


def test_fedprox_with_mu_zero_is_fedavg_bit_for_bit():
    hs = _mri(3, 40)
    model_fn = lambda: SmallCNN(32)  # noqa: E731
    init = _init(model_fn)
    runs = []
    for strategy in (FedAvg(local_epochs=1), FedProx(proximal_mu=0.0, local_epochs=1)):
        clients = [TorchClient(h.name, model_fn, h.images, h.labels, seed=i) for i, h in enumerate(hs)]
        runs.append(run_simulation(clients, strategy, 2, initial_parameters=init, seed=1)[0])
    for a, b in zip(*runs, strict=True):
        assert np.array_equal(a, b)


def test_iid_federation_reaches_centralized_accuracy():
    hospitals = ds.mri_scans(3, 200, 32, seed=4, lesion_rates=[0.5, 0.5, 0.5])
    X, y = ds.mri_centralized(hospitals)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    train, test = order[:450], order[450:]
    model_fn = lambda: SmallCNN(32)  # noqa: E731
    init = _init(model_fn)
    parts = np.array_split(rng.permutation(train), 3)
    kw = {"X_test": X[test], "y_test": y[test], "lr": 0.03, "batch_size": 8}
    clients = [TorchClient(f"h{i}", model_fn, X[p], y[p], seed=i, **kw) for i, p in enumerate(parts)]
    rounds = 30  # enough for both to reach their plateau, with the same number of passes over the data
    _, hist = run_simulation(clients, FedAvg(local_epochs=1), rounds, initial_parameters=init)
    central = TorchClient("all", model_fn, X[train], y[train], seed=0, **kw)
    params = init
    for _ in range(rounds):
        params, _, _ = central.fit(params, {"local_epochs": 1})
    central_acc = central.evaluate(params)[2]["accuracy"]
    assert central_acc > 0.9
    assert hist.rounds[-1]["accuracy"] >= central_acc - 0.02, (hist.rounds[-1]["accuracy"], central_acc)


def test_dirichlet_split_skews_labels_and_a_remedy_beats_fedavg():
    hospitals = ds.mri_scans(1, 600, 32, seed=5, lesion_rates=[0.5])
    X, y = hospitals[0].images, hospitals[0].labels
    parts = dirichlet_label_split(y, 4, alpha=0.1, seed=2)
    report = skew_report([y[p] for p in parts])
    assert report["label_skew_tv"] > 0.3  # strongly non-IID
    iid = skew_report([y[p] for p in np.array_split(np.random.default_rng(0).permutation(len(y)), 4)])
    assert iid["label_skew_tv"] < 0.1
    model_fn = lambda: LogisticRegressionModel(32 * 32)  # noqa: E731
    flat = X.reshape(len(X), -1)

    def clients():
        out = []
        for i, p in enumerate(parts):
            cut = int(0.7 * len(p))
            out.append(
                TorchClient(
                    f"h{i}",
                    model_fn,
                    flat[p[:cut]],
                    y[p[:cut]],
                    X_test=flat[p[cut:]],
                    y_test=y[p[cut:]],
                    lr=0.1,
                    seed=i,
                )
            )
        return out

    init = _init(model_fn)
    fed_clients = clients()
    fed, hist = run_simulation(fed_clients, FedAvg(local_epochs=2), 6, initial_parameters=init)
    fedavg_mean = float(np.mean(hist.rounds[-1]["client_accuracy"]))
    # personalization by local fine-tuning of the federated model
    tuned = []
    for c in clients():
        c.fine_tune(fed, epochs=2)
        tuned.append(c.evaluate(get_parameters(c.model))[2]["accuracy"])
    assert np.mean(tuned) > fedavg_mean, (np.mean(tuned), fedavg_mean)


@pytest.mark.parametrize("strategy_cls", [FedMedian, FedTrimmedAvg, Krum])
@pytest.mark.parametrize("attack", ["sign_flip", "scale"])
def test_robust_aggregators_withstand_one_corrupted_client_where_fedavg_does_not(strategy_cls, attack):
    rng = np.random.default_rng(8)
    current = [np.zeros((4, 3)), np.zeros(3)]
    honest_delta = [np.full((4, 3), 0.1), np.full(3, -0.1)]
    results = [
        ([c + d + rng.normal(0, 0.01, c.shape) for c, d in zip(current, honest_delta, strict=True)], 50)
        for _ in range(6)
    ]
    factor = -20.0 if attack == "sign_flip" else 50.0
    results.append(([c + factor * d for c, d in zip(current, honest_delta, strict=True)], 50))
    target = [c + d for c, d in zip(current, honest_delta, strict=True)]

    def error(params):
        return max(float(np.abs(p - t).max()) for p, t in zip(params, target, strict=True))

    assert error(FedAvg().aggregate_fit(1, current, results)) > 0.3  # one client drags the mean away
    assert error(strategy_cls().aggregate_fit(1, current, results)) < 0.05  # the robust rule does not move


def test_fedavgm_and_dropped_clients_run():
    hs = _mri(3, 30)
    model_fn = lambda: SmallCNN(32)  # noqa: E731
    clients = [TorchClient(h.name, model_fn, h.images, h.labels, seed=i) for i, h in enumerate(hs)]
    _, hist = run_simulation(clients, FedAvgM(server_momentum=0.5), 3, dropout_rate=0.4, seed=2)
    assert any(r["clients_reporting"] < 3 for r in hist.rounds)
    assert all(r["bytes_sent"] > 0 and r["seconds"] > 0 for r in hist.rounds)


def test_dp_fedavg_epsilon_matches_the_dp_accountant():
    hs = _mri(4, 20)
    model_fn = lambda: LogisticRegressionModel(32 * 32)  # noqa: E731
    clients = [
        TorchClient(h.name, model_fn, h.images.reshape(20, -1), h.labels, seed=i) for i, h in enumerate(hs)
    ]
    strategy = DPFedAvg(noise_multiplier=1.3, clip_norm=0.5, fraction_fit=0.5, noise_seed=0)
    run_simulation(clients, strategy, 5)
    reference = RDPAccountant()
    reference.step(noise_multiplier=1.3, sample_rate=0.5, num_steps=5)
    assert strategy.epsilon(1e-5) == pytest.approx(reference.get_epsilon(1e-5), rel=1e-12)


@pytest.mark.parametrize(
    "call,argument",
    [
        (lambda: FedAvg(fraction_fit=0.0), "fraction_fit"),
        (lambda: FedProx(proximal_mu=-1.0), "proximal_mu"),
        (lambda: dirichlet_label_split(np.zeros(10), 2, alpha=0.0), "alpha"),
        (
            lambda: TorchClient(
                "x", lambda: SmallCNN(32), np.zeros((2, 1, 32, 32)), np.zeros(2), personal_layers=("nope",)
            ),
            "personal_layers",
        ),
    ],
)
def test_bad_arguments_name_the_argument(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()
