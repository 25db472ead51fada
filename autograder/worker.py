"""A grading worker process: autogrades one submission at a time with nbgrader, in scratch space.

Each worker keeps a zygote (``autograder.zygote``) for its kernels and gives every submission a
scratch nbgrader course of its own: a private folder (mode 0700) with a copy of the template
gradebook and the submission, and a kernel area holding only the notebook being run. It runs
nbgrader's ``Autograde`` converter in-process on that course (so nbgrader restores locked cells
and hidden tests from the scratch gradebook and saves the grades there) and, when asked,
``GenerateFeedback``. It never opens the class gradebook: the parent process reads the result and
is the only writer of that file.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import shutil
import signal
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder import sandbox
from autograder.pipeline import AUTOGRADER_DIR
from autograder.zygote import Zygote

_STATE: dict[str, Any] = {}
_COUNTER = itertools.count()


@dataclass
class WorkerConfig:
    """What every worker needs, fixed for a batch."""

    assignment: str
    scratch: str
    template_db: str
    limits: dict[str, Any]
    isolation: dict[str, Any]
    preload: list[str]
    hide: list[str]
    readonly: list[str]
    fast: bool = False
    feedback: bool = True
    tamper_checks: bool = True
    canary_plan: dict[str, dict[str, bool]] | None = None
    known_ids: list[str] = field(default_factory=list)
    manual_ids: list[str] = field(default_factory=list)  # manually graded answer cells


@dataclass
class Job:
    """One submission to autograde."""

    student: str
    source_dir: str  # the student's folder in the class's submitted/ tree
    content_hash: str
    canary_plan: dict[str, dict[str, bool]] | None = None
    calibrate: bool = False


@dataclass
class JobResult:
    """What grading one submission produced (paths point into the worker's scratch space)."""

    student: str
    content_hash: str
    status: str  # graded, failed, error
    reason: str = ""
    score: float = 0.0  # automatic marks only: manually graded cells are the instructor's
    max_score: float = 0.0
    cells: dict[str, list[float | None]] = field(default_factory=dict)  # gid -> [score or None, max]
    record: dict[str, Any] = field(default_factory=dict)
    autograded: str | None = None
    feedback: str | None = None
    scratch: str | None = None
    seconds: float = 0.0
    log_tail: str = ""


def init_worker(cfg: WorkerConfig) -> None:
    """Pool initializer: die with the parent, start this worker's zygote."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    warnings.filterwarnings("ignore", module="nbgrader")
    warnings.filterwarnings("ignore", message=".*not in session.*")
    home = Path(cfg.scratch) / f"w{os.getpid()}"
    home.mkdir(mode=0o711, parents=True, exist_ok=True)
    os.chmod(home, 0o711)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PPML_LAB_GRADING")}
    env.update(sandbox.SINGLE_THREAD_ENV)
    env["MPLBACKEND"] = sandbox.MPL_INLINE
    iso = sandbox.Isolation(**{**cfg.isolation, "notes": tuple(cfg.isolation.get("notes", ()))})
    wrap = None
    if iso.bwrap and not iso.namespaces:
        wrap = sandbox.bwrap_command(iso.bwrap, [], hide=cfg.hide + ["/tmp"], bind=[str(home)])  # ends in "--"
    zygote = Zygote(cfg.preload, env=env, cwd=home, log=home / "zygote.log", wrap=wrap)
    zygote.start()
    _STATE.update(cfg=cfg, home=home, zygote=zygote, iso=iso)


def _nbgrader_config(private: Path, area: Path, cfg: WorkerConfig, job: Job):
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.execute import GuardedExecute

    previous = os.environ.get("PPML_LAB_GRADING_DIR")
    os.environ["PPML_LAB_GRADING_DIR"] = str(private)
    try:
        config = PyFileConfigLoader("nbgrader_config.py", path=str(AUTOGRADER_DIR)).load_config()
    finally:
        if previous is None:
            os.environ.pop("PPML_LAB_GRADING_DIR", None)
        else:
            os.environ["PPML_LAB_GRADING_DIR"] = previous
    limits = cfg.limits
    extra = Config()
    extra.CourseDirectory.autograded_directory = str(area / "autograded")
    extra.CourseDirectory.feedback_directory = str(private / "feedback")
    extra.Autograde.autograde_preprocessors = [
        GuardedExecute,
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    extra.OverwriteCells.add_missing_cells = True
    extra.GuardedExecute.kernel_name = "ppml-lab"
    extra.GuardedExecute.timeout = max(1, int(limits["cell_seconds"]))
    extra.GuardedExecute.notebook_timeout = float(limits["notebook_seconds"])
    extra.GuardedExecute.output_bytes = int(limits["output_bytes"])
    extra.GuardedExecute.tamper_checks = cfg.tamper_checks
    extra.GuardedExecute.auto_calibrate = False  # the batch calibrates once, in its history
    extra.GuardedExecute.canary_plan = None if job.calibrate else (job.canary_plan or cfg.canary_plan or {})
    config.merge(extra)
    return config


def repair_metadata(path: Path, known_ids: set[str]) -> list[str]:
    """Turn cells that claim an nbgrader role under a grade id the assignment does not have into
    ordinary cells (nbgrader would refuse the whole notebook); the real cell, if missing, is put
    back by nbgrader. Returns notes for the report."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    notes = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta is None:
            continue
        gid = meta.get("grade_id")
        claims = any(meta.get(k) for k in ("grade", "solution", "locked", "task"))
        if claims and gid not in known_ids:
            del cell.metadata["nbgrader"]
            notes.append(f"a cell claiming grade id {gid!r}, which the assignment does not have, was run as an "
                         "ordinary cell")
    if notes:
        nbformat.write(nb, path)
    return notes


def _read_scores(db: Path, assignment: str, student: str,
                 manual_ids: set[str]) -> tuple[float, float, dict[str, list[float | None]]]:
    """(automatic score, automatic max, per cell [score, max]) from the scratch gradebook.

    A manually graded cell keeps nbgrader's ``auto_score``: ``None`` (waiting for the instructor),
    or 0 for an answer left exactly as released; it counts in neither automatic total."""
    from nbgrader.api import Gradebook, MissingEntry

    cells: dict[str, list[float | None]] = {}
    score = max_score = 0.0
    with Gradebook(f"sqlite:///{db}") as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return 0.0, 0.0, {}
        for nb in sub.notebooks:
            for grade in nb.grades:
                if grade.name in manual_ids:
                    auto = None if grade.auto_score is None else float(grade.auto_score)
                    cells[grade.name] = [auto, float(grade.max_score)]
                    continue
                cells[grade.name] = [float(grade.auto_score or 0.0), float(grade.max_score)]
                score += float(grade.auto_score or 0.0)
                max_score += float(grade.max_score)
        return score, max_score, cells


def _last_error(log: str) -> str:
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    for marker in ("ValidationError", "Error:", "Exception:", "[ERROR]"):
        for line in reversed(lines):
            if marker in line and "Please see" not in line and "There was an error" not in line:
                return line.removeprefix("[ERROR]").strip()[:300]
    return lines[-1][:300] if lines else "no log"


def _summary(record: dict[str, Any]) -> str:
    parts = []
    if record.get("stop_reason"):
        parts.append(record["stop_reason"])
    for gid, cell in sorted(record.get("cells", {}).items()):
        if cell.get("outcome") == "failed" and not cell.get("reason", "").startswith("not run"):
            parts.append(f"{gid}: {cell['reason']}")
    parts.extend(record.get("notes", []))
    return "; ".join(parts)


def _ensure_zygote() -> Zygote:
    zygote: Zygote = _STATE["zygote"]
    if not zygote.alive:  # it died (killed, out of memory): replace it
        zygote.close()
        zygote.start()
    return zygote


def grade_job(job: Job) -> JobResult:
    """Autograde one submission in a fresh scratch course; never raises (errors become results).

    If the worker's zygote stopped while the submission was graded, nothing the submission did is
    to blame (its kernel runs as another user and cannot reach the zygote): the zygote is replaced
    and the submission graded once more from the start, and the result says so.
    """
    start = time.perf_counter()
    result = _grade_once(job)
    zygote: Zygote = _STATE["zygote"]
    if not zygote.alive or "ZygoteError" in result.reason:
        first = result.reason or result.status
        discard(result.scratch)
        result = _grade_once(job)
        result.record.setdefault("notes", []).append(
            f"graded a second time: the grader's kernel server stopped during the first attempt ({first[:200]})"
        )
    result.seconds = time.perf_counter() - start
    return result


def _grade_once(job: Job) -> JobResult:
    from nbgrader.converters import Autograde, GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    from autograder import execute

    cfg: WorkerConfig = _STATE["cfg"]
    start = time.perf_counter()
    try:
        _ensure_zygote()
    except Exception as exc:
        return JobResult(job.student, job.content_hash, "error", reason=f"grader error: the kernel server did not start: {exc}")
    base = _STATE["home"] / f"s{next(_COUNTER)}"
    private = base / "private"
    area = base / "kernel"
    result = JobResult(job.student, job.content_hash, "error", scratch=str(base))
    try:
        base.mkdir(mode=0o711)
        os.chmod(base, 0o711)
        private.mkdir(mode=0o700)
        shutil.copy(cfg.template_db, private / "gradebook.db")
        shutil.copytree(job.source_dir, private / "submitted" / job.student / cfg.assignment, symlinks=False)
        repairs = repair_metadata(
            private / "submitted" / job.student / cfg.assignment / f"{cfg.assignment}.ipynb", set(cfg.known_ids)
        )
        config = _nbgrader_config(private, area, cfg, job)
        limits = sandbox.Limits(**cfg.limits)
        iso: sandbox.Isolation = _STATE["iso"]
        uid = sandbox.UID_BASE + os.getpid() if iso.drop_uid else None
        box = sandbox.KernelSandbox(
            zygote=_STATE["zygote"],
            isolation=iso,
            limits=limits,
            area=area,
            uid=uid,
            hide=cfg.hide,
            readonly=cfg.readonly,
            extra_env={"PPML_LAB_FAST": "1" if cfg.fast else "0"},
        )
        sandbox.set_current(box)
        execute.LAST_RECORD = None
        watchdog = threading.Timer(limits.notebook_seconds + 60, box.kill_all)
        watchdog.daemon = True
        watchdog.start()
        try:
            coursedir = CourseDirectory(config=config)
            coursedir.assignment_id = cfg.assignment
            coursedir.student_id = job.student
            converter = Autograde(coursedir=coursedir, config=config)
            converter.force = True
            converter.create_student = True
            outcome = capture_log(converter)
        finally:
            watchdog.cancel()
            if not box.cleared:
                box.kill_all()
            sandbox.set_current(None)
        record = execute.LAST_RECORD.to_dict() if execute.LAST_RECORD is not None else {}
        record["notes"] = repairs + record.get("notes", [])
        result.record = record
        result.log_tail = "\n".join(outcome.get("log", "").splitlines()[-30:])
        notebook = area / "autograded" / job.student / cfg.assignment / f"{cfg.assignment}.ipynb"
        if not outcome["success"] or not notebook.is_file():
            result.status = "failed"
            result.reason = "; ".join([*repairs, "nbgrader could not grade the notebook: " + _last_error(
                outcome.get("log", "") + "\n" + outcome.get("error", "")
            )])
        else:
            result.score, result.max_score, result.cells = _read_scores(
                private / "gradebook.db", cfg.assignment, job.student, set(cfg.manual_ids)
            )
            result.status = "graded"
            result.reason = _summary(record)
            result.autograded = str(notebook)
            if record.get("kernel_error") and not any(c["outcome"] == "passed" for c in record["cells"].values()):
                result.status = "error"  # the grader could not run a kernel: retry next time
            if cfg.feedback and result.status == "graded":
                fb = GenerateFeedback(coursedir=coursedir, config=config)
                fb.force = True
                if capture_log(fb)["success"]:
                    html = private / "feedback" / job.student / cfg.assignment / f"{cfg.assignment}.html"
                    result.feedback = str(html) if html.is_file() else None
    except Exception:
        result.status = "error"
        result.reason = "grader error: " + traceback.format_exc(limit=3).strip().splitlines()[-1]
        result.log_tail = traceback.format_exc()
    result.seconds = time.perf_counter() - start
    return result


def ping() -> int:
    """A no-op job: submitting one per worker starts every worker (and its zygote) at once."""
    return os.getpid()


def discard(scratch: str | None) -> None:
    """Remove a submission's scratch course once the parent has copied what it needs."""
    if scratch:
        shutil.rmtree(scratch, ignore_errors=True)
