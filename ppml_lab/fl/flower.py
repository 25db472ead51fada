"""The same strategies and clients on Flower (``flwr==1.41``): a ServerApp, a ClientApp, a local federation.

What runs where
---------------
* :func:`server_main` (the ServerApp) runs our :class:`ppml_lab.fl.server.Server` with our
  strategies; only the transport changes: :class:`GridTransport` sends each instruction as a Flower
  ``Message`` (an ``ArrayRecord`` of the parameters and a ``ConfigRecord``) through the Grid.
* :func:`client_train` / :func:`client_evaluate` (the ClientApp) rebuild the hospital's
  :class:`ppml_lab.fl.client.TorchClient` from the run config and the SuperNode's node config
  (``partition-id``) and call ``fit`` / ``evaluate``. Clients shuffle from ``(seed, round)``, so a
  Flower run and :meth:`ppml_lab.fl.hospitals.FederationConfig.simulate` train the same model.
* The Flower app (``pyproject.toml`` with ``[tool.flwr.app]`` and ``hospital_app.py``) ships in
  ``ppml_lab/fl/flower_app``; nothing is fetched online.
* :class:`LocalDeployment` starts a SuperLink and one SuperNode per hospital as real processes on
  127.0.0.1, submits the app with ``flwr run`` and stops every process it started (process groups
  and their descendants, waited for). ``ppml-lab federation`` is the command line.

:func:`run_flower_simulation` runs the same apps in Flower's own simulation engine (Ray, from
``flwr[simulation]``) through ``flwr.simulation.run_simulation``; the kit's in-process simulation
(:mod:`ppml_lab.fl.simulation`) needs neither and is what the lessons use.

Latency
-------
Flower's SuperNode starts a fresh ``flwr-clientapp`` process for every message, which must import
Python, Flower, PyTorch and ``ppml_lab`` before it can train. Each phase (fit or evaluate) of a
round therefore costs seconds even for a tiny model; :class:`GridTransport` records where the time
goes (``timing`` in each history row): waiting for the process, its start-up (imports), building
the client (data), computing, and returning the reply.

Deploying beyond one machine (TLS)
----------------------------------
``--insecure`` is used only on loopback. For a real consortium, run the SuperLink on a host the
hospitals can reach, with a certificate signed by a CA the hospitals trust::

    flower-superlink --ssl-ca-certfile ca.crt --ssl-certfile server.pem --ssl-keyfile server.key \\
        --host 0.0.0.0 --port 8000 --disable-runtime-dependency-installation
    # in each hospital (data stay there), with ppml-lab installed:
    flower-supernode --superlink link.example.org:8000 --root-certificates ca.crt \\
        --node-config 'partition-id=0 num-partitions=3'

and point ``flwr run`` at it in ``$FLWR_HOME/config.toml`` (``address`` and
``root-certificates``, no ``insecure``). Add SuperNode authentication
(``--enable-supernode-auth`` on the SuperLink, ``--auth-supernode-private-key`` on each SuperNode,
keys registered with ``flwr supernode register``) so only the consortium's hospitals can join.
The README's federated-learning section walks through it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil
from flwr.app import ArrayRecord, ConfigRecord, Context, Message, MessageType, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from flwr.serverapp import Grid, ServerApp

from ppml_lab._checks import check_float, check_int
from ppml_lab.fl.hospitals import FederationConfig
from ppml_lab.fl.parameters import FitRes, Parameters
from ppml_lab.fl.ray_start import start_ray
from ppml_lab.fl.server import History, Server

APP_DIR = Path(__file__).parent / "flower_app"
# Flower phones home and checks for updates unless told not to; Ray (if ever present) likewise.
QUIET_ENV = {"FLWR_TELEMETRY_ENABLED": "0", "FLWR_DISABLE_UPDATE_CHECK": "1", "RAY_USAGE_STATS_ENABLED": "0"}
LOOPBACK = "127.0.0.1"
# Where a phase's seconds go, in order: SuperNode noticing the message and starting flwr-clientapp;
# the process importing Python, Flower, PyTorch and ppml_lab; Flower fetching the message and
# context; building the hospital's client (its data); fit or evaluate; the reply's way back.
STAGES = ("spawn_wait", "startup", "prepare", "build_client", "compute", "return")
_MODULE_LOADED = time.time()  # when a flwr-clientapp process had imported this module (latency breakdown)


def to_record(parameters: Parameters) -> ArrayRecord:
    """Parameters (a list of NumPy arrays) as a Flower ``ArrayRecord`` (exact, dtype kept)."""
    return ArrayRecord([np.ascontiguousarray(p) for p in parameters])


def from_record(record: ArrayRecord) -> Parameters:
    return list(record.to_numpy_ndarrays())


def _plain(config: dict) -> dict:
    """Config values as the Python scalars a ``ConfigRecord`` accepts."""
    out = {}
    for k, v in config.items():
        out[k] = v.item() if isinstance(v, np.generic) else v
    return out


# ----------------------------------------------------------------------------------- server side


class GridTransport:
    """The server's transport over a Flower ``Grid``: client ``i`` is the SuperNode with ``partition-id=i``.

    On creation it waits (at most ``connect_timeout`` seconds) for ``n_clients`` SuperNodes and
    asks each for its partition id (one ``query`` message each, answered within ``message_timeout``).
    """

    def __init__(
        self, grid: Grid, n_clients: int, *, connect_timeout: float = 120.0, message_timeout: float = 600.0
    ) -> None:
        self.grid = grid
        self.n_clients = check_int("n_clients", n_clients, minimum=1)
        self.message_timeout = check_float("message_timeout", message_timeout, minimum=0.0, min_inclusive=False)
        start = time.time()
        deadline = start + check_float("connect_timeout", connect_timeout, minimum=0.0)
        nodes: list[int] = []
        while time.time() < deadline:
            nodes = sorted(grid.get_node_ids())
            if len(nodes) >= n_clients:
                break
            time.sleep(0.5)
        if len(nodes) < n_clients:
            raise RuntimeError(f"only {len(nodes)} of {n_clients} SuperNodes connected within {connect_timeout} s")
        queries = [Message(RecordDict(), dst_node_id=n, message_type=MessageType.QUERY) for n in nodes]
        # The first answer carries the ClientApp's start-up (Ray starting its actors, or a fresh
        # flwr-clientapp importing PyTorch): it gets a message's budget, not what connecting left over.
        replies = list(grid.send_and_receive(queries, timeout=self.message_timeout))
        self.node_of: dict[int, int] = {}
        errors = []
        for reply in replies:
            if reply.has_error():
                errors.append(reply.error.reason)
                continue
            pid = int(reply.content["metrics"]["partition-id"])
            if pid in self.node_of:
                raise RuntimeError(f"two SuperNodes claim partition-id={pid}")
            if 0 <= pid < n_clients:
                self.node_of[pid] = reply.metadata.src_node_id
        missing = sorted(set(range(n_clients)) - set(self.node_of))
        if missing:
            detail = f"; their errors: {sorted(set(errors))}" if errors else ""
            raise RuntimeError(f"no SuperNode answered for partition-id {missing}{detail}")
        self.cid_of = {node: cid for cid, node in self.node_of.items()}
        self.setup_seconds = time.time() - start
        self.last_timing: dict = {}

    def _exchange(self, kind: str, instructions, timeout: float | None):
        messages = [
            Message(
                RecordDict({"arrays": to_record(params), "config": ConfigRecord(_plain(config))}),
                dst_node_id=self.node_of[cid],
                message_type=kind,
            )
            for cid, params, config in instructions
        ]
        sent = time.time()
        replies = list(self.grid.send_and_receive(messages, timeout=timeout or self.message_timeout))
        received = time.time()
        good = [r for r in replies if not r.has_error()]
        stages: dict[str, list[float]] = {k: [] for k in STAGES}
        for r in good:
            m = r.content["metrics"]
            stages["spawn_wait"].append(m["t-process"] - sent)
            stages["startup"].append(m["t-loaded"] - m["t-process"])
            stages["prepare"].append(m["t-handler"] - m["t-loaded"])
            stages["build_client"].append(m["t-built"] - m["t-handler"])
            stages["compute"].append(m["t-done"] - m["t-built"])
            stages["return"].append(received - m["t-done"])
        self.last_timing = {
            "phase_seconds": received - sent,
            "failed": len(replies) - len(good) + len(messages) - len(replies),
            **{k: float(np.mean(v)) if v else None for k, v in stages.items()},
        }
        return good

    def fit(self, instructions, timeout):
        out = []
        for r in self._exchange(MessageType.TRAIN, instructions, timeout):
            m = r.content["metrics"]
            out.append(
                FitRes(
                    from_record(r.content["arrays"]),
                    int(m["num-examples"]),
                    self.cid_of[r.metadata.src_node_id],
                    {"train_loss": float(m["train-loss"])},
                )
            )
        return out

    def evaluate(self, instructions, timeout):
        out = []
        for r in self._exchange(MessageType.EVALUATE, instructions, timeout):
            m = r.content["metrics"]
            out.append(
                (self.cid_of[r.metadata.src_node_id], float(m["loss"]), int(m["num-examples"]), {"accuracy": float(m["accuracy"])})
            )
        return out


def _write_whole(path: Path, text: str) -> None:
    """Write ``text`` so that a reader polling for ``path`` never sees it half written."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    os.replace(partial, path)


