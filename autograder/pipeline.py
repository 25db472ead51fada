"""Drive nbgrader for ppml-lab: list lessons, regenerate ``course/`` from ``solutions/``, autograde.

Every nbgrader call runs the real nbgrader command line with this folder as its working directory,
so it reads ``autograder/nbgrader_config.py``; grading output goes to a grading folder (see that
file), never beside the sources.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AUTOGRADER_DIR = Path(__file__).resolve().parent
SOURCE_DIR = ROOT / "solutions"
RELEASE_DIR = ROOT / "course"
GRADING_ENV_VAR = "PPML_LAB_GRADING_DIR"
DEFAULT_GRADING_DIR = ROOT / "grading"


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message carries the end of its output."""


def list_assignments() -> list[str]:
    """Every lesson in ``solutions/``: a folder holding a notebook of the same name."""
    if not SOURCE_DIR.is_dir():
        return []
    return sorted(p.name for p in SOURCE_DIR.iterdir() if (p / f"{p.name}.ipynb").is_file())


def check_assignment(assignment: str) -> str:
    """Return ``assignment`` if it names a lesson in ``solutions/``, else raise ``ValueError``."""
    known = list_assignments()
    if assignment not in known:
        raise ValueError(f"assignment must be one of {known}, got {assignment!r}")
    return assignment


def _bin_dir() -> Path:
    return Path(sys.executable).parent


def nbgrader_env(grading_dir: Path | None = None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment nbgrader runs in: this interpreter's ``bin/`` first on PATH (nbgrader calls
    ``alembic`` from PATH) and the grading folder."""
    env = dict(os.environ)
    env["PATH"] = f"{_bin_dir()}{os.pathsep}{env.get('PATH', '')}"
    if grading_dir is not None:
        env[GRADING_ENV_VAR] = str(Path(grading_dir).resolve())
    Path(env.get(GRADING_ENV_VAR) or DEFAULT_GRADING_DIR).mkdir(parents=True, exist_ok=True)
    env.update(extra or {})
    return env


def run_nbgrader(
    args: Sequence[str],
    *,
    grading_dir: Path | None = None,
    extra_env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``nbgrader <args>`` with ppml-lab's configuration; raise ``NbgraderError`` on failure."""
    exe = _bin_dir() / "nbgrader"
    cmd = [str(exe) if exe.exists() else "nbgrader", *args]
    proc = subprocess.run(
        cmd,
        cwd=AUTOGRADER_DIR,
        env=nbgrader_env(grading_dir, extra_env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
        raise NbgraderError(f"nbgrader {' '.join(args)} failed (exit {proc.returncode}):\n{tail}")
    return proc


def generate_release(assignment: str, release_dir: Path, grading_dir: Path) -> Path:
    """Run ``nbgrader generate_assignment`` into ``release_dir`` (gradebook in ``grading_dir``)."""
    check_assignment(assignment)
    release_dir = Path(release_dir).resolve()
    run_nbgrader(
        [
            "generate_assignment",
            assignment,
            "--force",
            f"--CourseDirectory.release_directory={release_dir}",
        ],
        grading_dir=grading_dir,
    )
    return release_dir / assignment


def _differing_files(old: Path, new: Path) -> list[Path]:
    """Files under ``old`` that regeneration would change or remove (relative paths)."""
    changed = []
    for path in sorted(p for p in old.rglob("*") if p.is_file()):
        rel = path.relative_to(old)
        twin = new / rel
        if not twin.is_file() or not filecmp.cmp(path, twin, shallow=False):
            changed.append(rel)
    return changed


def generate_course(
    assignments: Iterable[str] | None = None,
    *,
    release_dir: Path = RELEASE_DIR,
    backup_dir: Path | None = None,
) -> dict[str, list[Path]]:
    """Regenerate the student notebooks of ``assignments`` (default: all) from ``solutions/``.

    nbgrader strips solutions and hidden tests and clears outputs. Generation happens in a
    temporary folder with its own gradebook, so it has no side effect on a class's gradebook.
    A file in the release folder that would change or disappear (a learner may have worked in
    ``course/``) is first copied to ``backup_dir`` (default ``grading/course-backups/<time>/``).
    Returns, per assignment, the files that were backed up.
    """
    names = list(assignments) if assignments else list_assignments()
    for name in names:
        check_assignment(name)
    release_dir = Path(release_dir)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    backup_root = Path(backup_dir) if backup_dir else DEFAULT_GRADING_DIR / "course-backups" / stamp
    backed_up: dict[str, list[Path]] = {}
    with tempfile.TemporaryDirectory(prefix="ppml-lab-course-") as tmp:
        tmp_path = Path(tmp)
        for name in names:
            fresh = generate_release(name, tmp_path / "release", tmp_path / "grading")
            dest = release_dir / name
            changed = _differing_files(dest, fresh) if dest.is_dir() else []
            for rel in changed:
                target = backup_root / name / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(dest / rel, target)
            backed_up[name] = changed
            if dest.exists():
                shutil.rmtree(dest)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(fresh, dest)
    return backed_up
