"""``ppml-lab grade``: autograde a class's submissions with nbgrader, in parallel, resumably.

The parent process imports the submissions into nbgrader's layout in the grading folder, decides
what needs grading (a submission is graded again only when its content hash or the master
notebook changed), calibrates the tamper canaries on the master solution once, and hands the
submissions to worker processes (``autograder.worker``). Each worker autogrades in a scratch
nbgrader course of its own; the parent alone writes the class gradebook and the grade history,
one submission at a time, as results arrive. Reports (CSV and HTML), per-student feedback
(nbgrader's ``generate_feedback``) and an optional LMS export follow.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import multiprocessing
import os
import re
import shutil
import stat
import sys
import tempfile
import time
import zipfile
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from tqdm import tqdm

from autograder import sandbox, standalone, submissions
from autograder.gradebook import EXPORT_STYLES, ClassGradebook, History, export_csv
from autograder.pipeline import (
    DEFAULT_GRADING_DIR,
    GRADING_ENV_VAR,
    ROOT,
    SOURCE_DIR,
    check_assignment,
    generate_release,
)
from autograder.reports import cell_layout, manual_layout, write_csv, write_html
from autograder.worker import Job, JobResult, WorkerConfig, discard, grade_job, init_worker, ping
from ppml_lab._checks import check_choice, check_int

CALIBRATION_STUDENT = "ppml-lab-calibration"
_SCRATCH_PREFIX = "ppml-grade-"


class GradingError(RuntimeError):
    """The batch cannot be graded (not a submission's fault): bad setup, solution not full marks..."""


@dataclass
class GradeOptions:
    """How to grade a batch (see ``ppml-lab grade --help``)."""

    workers: int | None = None
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    fast: bool = False
    feedback: bool = True
    force: bool = False
    tamper_checks: bool = True
    id_pattern: str | None = None
    export: Path | None = None
    export_style: str = "canvas"
    progress: bool = False
    extra_hide: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.workers is not None:
            check_int("workers", self.workers, minimum=1)
        check_choice("export_style", self.export_style, EXPORT_STYLES)
        if self.id_pattern is not None:
            try:
                pattern = re.compile(self.id_pattern)
            except re.error as exc:
                raise ValueError(f"id_pattern is not a regular expression: {exc}") from exc
            if "student" not in pattern.groupindex:
                raise ValueError("id_pattern must have a named group 'student', e.g. '^(?P<student>[^_]+)'")


@dataclass
class BatchSummary:
    """What a run did."""

    assignment: str
    grading_dir: Path
    layout: str = ""
    graded: dict[str, str] = field(default_factory=dict)  # student -> "score/max"
    failed: dict[str, str] = field(default_factory=dict)  # student -> reason (zero marks)
    errors: dict[str, str] = field(default_factory=dict)  # grader-side problems, retried next run
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    report_csv: Path | None = None
    report_html: Path | None = None
    export: Path | None = None
    isolation: list[str] = field(default_factory=list)
    manual_pending: list[str] = field(default_factory=list)  # students with manual points not marked yet

    def lines(self) -> list[str]:
        """The end-of-run summary, one line each."""
        out = [
            f"{self.assignment}: {len(self.graded)} graded, {len(self.failed)} failed, "
            f"{len(self.skipped)} skipped as unchanged, {len(self.errors)} grader errors "
            f"({self.seconds:.1f} s{', interrupted' if self.interrupted else ''})"
        ]
        out += [f"  failed  {s}: {r}" for s, r in sorted(self.failed.items())]
        out += [f"  error   {s}: {r} (will be retried)" for s, r in sorted(self.errors.items())]
        if self.manual_pending:
            out.append(f"  {len(self.manual_pending)} student(s) have manually graded answers to mark in formgrader "
                       "(their totals count only the points given so far)")
        for label, path in (("report", self.report_html), ("csv", self.report_csv), ("export", self.export)):
            if path:
                out.append(f"  {label}: {path}")
        return out


def resolve_grading_dir(grading_dir: Path | str | None) -> Path:
    """``grading_dir``, else ``$PPML_LAB_GRADING_DIR``, else ``grading/`` at the project root."""
    chosen = grading_dir or os.environ.get(GRADING_ENV_VAR) or DEFAULT_GRADING_DIR
    return Path(chosen).expanduser().resolve()


def source_hash(assignment: str) -> str:
    """SHA-256 of the master notebook: grades given against another version are redone."""
    return hashlib.sha256((SOURCE_DIR / assignment / f"{assignment}.ipynb").read_bytes()).hexdigest()


def _clean_stale_scratch() -> None:
    tmp = Path(tempfile.gettempdir())
    for path in tmp.glob(f"{_SCRATCH_PREFIX}*"):
        match = re.match(rf"{_SCRATCH_PREFIX}(\d+)-", path.name)
        if not match:
            continue
        pid = int(match.group(1))
        alive = Path(f"/proc/{pid}").exists()
        if not alive:
            shutil.rmtree(path, ignore_errors=True)


def _template_gradebook(assignment: str, grading_dir: Path, digest: str) -> Path:
    """A gradebook holding only this version of the assignment (copied into each scratch course)."""
    folder = grading_dir / ".cache" / f"template-{assignment}-{digest[:16]}"
    db = folder / "gradebook.db"
    if not db.is_file():
        with tempfile.TemporaryDirectory(prefix="ppml-lab-template-") as tmp:
            generate_release(assignment, Path(tmp) / "release", Path(tmp))
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(Path(tmp) / "gradebook.db", folder / "gradebook.db.part")
            os.replace(folder / "gradebook.db.part", db)
    return db


def _ensure_class_gradebook(assignment: str, grading_dir: Path, history: History, digest: str) -> None:
    last = history.db.execute(
        "SELECT source_hash FROM runs WHERE assignment = ? ORDER BY id DESC LIMIT 1", (assignment,)
    ).fetchone()
    known = False
    if (grading_dir / "gradebook.db").is_file():
        book = ClassGradebook(grading_dir / "gradebook.db")
        try:
            known = book.has_assignment(assignment)
        finally:
            book.close()
    if not (grading_dir / "gradebook.db").is_file():
        # a new class: the template (this assignment only) is exactly the gradebook to start from
        shutil.copy(_template_gradebook(assignment, grading_dir, digest), grading_dir / "gradebook.db")
    elif not known or (last is not None and last["source_hash"] != digest):
        generate_release(assignment, grading_dir / "release", grading_dir)


def _copy_regular(src: str | None, dest: Path) -> bool:
    """Copy a regular file without following links; False when ``src`` is missing or not regular."""
    if not src:
        return False
    try:
        fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return False
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        with open(part, "wb") as out:
            shutil.copyfileobj(fh, out)
        os.replace(part, dest)
    return True


def _archive_previous(grading_dir: Path, assignment: str, student: str) -> str | None:
    """Move the previous autograded notebook and feedback into ``history/`` before replacing them."""
    stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{time.time_ns() % 1_000_000:06d}"
    moved = None
    for step in ("autograded", "feedback"):
        folder = grading_dir / step / student / assignment
        if folder.is_dir() and any(folder.iterdir()):
            target = grading_dir / "history" / student / assignment / stamp / step
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(folder), str(target))
            moved = str(target.parent)
    return moved


