"""The kit's protections under plain ``nbgrader autograde`` (and the formgrader's Autograde button).

``nbgrader_config.py`` puts ``autograder.execute.GuardedExecute`` in nbgrader's autograde
preprocessors, so every way of starting nbgrader runs the same checks as ``ppml-lab grade``:
patches undone before each graded test cell, canaries after each passing one, results a test cell
never computes dropped, warnings on stderr shown but not zeroing a cell. What only
``ppml-lab grade`` adds is the sandbox (a forked kernel with limits, hidden files, no network and
its own user id); without it the kernel is nbgrader's ordinary one, and this module supplies what the
zygote would have:

* ``LocalBox``: the sandbox interface with nothing to kill but the kernel's own leftovers;
* ``snapshot_code``: imports the lesson's modules and takes the guard's snapshot in the kernel
  before any learner code runs;
* ``canary_plan``: which canaries apply to each test cell, calibrated once by running the master
  notebook and cached in the grading folder (``canary-plans/<assignment>-<hash>.json``), as
  ``ppml-lab grade`` does in its history. ``PPML_LAB_CANARY_PLANS`` names another folder for that
  cache, shared by many grading folders (the test suite grades each lesson in dozens of them).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any

import nbformat

from autograder.pipeline import DEFAULT_GRADING_DIR, GRADING_ENV_VAR, SOURCE_DIR

PLAN_DIR = "canary-plans"
STDERR_NOTE = "[ppml-lab: written to stderr; shown for information, not marked]\n"


class LocalBox:
    """Stands in for ``sandbox.KernelSandbox`` when the kernel is nbgrader's own."""

    def kill_all(self) -> None:
        """Nothing to do: nbgrader shuts its kernel down itself."""

    def kill_strays(self, kernel_pid: int | None, rounds: int = 5) -> int:
        """Kill processes the kernel started that outlived the cell (a fork bomb's children)."""
        if kernel_pid is None:
            return 0
        try:
            import psutil

            children = psutil.Process(kernel_pid).children(recursive=True)
        except Exception:  # noqa: BLE001 - the kernel may be gone already
            return 0
        killed = 0
        for child in children:
            with contextlib.suppress(Exception):
                os.kill(child.pid, signal.SIGKILL)
                killed += 1
        return killed


def snapshot_code(preload: list[str]) -> str:
    """Kernel code that imports ``preload`` (failures ignored) and takes the tamper guard's snapshot."""
    return (
        "import importlib as _ppml_il\n"
        f"for _ppml_name in {preload!r}:\n"
        "    try:\n"
        "        _ppml_il.import_module(_ppml_name)\n"
        "    except Exception:\n"
        "        pass\n"
        "import autograder.guard as _ppml_guard\n"
        "_ppml_guard.has_snapshot() or _ppml_guard.take_snapshot()\n"
        "del _ppml_il, _ppml_name, _ppml_guard\n"
    )


def source_digest(assignment: str) -> str:
    """SHA-256 of the master notebook (a changed lesson is calibrated again)."""
    return hashlib.sha256((SOURCE_DIR / assignment / f"{assignment}.ipynb").read_bytes()).hexdigest()


def grading_dir() -> Path:
    """The grading folder nbgrader_config.py uses."""
    return Path(os.environ.get(GRADING_ENV_VAR) or DEFAULT_GRADING_DIR).resolve()


PLANS_ENV_VAR = "PPML_LAB_CANARY_PLANS"


def plan_cache(assignment: str, kind: str = "") -> Path:
    """Where the calibrated canary plan of the current master notebook of ``assignment`` is cached.

    ``kind`` separates plans calibrated under different executors (``"sandbox"`` for ``ppml-lab grade``)."""
    folder = Path(os.environ.get(PLANS_ENV_VAR) or grading_dir() / PLAN_DIR)
    suffix = f"-{kind}" if kind else ""
    return folder / f"{assignment}-{source_digest(assignment)[:16]}{suffix}.json"


def read_plan(path: Path) -> dict[str, dict[str, bool]] | None:
    """A cached plan, or None when there is none (or it cannot be read)."""
    with contextlib.suppress(OSError, ValueError):
        return json.loads(path.read_text())
    return None


def write_plan(path: Path, plan: dict[str, dict[str, bool]]) -> None:
    """Cache a plan atomically (several graders may calibrate the same lesson at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = path.with_suffix(f".{os.getpid()}.tmp")
    tmp_path.write_text(json.dumps(plan, indent=1, sort_keys=True))
    tmp_path.replace(path)


def plan_from_record(record: Any) -> dict[str, dict[str, bool]]:
    """A canary applies to a cell when the master solution fails it (so an honest answer does)."""
    return {gid: {name: cell.canaries.get(name) == "fail" for name in ("c1", "c2", "c3")}
            for gid, cell in record.cells.items()}


def canary_plan(assignment: str, executor: Any) -> dict[str, dict[str, bool]]:
    """The calibrated canary plan of ``assignment``: from the cache, else by running the master
    notebook once with ``executor``'s configuration (raises when the master does not pass)."""
    path = plan_cache(assignment)
    cached = read_plan(path)
    if cached is not None:
        return cached
    from autograder import execute

    master = nbformat.read(SOURCE_DIR / assignment / f"{assignment}.ipynb", as_version=4)
    saved = execute.LAST_RECORD
    with tempfile.TemporaryDirectory(prefix="ppml-lab-calibrate-") as tmp:
        work = Path(tmp) / assignment
        shutil.copytree(SOURCE_DIR / assignment, work, ignore=shutil.ignore_patterns(f"{assignment}.ipynb"))
        runner = type(executor)(config=executor.config, auto_calibrate=False, canary_plan=None)
        runner.preprocess(master, {"metadata": {"path": str(work)}, "nbgrader": {"notebook": assignment}})
        record = execute.LAST_RECORD
    execute.LAST_RECORD = saved
    failed = {gid: c.reason for gid, c in record.cells.items() if c.outcome != "passed"}
    if failed or record.stop_reason:
        raise RuntimeError(
            f"the master notebook of {assignment} does not pass its own tests under the grader "
            f"({record.stop_reason or failed}); fix the lesson or raise the time limits"
        )
    plan = plan_from_record(record)
    write_plan(path, plan)
    return plan


def show_stderr_as_notes(cell: Any) -> bool:
    """Turn a graded cell's stderr text (library warnings) into visible stdout; True if any moved.

    nbgrader gives zero to a cell with any output on stderr; a real error is an error output,
    which this leaves alone, so it still fails."""
    moved = False
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            out["name"] = "stdout"
            out["text"] = STDERR_NOTE + out.get("text", "")
            moved = True
    return moved


def preload_for(resources: dict[str, Any], nb: Any) -> list[str]:
    """The modules to import before the snapshot: those the master notebook (else ``nb``) imports."""
    from autograder.sandbox import preload_modules

    assignment = resources.get("nbgrader", {}).get("assignment", "")
    master = SOURCE_DIR / assignment / f"{assignment}.ipynb"
    cells = nbformat.read(master, as_version=4).cells if assignment and master.is_file() else nb.cells
    return preload_modules(c.source for c in cells if c.cell_type == "code")
