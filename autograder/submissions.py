"""Find a class's submissions and bring them into nbgrader's layout.

Three inputs are understood (a zip is unpacked first, then read like a folder):

* **nbgrader's layout**: ``<dir>/<student>/<assignment>/<files>`` (``<dir>`` may be nbgrader's
  ``submitted/`` folder itself, or contain it). The student id is the folder name.
* **one folder per student** (Moodle's "download all submissions" zip):
  ``<dir>/<folder>/<notebook>.ipynb``. The student id is the folder name up to its first ``_``
  (``Jane Smith_123456_assignsubmission_file_`` gives ``Jane-Smith``).
* **flat files** (Canvas's zip): ``<dir>/<file>.ipynb``. The student id is the file name up to its
  first ``_`` (``smithjane_12345_67890_00_orientation.ipynb`` and
  ``smithjane_LATE_12345_67890_00_orientation.ipynb`` give ``smithjane``; ``alice.ipynb`` gives
  ``alice``).

``id_pattern``, a regular expression with a named group ``student`` matched against the folder or
file name, replaces the first-underscore rule. Ids keep letters, digits, ``.``, ``_``, ``@`` and
``-``; anything else becomes ``-``. Two files that give the same id make that student's
submission ambiguous (not graded, with the reason).

In a student's folder the notebook must be named ``<assignment>.ipynb``; a folder holding other
notebooks only is reported as a wrong notebook name. Empty files, invalid JSON, files that are not
notebooks and oversized files are reported too, without starting a kernel.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

MAX_NOTEBOOK_MB = 50
MAX_ZIP_MB = 2048
_ID_BAD = re.compile(r"[^A-Za-z0-9._@-]+")
_SKIP = {".ipynb_checkpoints", "__MACOSX", "__pycache__", ".DS_Store"}


@dataclass
class Submission:
    """One student's submission: files (relative path -> bytes) and, when it cannot be graded, why."""

    student: str
    files: dict[str, bytes] = field(default_factory=dict)
    problem: str | None = None
    origin: str = ""

    @property
    def content_hash(self) -> str:
        """SHA-256 over the files' names and contents: what decides whether to grade again."""
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        if self.problem and not self.files:
            digest.update(self.problem.encode())
        return digest.hexdigest()


def clean_student_id(raw: str) -> str:
    """A student id nbgrader can use as a folder name and glob (see the module docstring)."""
    cleaned = _ID_BAD.sub("-", raw.strip()).strip(".-")
    if not cleaned:
        raise ValueError(f"student id is empty after cleaning {raw!r}")
    return cleaned


def student_id_from_name(name: str, id_pattern: str | None = None) -> str:
    """The student id a file or folder name stands for (see the module docstring)."""
    stem = name[: -len(".ipynb")] if name.endswith(".ipynb") else name
    if id_pattern:
        match = re.search(id_pattern, name)
        if not match or "student" not in match.groupdict():
            raise ValueError(f"id_pattern {id_pattern!r} has no 'student' group matching {name!r}")
        return clean_student_id(match.group("student"))
    return clean_student_id(stem.split("_", 1)[0] if "_" in stem.strip("_") else stem)


def check_notebook(data: bytes, *, max_mb: int = MAX_NOTEBOOK_MB) -> str | None:
    """Why ``data`` cannot be graded as a notebook, or ``None`` when it can."""
    if not data.strip():
        return "empty file: the notebook has no content"
    if len(data) > max_mb * 1024 * 1024:
        return f"file is {len(data) / 2**20:.0f} MB; notebooks over {max_mb} MB are not graded"
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"not a notebook: invalid JSON ({exc})"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.reads(json.dumps(raw), as_version=4)
            nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several kinds
        return f"not a valid notebook: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    return None


def _regular_files(folder: Path) -> dict[str, bytes]:
    files = {}
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP and not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if name in _SKIP or not stat.S_ISREG(path.lstat().st_mode):
                continue
            files[str(path.relative_to(folder))] = path.read_bytes()
    return files


def _folder_submission(student: str, folder: Path, assignment: str, origin: str) -> Submission:
    files = _regular_files(folder)
    sub = Submission(student, files, origin=origin)
    wanted = f"{assignment}.ipynb"
    if wanted not in files:
        notebooks = sorted(n for n in files if n.endswith(".ipynb"))
        if notebooks:
            sub.problem = f"wrong notebook name: expected {wanted}, found {', '.join(notebooks)}"
        else:
            sub.problem = f"no notebook: expected {wanted} in the submission"
        return sub
    sub.problem = check_notebook(files[wanted])
    return sub