def server_main(grid: Grid, context: Context) -> None:
    """The ServerApp: our Server and strategy over the Grid; results go to ``run_config["output-dir"]``."""
    out_dir = Path(str(context.run_config.get("output-dir", "")) or tempfile.mkdtemp(prefix="ppml-flower-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        config = FederationConfig.from_run_config(dict(context.run_config))
        transport = GridTransport(
            grid, config.n_hospitals,
            connect_timeout=float(context.run_config.get("connect-timeout", 120.0)),
            message_timeout=float(context.run_config.get("message-timeout", 600.0)),
        )
        server = Server(
            transport, config.make_strategy(), seed=config.seed,
            round_timeout=config.round_timeout or None, evaluate_every=config.evaluate_every,
        )
        params, history = server.run(config.num_rounds, config.initial_parameters())
        history.setup_seconds = transport.setup_seconds
        np.savez(out_dir / "parameters.npz", *params)
        _write_whole(out_dir / "history.json", history.to_json())  # written last: it says "done"
    except Exception:
        _write_whole(out_dir / "error.txt", traceback.format_exc())
        raise


def _with_run_config(handler, overrides: dict | None):
    """``handler`` seeing ``overrides`` in its run config (Flower's Python simulation API has no run config)."""
    if not overrides:
        return handler

    def wrapped(first, context: Context):
        # Flower forbids changing a context's run config: hand the handler a copy that carries ours
        local = Context(
            run_id=context.run_id, node_id=context.node_id, node_config=context.node_config,
            state=context.state, run_config={**context.run_config, **overrides},
        )
        return handler(first, local)

    wrapped.__name__, wrapped.__doc__ = handler.__name__, handler.__doc__
    return wrapped


def make_server_app(run_config: dict | None = None) -> ServerApp:
    """The ServerApp; ``run_config`` (if given) overrides the app's run config."""
    app = ServerApp()
    app.main()(_with_run_config(server_main, run_config))
    return app


# ----------------------------------------------------------------------------------- client side


def _client(context: Context):
    config = FederationConfig.from_run_config(dict(context.run_config))
    return config.client(int(context.node_config["partition-id"]))


def _times(t_handler: float, t_built: float) -> dict:
    return {
        "t-process": psutil.Process().create_time(),
        "t-loaded": _MODULE_LOADED,
        "t-handler": t_handler,
        "t-built": t_built,
        "t-done": time.time(),
    }


def client_query(msg: Message, context: Context) -> Message:
    """Answer the server's handshake with this SuperNode's partition id."""
    pid = int(context.node_config["partition-id"])
    return Message(RecordDict({"metrics": MetricRecord({"partition-id": pid})}), reply_to=msg)


def client_train(msg: Message, context: Context) -> Message:
    """Fit the hospital's client on the received parameters and config; reply with the new parameters."""
    t_handler = time.time()
    client = _client(context)
    t_built = time.time()
    params, n, metrics = client.fit(from_record(msg.content["arrays"]), dict(msg.content["config"]))
    reply = {"num-examples": n, "train-loss": float(metrics["train_loss"]), **_times(t_handler, t_built)}
    return Message(RecordDict({"arrays": to_record(params), "metrics": MetricRecord(reply)}), reply_to=msg)


def client_evaluate(msg: Message, context: Context) -> Message:
    """Evaluate the received parameters on the hospital's test scans."""
    t_handler = time.time()
    client = _client(context)
    t_built = time.time()
    loss, n, metrics = client.evaluate(from_record(msg.content["arrays"]))
    reply = {"num-examples": n, "loss": loss, "accuracy": float(metrics["accuracy"]), **_times(t_handler, t_built)}
    return Message(RecordDict({"metrics": MetricRecord(reply)}), reply_to=msg)


def make_client_app(run_config: dict | None = None) -> ClientApp:
    """The ClientApp; ``run_config`` (if given) overrides the app's run config."""
    app = ClientApp()
    app.query()(_with_run_config(client_query, run_config))
    app.train()(_with_run_config(client_train, run_config))
    app.evaluate()(_with_run_config(client_evaluate, run_config))
    return app


def run_flower_simulation(config: FederationConfig, *, workdir: str | Path | None = None) -> tuple[Parameters, History]:
    """Run ``config`` in Flower's own simulation engine (Ray, ``flwr[simulation]``), in this process.

    The same ServerApp and ClientApp as the deployment; Flower gives each virtual SuperNode its
    ``partition-id``. Returns the final global parameters and the history, like
    :meth:`FederationConfig.simulate`.
    """
    try:
        from flwr.simulation import run_simulation
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise RuntimeError("Flower's simulation engine needs Ray: pip install 'flwr[simulation]==1.41.0'") from exc
    own = workdir is None
    out = Path(tempfile.mkdtemp(prefix="ppml-flower-sim-") if own else workdir)
    run_config = {**config.to_run_config(), "output-dir": str(out)}
    os.environ.update(QUIET_ENV)
    # Start Ray here, as Flower would (same arguments), but with a retry: Ray's node start has fixed
    # waits (15 s for its agent, 30 s to register) that a busy machine can miss (ppml_lab.fl.ray_start).
    pythonpath = os.pathsep.join([*sys.path, *filter(None, [os.environ.get("PYTHONPATH")])])
    try:
        start_ray({"include_dashboard": False, "logging_level": "WARNING", "log_to_driver": True,
                   "runtime_env": {"env_vars": {"PYTHONPATH": pythonpath}}})
        run_simulation(
            server_app=make_server_app(run_config),
            client_app=make_client_app(run_config),
            num_supernodes=config.n_hospitals,
            backend_config={"client_resources": {"num_cpus": 1, "num_gpus": 0.0}},
        )
        if (out / "error.txt").exists():
            raise RuntimeError("the ServerApp failed:\n" + (out / "error.txt").read_text())
        if not (out / "history.json").exists():
            raise RuntimeError(f"Flower's simulation ended without results in {out}")
        with np.load(out / "parameters.npz") as data:
            params = [data[f"arr_{i}"] for i in range(len(data.files))]
        return params, History.from_json((out / "history.json").read_text())
    finally:
        import ray

        if ray.is_initialized():  # stop Ray's workers and daemons now, not whenever they notice
            ray.shutdown()
        if own:
            shutil.rmtree(out, ignore_errors=True)


# ------------------------------------------------------------------------------ local deployment


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            if s.connect_ex((LOOPBACK, port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listened on {LOOPBACK}:{port} within {timeout} s")


@dataclass
class DeploymentResult:
    """What a Flower run on the local deployment produced."""

    parameters: Parameters
    history: History
    startup_seconds: float  # SuperLink and SuperNodes up and registered
    run_seconds: float  # ``flwr run`` from submission to completion
    log_dir: Path


class LocalDeployment:
    """A SuperLink and ``n_supernodes`` SuperNodes as processes on 127.0.0.1 (``--insecure``: loopback only).

    Use as a context manager: every process started (and every process they started) is stopped
    and waited for on exit. ``workdir`` holds ``FLWR_HOME`` (the ``flwr`` CLI's ``config.toml``,
    installed apps) and the logs.
    """

    def __init__(self, n_supernodes: int, workdir: str | Path, *, startup_timeout: float = 60.0) -> None:
        self.n_supernodes = check_int("n_supernodes", n_supernodes, minimum=1, maximum=64)
        self.workdir = Path(workdir)
        self.startup_timeout = check_float("startup_timeout", startup_timeout, minimum=1.0)
        self.log_dir = self.workdir / "logs"
        self.home = self.workdir / "flwr_home"
        self.processes: list[subprocess.Popen] = []
        self._logs: list = []
        self.port = 0
        self.startup_seconds = 0.0

    @property
    def env(self) -> dict[str, str]:
        bin_dir = str(Path(sys.executable).parent)
        return {
            **os.environ,
            **QUIET_ENV,
            "FLWR_HOME": str(self.home),
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        }

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.log_dir / f"{name}.log", "w")  # noqa: SIM115 - closed in stop()
        self._logs.append(log)
        exe = str(Path(sys.executable).parent / args[0])
        self.processes.append(
            subprocess.Popen(
                [exe, *args[1:]], stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True
            )
        )

    def start(self) -> LocalDeployment:
        start = time.time()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        (self.home / "config.toml").write_text(
            f'[superlink]\ndefault = "ppml-local"\n\n[superlink.ppml-local]\n'
            f'address = "{LOOPBACK}:{self.port}"\ninsecure = true\n'
        )
        self._spawn(
            "superlink",
            ["flower-superlink", "--insecure", "--host", LOOPBACK, "--port", str(self.port),
             "--disable-runtime-dependency-installation"],
        )
        _wait_for_port(self.port, self.startup_timeout)
        for i in range(self.n_supernodes):
            self._spawn(
                f"supernode_{i}",
                ["flower-supernode", "--insecure", "--superlink", f"{LOOPBACK}:{self.port}",
                 "--host", LOOPBACK, "--port", str(free_port()),
                 "--max-retries", "20", "--max-wait-time", str(self.startup_timeout),
                 "--node-config", f"partition-id={i} num-partitions={self.n_supernodes}"],
            )
        deadline = time.time() + self.startup_timeout
        link_log = self.log_dir / "superlink.log"
        while link_log.read_text().count("Activated node_id") < self.n_supernodes:
            if time.time() > deadline:
                raise TimeoutError(f"SuperNodes did not all register within {self.startup_timeout} s")
            if any(p.poll() is not None for p in self.processes):
                raise RuntimeError(f"a Flower process exited early; see the logs in {self.log_dir}")
            time.sleep(0.2)
        self.startup_seconds = time.time() - start
        return self

    def run(self, config: FederationConfig, *, timeout: float = 600.0) -> DeploymentResult:
        """Submit the hospital app with ``config`` (``flwr run``), wait for it and read its results."""
        import tomli_w

        out = self.workdir / f"run_{len(list(self.workdir.glob('run_*')))}"
        out.mkdir(parents=True)
        run_config = {**config.to_run_config(), "output-dir": str(out)}
        (out / "run_config.toml").write_bytes(tomli_w.dumps(run_config).encode())
        start = time.time()
        with open(self.log_dir / f"flwr_run_{out.name}.log", "w") as log:
            subprocess.run(
                [str(Path(sys.executable).parent / "flwr"), "run", str(APP_DIR), "ppml-local",
                 "--run-config", str(out / "run_config.toml"), "--stream"],
                stdout=log, stderr=subprocess.STDOUT, env=self.env, timeout=timeout, check=False,
                start_new_session=True,
            )
        # the log stream can end a moment before the ServerApp has written its files
        while not (out / "history.json").exists() and not (out / "error.txt").exists():
            if time.time() - start > timeout:
                raise TimeoutError(f"the Flower run did not finish within {timeout} s; logs in {self.log_dir}")
            time.sleep(0.2)
        if (out / "error.txt").exists():
            raise RuntimeError("the ServerApp failed:\n" + (out / "error.txt").read_text())
        with np.load(out / "parameters.npz") as data:
            params = [data[f"arr_{i}"] for i in range(len(data.files))]
        history = History.from_json((out / "history.json").read_text())
        return DeploymentResult(params, history, self.startup_seconds, time.time() - start, self.log_dir)

    def stop(self, grace: float = 20.0) -> None:
        """Stop every process started here and their descendants: SIGTERM, wait, then SIGKILL."""
        deadline = time.time() + grace
        for _ in range(5):
            family = []
            for p in self.processes:
                try:
                    parent = psutil.Process(p.pid)
                    family += [parent, *parent.children(recursive=True)]
                except psutil.NoSuchProcess:
                    pass
            family = [q for q in family if q.is_running()]
            if not family:
                break
            for p in self.processes:
                if p.poll() is None:
                    try:
                        os.killpg(p.pid, signal.SIGTERM)
                    except ProcessLookupError:
                        pass
            for q in family:
                try:
                    q.terminate()
                except psutil.NoSuchProcess:
                    pass
            _, alive = psutil.wait_procs(family, timeout=max(0.5, deadline - time.time()))
            for q in alive:
                try:
                    q.kill()
                except psutil.NoSuchProcess:
                    pass
            psutil.wait_procs(alive, timeout=5)
        for p in self.processes:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
        for log in self._logs:
            log.close()
        self._logs.clear()

    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def __enter__(self) -> LocalDeployment:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


def run_deployment(
    config: FederationConfig, *, workdir: str | Path | None = None, timeout: float = 600.0, keep: bool = False
) -> DeploymentResult:
    """Start a local Flower federation for ``config`` (one SuperNode per hospital), run it, stop it.

    ``workdir`` (default: a temporary directory, removed afterwards unless ``keep``) holds
    ``FLWR_HOME``, the logs and the results.
    """
    own = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="ppml-federation-") if own else workdir)
    try:
        with LocalDeployment(config.n_hospitals, workdir) as deployment:
            return deployment.run(config, timeout=timeout)
    finally:
        if own and not keep:
            shutil.rmtree(workdir, ignore_errors=True)
