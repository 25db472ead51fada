"""The hospital federation on Flower's deployment engine: real processes, same model as our simulation."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import psutil
import pytest

from ppml_lab.fl.flower import LocalDeployment, from_record, to_record
from ppml_lab.fl.hospitals import FederationConfig
from ppml_lab.fl.ray_start import start_ray


def _descendants() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


def test_record_round_trip_is_exact():
    params = [np.arange(6, dtype=np.float32).reshape(2, 3) / 7, np.array([1.5, -2.0])]
    back = from_record(to_record(params))
    assert all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(params, back, strict=True))


def test_flower_deployment_equals_simulation_and_leaves_no_process(tmp_path):
    config = FederationConfig(n_hospitals=3, n_per_hospital=24, num_rounds=2, seed=1, data_seed=1)
    before = _descendants()
    # a start-up budget for a busy machine (the default is 60 s): only a budget, nothing is timed
    deployment = LocalDeployment(config.n_hospitals, tmp_path, startup_timeout=240)
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
    # Ray's workers exit once it is shut down (a generous bound: a busy machine schedules them late)
    _, alive = psutil.wait_procs(started, timeout=60)
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], [p.cmdline() for p in alive]
    sim_params, sim_history = config.simulate()
    for a, b in zip(flower_params, sim_params, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    assert flower_history.metric("accuracy") == pytest.approx(sim_history.metric("accuracy"), abs=1e-6)


class _FailingRayStart:
    """A stand-in for ``ray.init`` that fails its first ``failures`` calls the way Ray does on a busy
    machine: after starting a daemon, with "The current node timed out during startup"."""

    def __init__(self, failures: int) -> None:
        self.failures, self.calls, self.shutdowns, self.daemons = failures, [], 0, []

    def init(self, **kwargs) -> None:
        self.calls.append(kwargs)
        if len(self.calls) <= self.failures:
            daemon = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
            self.daemons.append(psutil.Process(daemon.pid))
            raise Exception("The current node timed out during startup.")

    def shutdown(self) -> None:
        self.shutdowns += 1


def test_ray_start_retries_once_after_a_startup_timeout_and_stops_the_half_started_node():
    ray = _FailingRayStart(failures=1)
    assert start_ray({"include_dashboard": False}, init=ray.init, shutdown=ray.shutdown) == 2
    assert ray.calls == [{"include_dashboard": False}] * 2 and ray.shutdowns == 1
    (daemon,) = ray.daemons
    assert not daemon.is_running()  # stopped (and reaped) before the second attempt, not left beside it


def test_ray_start_gives_up_after_its_attempts_with_every_reason():
    ray = _FailingRayStart(failures=5)
    with pytest.raises(RuntimeError, match=r"3 attempts.*attempt 1 .*timed out during startup.*attempt 3 "):
        start_ray(init=ray.init, shutdown=ray.shutdown)
    assert len(ray.calls) == 3 and not any(d.is_running() for d in ray.daemons)
    with pytest.raises(ValueError, match="attempts"):
        start_ray(attempts=0, init=ray.init, shutdown=ray.shutdown)


def test_federation_command_refuses_bad_arguments_before_starting_anything(capsys):
    from ppml_lab.cli import main

    before = _descendants()
    assert main(["federation", "--hospitals", "0"]) == 2
    assert "n_hospitals" in capsys.readouterr().out
    assert _descendants() == before