class _Merger:
    """The single writer: folds each result into the class gradebook and the history."""

    def __init__(self, assignment: str, grading_dir: Path, history: History, run_id: int, digest: str,
                 summary: BatchSummary) -> None:
        self.assignment = assignment
        self.grading_dir = grading_dir
        self.history = history
        self.run_id = run_id
        self.digest = digest
        self.summary = summary
        self.book = ClassGradebook(grading_dir / "gradebook.db")

    def close(self) -> None:
        self.book.close()

    def problem(self, sub: submissions.Submission) -> None:
        """A submission that cannot be graded at all: zero, with the reason."""
        archive = _archive_previous(self.grading_dir, self.assignment, sub.student)
        self.book.record(self.assignment, sub.student, None)
        self.history.add(
            self.run_id, self.assignment, sub.student, content_hash=sub.content_hash, source_hash=self.digest,
            status="failed", reason=sub.problem or "", score=0.0, max_score=self._max_score(), cells={},
            record={}, seconds=0.0, archive=archive,
        )
        self.summary.failed[sub.student] = sub.problem or ""

    def _max_score(self) -> float:
        if not hasattr(self, "_max"):
            self._max = sum(c.points for c in cell_layout(self.assignment))
        return self._max

    def result(self, res: JobResult) -> None:
        """Fold one worker result in (committed before returning)."""
        if res.status == "error":
            self.history.add(
                self.run_id, self.assignment, res.student, content_hash=res.content_hash, source_hash=self.digest,
                status="error", reason=res.reason, score=0.0, max_score=res.max_score, cells=res.cells,
                record=res.record, seconds=res.seconds,
            )
            self.summary.errors[res.student] = res.reason
            discard(res.scratch)
            return
        archive = _archive_previous(self.grading_dir, self.assignment, res.student)
        if res.status == "graded":
            name = self.assignment
            _copy_regular(res.autograded, self.grading_dir / "autograded" / res.student / name / f"{name}.ipynb")
            _copy_regular(res.feedback, self.grading_dir / "feedback" / res.student / name / f"{name}.html")
        self.book.record(self.assignment, res.student, res.cells if res.status == "graded" else None)
        self.history.add(
            self.run_id, self.assignment, res.student, content_hash=res.content_hash, source_hash=self.digest,
            status=res.status, reason=res.reason, score=res.score if res.status == "graded" else 0.0,
            max_score=res.max_score or self._max_score(), cells=res.cells, record=res.record,
            seconds=res.seconds, archive=archive,
        )
        if res.status == "graded":
            self.summary.graded[res.student] = f"{res.score:g}/{res.max_score:g}"
        else:
            self.summary.failed[res.student] = res.reason
        discard(res.scratch)