def _layout(root: Path, assignment: str) -> str:
    children = [p for p in root.iterdir() if p.name not in _SKIP and not p.name.startswith(".")]
    if (root / "submitted").is_dir() and not any(p.suffix == ".ipynb" for p in children):
        return "nbgrader-root"
    if any(p.is_file() and p.suffix == ".ipynb" for p in children):
        return "flat"
    dirs = [p for p in children if p.is_dir()]
    if dirs and all((d / assignment).is_dir() for d in dirs if any(d.iterdir())):
        return "nbgrader"
    return "per-student"


def discover(
    root: Path, assignment: str, *, id_pattern: str | None = None
) -> tuple[list[Submission], str]:
    """Every submission under the folder ``root``, and the layout recognised."""
    root = Path(root)
    layout = _layout(root, assignment)
    if layout == "nbgrader-root":
        root = root / "submitted"
        layout = "nbgrader"
    found: dict[str, list[Submission]] = {}
    if layout == "nbgrader":
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name not in _SKIP):
            if not (folder / assignment).is_dir():
                continue
            student = clean_student_id(folder.name)
            found.setdefault(student, []).append(
                _folder_submission(student, folder / assignment, assignment, str(folder / assignment))
            )
    elif layout == "per-student":
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name not in _SKIP):
            student = student_id_from_name(folder.name, id_pattern)
            found.setdefault(student, []).append(
                _folder_submission(student, folder, assignment, str(folder))
            )
    else:
        for path in sorted(p for p in root.iterdir() if p.suffix == ".ipynb"):
            if not stat.S_ISREG(path.lstat().st_mode):
                continue
            student = student_id_from_name(path.name, id_pattern)
            data = path.read_bytes()
            sub = Submission(student, {f"{assignment}.ipynb": data}, check_notebook(data), str(path))
            found.setdefault(student, []).append(sub)
    result = []
    for student, subs in sorted(found.items()):
        if len(subs) == 1:
            result.append(subs[0])
        else:
            origins = ", ".join(Path(s.origin).name for s in subs)
            result.append(
                Submission(
                    student,
                    problem=f"ambiguous: several files give student id {student!r} ({origins}); "
                    "rename them or pass an id pattern",
                    origin=origins,
                )
            )
    return result, layout


def _safe_extract(archive: Path, dest: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        total = sum(info.file_size for info in zf.infolist())
        if total > MAX_ZIP_MB * 2**20:
            raise ValueError(f"submissions zip expands to {total / 2**20:.0f} MB (limit {MAX_ZIP_MB} MB)")
        for info in zf.infolist():
            name = info.filename
            parts = Path(name).parts
            if name.startswith("/") or ".." in parts or (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise ValueError(f"submissions zip holds an unsafe entry: {name!r}")
            if info.is_dir() or any(p in _SKIP for p in parts):
                continue
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)


@contextmanager
def opened(path: Path) -> Iterator[Path]:
    """``path`` as a folder: a zip is unpacked into a temporary folder (unsafe entries refused)."""
    path = Path(path)
    if path.is_dir():
        yield path
        return
    if not path.is_file() or not zipfile.is_zipfile(path):
        raise ValueError(f"submissions must be a folder or a zip file, got {str(path)!r}")
    with tempfile.TemporaryDirectory(prefix="ppml-lab-submissions-") as tmp:
        _safe_extract(path, Path(tmp))
        entries = [p for p in Path(tmp).iterdir() if p.name not in _SKIP]
        # a zip of one folder (e.g. "submissions/") is read as that folder
        yield entries[0] if len(entries) == 1 and entries[0].is_dir() else Path(tmp)


def import_submission(sub: Submission, submitted_dir: Path, assignment: str) -> Path:
    """Write ``sub`` into ``submitted_dir/<student>/<assignment>/`` (replacing what was there)."""
    dest = Path(submitted_dir) / sub.student / assignment
    if Path(sub.origin).resolve() == dest.resolve():
        return dest
    staging = dest.parent / f".{assignment}.importing"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    for rel, data in sub.files.items():
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    if dest.exists():
        shutil.rmtree(dest)
    staging.rename(dest)
    return dest
