"""Starting Ray for Flower's simulation engine on a machine that may be busy.

``ray.init`` starts a GCS server, a dashboard process and a raylet; the raylet launches Ray's
dashboard agent (a Python process) and waits a fixed 15 s for it to write its port file, and
``ray.init`` then waits a fixed 30 s for the raylet to register its node
(``raylet_start_wait_time_s`` in ``ray/_private/node.py``). Ray 2.55 offers no option or
environment variable for either wait (``RAY_agent_register_timeout_ms`` does not reach the first).
When the machine is busy, the agent's imports can miss that window: the raylet aborts ("Timed out
waiting for file .../metrics_agent_port_...") and ``ray.init`` reports "The current node timed out
during startup", leaving the half-started GCS server and dashboard running. :func:`start_ray`
therefore tries again: before each new attempt it stops every process the failed attempt
started, so a retry never runs beside a stale half-cluster, and it gives up with the reasons of
every attempt. Flower's ``run_simulation`` uses a Ray that is already initialised as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psutil

from ppml_lab._checks import check_int

RAY_START_ATTEMPTS = 3  # Ray's own budget per attempt is 30 s for the node to register; on a machine with load
# average above 10 on 2 cores, two attempts both missed it (87 s and 92 s each)


def _descendants() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


def stop_processes(pids: set[int], grace: float = 10.0) -> None:
    """SIGTERM the processes ``pids`` (and their children), wait up to ``grace`` s, SIGKILL the rest."""
    family: dict[int, psutil.Process] = {}
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            family[pid] = proc
            family.update({c.pid: c for c in proc.children(recursive=True)})
        except psutil.NoSuchProcess:
            continue
    procs = list(family.values())
    for proc in procs:
        try:
            proc.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for proc in alive:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=grace)


def start_ray(
    init_args: dict[str, Any] | None = None,
    *,
    attempts: int = RAY_START_ATTEMPTS,
    init: Callable[..., Any] | None = None,
    shutdown: Callable[[], None] | None = None,
) -> int:
    """``ray.init(**init_args)``, tried up to ``attempts`` times; returns the attempt that worked (1-based).

    After a failed attempt, Ray is shut down and every process that attempt started is stopped
    before the next one. ``init``/``shutdown`` default to Ray's (they are parameters for testing).
    Raises ``RuntimeError`` listing each attempt's error when none succeeds.
    """
    attempts = check_int("attempts", attempts, minimum=1)
    if init is None or shutdown is None:
        import ray

        init = init or ray.init
        shutdown = shutdown or ray.shutdown
    errors: list[str] = []
    for attempt in range(1, attempts + 1):
        before = _descendants()
        started = time.monotonic()
        try:
            init(**(init_args or {}))
            return attempt
        except Exception as exc:  # noqa: BLE001 - every failure is reported below, after the retries
            errors.append(f"attempt {attempt} ({time.monotonic() - started:.0f} s): {type(exc).__name__}: {exc}")
            try:
                shutdown()
            finally:
                stop_processes(_descendants() - before)
    raise RuntimeError(f"Ray did not start in {attempts} attempts (a busy machine?): " + "; ".join(errors))