def _calibration_plan(result: JobResult) -> dict[str, dict[str, bool]]:
    if result.status != "graded" or result.score < result.max_score:
        raise GradingError(
            f"the master solution earns {result.score:g}/{result.max_score:g} in the grading sandbox "
            f"({result.status}: {result.reason or result.log_tail[-500:]}); raise the limits or fix the lesson"
        )
    plan = {}
    for gid, cell in result.record.get("cells", {}).items():
        verdicts = cell.get("canaries", {})
        plan[gid] = {name: verdicts.get(name) == "fail" for name in ("c1", "c2", "c3")}
    return plan


def _calibration_job(assignment: str, scratch: Path) -> Job:
    from autograder.testing import notebook_with_answers, solution_answers

    folder = scratch / "calibration" / CALIBRATION_STUDENT / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook_with_answers(assignment, solution_answers(assignment)), folder / f"{assignment}.ipynb")
    return Job(CALIBRATION_STUDENT, str(folder), "calibration", calibrate=True)


def grade(assignment: str, submissions_path: Path | str, *, grading_dir: Path | str | None = None,
          options: GradeOptions | None = None) -> BatchSummary:
    """Grade every submission of ``assignment`` found at ``submissions_path`` (folder or zip)."""
    start = time.perf_counter()
    opts = options or GradeOptions()
    check_assignment(assignment)
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):  # nbgrader's gradebook calls alembic
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    source = Path(submissions_path)
    if not (source.is_dir() or (source.is_file() and zipfile.is_zipfile(source))):
        raise ValueError(f"submissions must be a folder or a zip file, got {str(source)!r}")
    gdir = resolve_grading_dir(grading_dir)
    gdir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        os.chmod(gdir, 0o700)
    summary = BatchSummary(assignment, gdir)
    digest = source_hash(assignment)
    with submissions.opened(source) as folder:
        subs, summary.layout = submissions.discover(folder, assignment, id_pattern=opts.id_pattern)
        for sub in subs:
            if sub.files:
                submissions.import_submission(sub, gdir / "submitted", assignment)
    history = History(gdir)
    try:
        latest = history.latest(assignment)
        todo, problems = [], []
        for sub in subs:
            last = latest.get(sub.student)
            unchanged = (
                last is not None and last.content_hash == sub.content_hash and last.source_hash == digest
                and last.status in ("graded", "failed")
            )
            if unchanged and not opts.force:
                summary.skipped.append(sub.student)
            elif sub.problem:
                problems.append(sub)
            else:
                todo.append(sub)
        _ensure_class_gradebook(assignment, gdir, history, digest)
        settings = {"limits": opts.limits.to_dict(), "fast": opts.fast, "workers": opts.workers,
                    "tamper_checks": opts.tamper_checks, "layout": summary.layout}
        run_id = history.start_run(assignment, digest, settings)
        merger = _Merger(assignment, gdir, history, run_id, digest, summary)
        try:
            for sub in problems:
                merger.problem(sub)
            if todo:
                _run_pool(assignment, gdir, todo, opts, history, digest, merger, summary)
        finally:
            merger.close()
            history.finish_run(run_id)
        rows = list(history.latest(assignment).values())
        cells, manual_cells = cell_layout(assignment), manual_layout(assignment)
        book = ClassGradebook(gdir / "gradebook.db")
        try:
            totals = book.totals(assignment)
            manual = book.manual_status(assignment, [c.grade_id for c in manual_cells]) if manual_cells else {}
        finally:
            book.close()
        summary.manual_pending = sorted(s for s, m in manual.items() if m.pending)
        summary.seconds = time.perf_counter() - start
        reports = gdir / "reports" / assignment
        summary.report_csv = write_csv(reports / "grades.csv", rows, cells, manual_cells=manual_cells, manual=manual)
        from autograder.copies import find_copies
        from autograder.testing import source_notebook

        submitted = {r.student: gdir / "submitted" / r.student / assignment / f"{assignment}.ipynb"
                     for r in rows if r.status == "graded"}
        summary.report_html = write_html(
            reports / "report.html", assignment, rows, cells,
            summary_lines=summary.lines()[:1] + summary.isolation, feedback_dir=gdir / "feedback",
            copies=find_copies(source_notebook(assignment), {s: p for s, p in submitted.items() if p.is_file()}),
            manual_cells=manual_cells, manual=manual,
        )
        if opts.export:
            reasons = {r.student: r.reason for r in rows}
            summary.export = export_csv(Path(opts.export), assignment, totals, style=opts.export_style,
                                        reasons=reasons, manual=manual)
    finally:
        history.close()
    summary.seconds = time.perf_counter() - start
    return summary


