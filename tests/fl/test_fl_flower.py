"""The hospital federation on Flower's deployment engine: real processes, same model as our simulation."""

from __future__ import annotations

import numpy as np
import psutil
import pytest

from ppml_lab.fl.flower import LocalDeployment, from_record, to_record
from ppml_lab.fl.hospitals import FederationConfig


def _descendants() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


def test_record_round_trip_is_exact():
    params = [np.arange(6, dtype=np.float32).reshape(2, 3) / 7, np.array([1.5, -2.0])]
    back = from_record(to_record(params))
    assert all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(params, back, strict=True))


def test_flower_deployment_equals_simulation_and_leaves_no_process(tmp_path):
    config = FederationConfig(n_hospitals=3, n_per_hospital=24, num_rounds=2, seed=1, data_seed=1)
    before = _descendants()
    deployment = LocalDeployment(config.n_hospitals, tmp_path)
    with deployment:
        started = set(deployment.pids())
        assert len(started) == 1 + config.n_hospitals  # one SuperLink, one SuperNode per hospital
        assert all(psutil.pid_exists(p) for p in started)
        result = deployment.run(config, timeout=600)
    flower_params, flower_history = result.parameters, result.history

    # Every process it started, and their children (flower-superexec, flwr-clientapp), is gone.
    leftover = _descendants() - before
    assert not leftover, [psutil.Process(p).cmdline() for p in leftover if psutil.pid_exists(p)]
    assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in started)

    sim_params, sim_history = config.simulate()
    assert len(flower_history.rounds) == len(sim_history.rounds) == 2
    for a, b in zip(flower_params, sim_params, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    assert flower_history.metric("accuracy") == pytest.approx(sim_history.metric("accuracy"), abs=1e-6)
    # Latency is reported where it goes: process start-up and compute per phase.
    timing = flower_history.rounds[0]["timing"]
    assert timing["failed"] == 0 and timing["startup"] > 0 and timing["compute"] > 0
    assert flower_history.rounds[0]["bytes_sent"] == sim_history.rounds[0]["bytes_sent"] > 0


def test_deployment_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="n_supernodes"):
        LocalDeployment(0, tmp_path)


def test_flowers_own_simulation_engine_trains_the_same_model():
    from ppml_lab.fl.flower import run_flower_simulation

    config = FederationConfig(n_hospitals=2, n_per_hospital=20, num_rounds=2, seed=2, data_seed=2)
    before = _descendants()
    flower_params, flower_history = run_flower_simulation(config)
    started = [psutil.Process(p) for p in _descendants() - before if psutil.pid_exists(p)]
    _, alive = psutil.wait_procs(started, timeout=15)  # Ray's workers exit once it is shut down
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], [p.cmdline() for p in alive]
    sim_params, sim_history = config.simulate()
    for a, b in zip(flower_params, sim_params, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    assert flower_history.metric("accuracy") == pytest.approx(sim_history.metric("accuracy"), abs=1e-6)


def test_federation_command_refuses_bad_arguments_before_starting_anything(capsys):
    from ppml_lab.cli import main

    before = _descendants()
    assert main(["federation", "--hospitals", "0"]) == 2
    assert "n_hospitals" in capsys.readouterr().out
    assert _descendants() == before