def _run_pool(assignment: str, gdir: Path, todo: list[submissions.Submission], opts: GradeOptions,
              history: History, digest: str, merger: _Merger, summary: BatchSummary) -> None:
    _clean_stale_scratch()
    scratch = Path(tempfile.mkdtemp(prefix=f"{_SCRATCH_PREFIX}{os.getpid()}-"))
    os.chmod(scratch, 0o711)
    iso = sandbox.detect_isolation()
    summary.isolation = iso.describe()
    from autograder.testing import manual_grade_ids, source_notebook

    preload = sandbox.preload_modules(c.source for c in source_notebook(assignment).cells if c.cell_type == "code")
    hide = sorted({str(ROOT / "solutions"), str(ROOT / ".git"), str(gdir), str(DEFAULT_GRADING_DIR), str(scratch),
                   "/root", "/home", *(str(Path(p).resolve()) for p in opts.extra_hide)})
    if os.environ.get(GRADING_ENV_VAR):
        hide.append(str(Path(os.environ[GRADING_ENV_VAR]).resolve()))
    plan = history.calibration(digest) if opts.tamper_checks else {}
    shared = standalone.plan_cache(assignment, "sandbox") if os.environ.get(standalone.PLANS_ENV_VAR) else None
    if plan is None and shared is not None:
        plan = standalone.read_plan(shared)
        if plan is not None:
            history.save_calibration(digest, plan)
    cfg = WorkerConfig(
        assignment=assignment, scratch=str(scratch), template_db=str(_template_gradebook(assignment, gdir, digest)),
        limits=opts.limits.to_dict(), isolation=iso.to_dict(), preload=preload, hide=hide,
        readonly=[str(ROOT)], fast=opts.fast, feedback=opts.feedback, tamper_checks=opts.tamper_checks,
        canary_plan=plan,
        known_ids=[c.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
                   for c in source_notebook(assignment).cells if c.get("metadata", {}).get("nbgrader")],
        manual_ids=manual_grade_ids(assignment),
    )
    n_workers = max(1, min(opts.workers or os.cpu_count() or 1, len(todo) + (plan is None)))
    pool = cf.ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=init_worker, initargs=(cfg,))
    bar = tqdm(total=len(todo), unit="submission", desc=assignment, disable=not opts.progress)
    try:
        for _ in range(n_workers - 1):
            pool.submit(ping)  # starts every worker, and its zygote, now
        if plan is None:
            try:
                calibration = pool.submit(grade_job, _calibration_job(assignment, scratch)).result()
            except BrokenProcessPool as exc:
                raise GradingError(f"the grading workers could not start their kernels: {exc}") from exc
            discard(calibration.scratch)
            plan = _calibration_plan(calibration)
            history.save_calibration(digest, plan)
            if shared is not None:
                standalone.write_plan(shared, plan)
        futures = {
            pool.submit(grade_job, Job(s.student, str(gdir / "submitted" / s.student / assignment), s.content_hash,
                                       canary_plan=plan)): s
            for s in todo
        }
        for fut in cf.as_completed(futures):
            sub = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:  # a worker died: nothing recorded, graded again next run
                summary.errors[sub.student] = f"worker failed: {type(exc).__name__}: {exc}"
                bar.update(1)
                continue
            merger.result(res)
            bar.set_postfix_str(f"{res.student}: {res.status} {res.score:g}/{res.max_score:g}", refresh=False)
            if res.status != "graded" and opts.progress:
                tqdm.write(f"{res.student}: {res.status}: {res.reason}")
            bar.update(1)
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        bar.close()
        for proc in list(getattr(pool, "_processes", {}).values()):
            with contextlib.suppress(Exception):
                if summary.interrupted:
                    proc.kill()
        pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(scratch, ignore_errors=True)
