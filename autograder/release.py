"""The student edition: what a class receives, and nothing a grader keeps to itself.

``build_edition(dest)`` writes into an empty folder:

* ``course/``: the released lesson notebooks (nbgrader's output: no solutions, no hidden tests);
* ``wheels/``: a wheel of the reference library ``ppml_lab`` alone. The kit's own ``pyproject.toml``
  packages ``autograder`` and ``benchmarks`` too; the edition's wheel is built from a staging copy
  holding only ``ppml_lab``, without the command-line modules that need the grader;
* ``constraints.txt``: the exact versions the kit is graded with;
* ``install.sh``: one command making a virtual environment, installing the wheel under those pins,
  registering the ``ppml-lab`` kernel the notebooks name, and opening JupyterLab on ``course/``;
* ``README.md``: how to install it, what it holds, and how a notebook is graded.

Nothing in ``solutions/``, ``tests/``, the grading folder or ``autograder/`` is copied.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from autograder.pipeline import ROOT

# Command-line modules of ``ppml_lab.cli`` that need the grader, its master notebooks or the kit's
# own folders: a student's installation has none of them, so the wheel leaves them out.
INSTRUCTOR_COMMANDS = ("course.py", "drill.py", "grade.py", "release.py")
# A released notebook holding one of these was not made by nbgrader (or was edited by hand).
FORBIDDEN_MARKERS = ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info")


class ReleaseError(ValueError):
    """The edition cannot be built: the destination is not empty, or a released file holds answers."""


@dataclass
class Edition:
    """What ``build_edition`` wrote."""

    root: Path
    notebooks: list[Path]
    wheel: Path


def check_destination(dest: Path | str) -> Path:
    """``dest`` as an absolute path, refused when it is a file or a folder with anything in it."""
    path = Path(dest).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise ReleaseError(f"destination {str(path)!r} is a file, not a folder")
    if path.is_dir() and any(path.iterdir()):
        raise ReleaseError(f"destination {str(path)!r} is not empty: nothing is overwritten, choose an empty "
                           "or new folder")
    return path


def _copy_course(root: Path, dest: Path) -> list[Path]:
    """Copy the released notebooks, refusing any that still carries a solution or hidden-test marker."""
    course = root / "course"
    notebooks = sorted(course.glob("*/*.ipynb"))
    if not notebooks:
        raise ReleaseError(f"no released notebook in {course} (run `ppml-lab course` first)")
    for nb in notebooks:
        text = nb.read_text(encoding="utf-8")
        marker = next((m for m in FORBIDDEN_MARKERS if m in text), None)
        if marker:
            raise ReleaseError(f"{nb} holds {marker!r}: regenerate it with `ppml-lab course`")
    shutil.copytree(course, dest / "course", ignore=_SKIP)
    return sorted((dest / "course").glob("*/*.ipynb"))


def _student_pyproject(root: Path) -> dict:
    """The kit's ``pyproject.toml`` reduced to the library: same name, version and dependencies."""
    kit = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    project = dict(kit["project"])
    project.pop("optional-dependencies", None)
    project["readme"] = "README.md"
    return {
        "build-system": kit["build-system"],
        "project": project,
        "tool": {"setuptools": {
            "packages": {"find": {"include": ["ppml_lab*"]}},
            "package-data": kit.get("tool", {}).get("setuptools", {}).get("package-data", {}),
        }},
    }


def build_wheel(root: Path, out_dir: Path, readme: str) -> Path:
    """Build the ``ppml_lab``-only wheel into ``out_dir`` offline (no build isolation, no downloads)."""
    with tempfile.TemporaryDirectory(prefix="ppml-lab-wheel-") as tmp:
        stage = Path(tmp)
        shutil.copytree(root / "ppml_lab", stage / "ppml_lab", ignore=_SKIP)
        for name in INSTRUCTOR_COMMANDS:
            (stage / "ppml_lab" / "cli" / name).unlink(missing_ok=True)
        (stage / "pyproject.toml").write_text(tomli_w.dumps(_student_pyproject(root)), encoding="utf-8")
        (stage / "README.md").write_text(readme, encoding="utf-8")
        out_dir.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
             "--wheel-dir", str(out_dir), str(stage)],
            capture_output=True, text=True, cwd=tmp)
        if proc.returncode != 0:
            raise RuntimeError(f"building the ppml_lab wheel failed:\n{proc.stdout}\n{proc.stderr}")
    wheels = sorted(out_dir.glob("ppml_lab-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one ppml_lab wheel in {out_dir}, found {[w.name for w in wheels]}")
    return wheels[0]


INSTALL_SH = """#!/bin/sh
# Installs the course and opens it: sh install.sh   (Python 3.11 needed; set PYTHON=... to choose it)
set -e
cd "$(dirname "$0")"
PYTHON="${{PYTHON:-python3.11}}"
test -x .venv/bin/python || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet -c constraints.txt wheels/{wheel}
# CrypTen asks for the retired `sklearn` package name: install it without its dependencies.
.venv/bin/python -m pip install --quiet --no-deps -c constraints.txt "crypten==0.4.1" "omegaconf==2.4.0"
.venv/bin/python -m ipykernel install --sys-prefix --name ppml-lab --display-name "Python 3 (ppml-lab)"
exec .venv/bin/jupyter lab --ServerApp.root_dir=course
"""


def student_readme(lessons: list[str], wheel_name: str) -> str:
    """The edition's README: install, what is in it, and how work is checked and graded."""
    listing = "\n".join(f"* `course/{name}/{name}.ipynb`" for name in lessons)
    return f"""# ppml-lab: the student edition

Lessons in privacy-preserving machine learning (differential privacy, homomorphic encryption,
secure multi-party computation, federated learning, attacks and anonymization), as Jupyter notebooks
you fill in and that are graded automatically.

## Install and open (one command)

With Python 3.11 on your machine, from this folder:

    sh install.sh

It creates `.venv/` here, installs `wheels/{wheel_name}` with the exact versions of
`constraints.txt` (the ones the course is graded with), registers the notebook kernel
"Python 3 (ppml-lab)" and opens JupyterLab on `course/`. Run it again to reopen the course; set
`PYTHON=/path/to/python3.11` if `python3.11` is not on your PATH.

## What is here

{listing}

* `wheels/`: the reference library `ppml_lab` the notebooks import.
* `constraints.txt`, `install.sh`, this README.

Each notebook has cells marked `# YOUR CODE HERE` (replace `raise NotImplementedError()` with your
answer), written answers (`YOUR ANSWER HERE`) and test cells. A test cell's visible checks are
yours to read and run; the course adds hidden tests to the same cells when it grades your notebook.
They are not in this edition.

The library's source is readable, as in any textbook's companion code: open it in
`.venv/lib/python3.11/site-packages/ppml_lab/`. Read it to learn; do not paste it. A notebook's
answers must be your own code: the grader compares each function you write with the library's and
flags copies for your instructor.

## Check your work

* In JupyterLab, the Validate button (nbgrader) runs the notebook and reports the visible checks
  that fail.
* From a terminal: `.venv/bin/ppml-lab check 00_orientation course/00_orientation/00_orientation.ipynb --fast`
  runs the notebook's visible checks and prints the marks they give. Hidden tests run at grading, so
  the final marks can be lower.

Set `PPML_LAB_FAST=1` (or pass `--fast`) to run a notebook on small data while you work.
"""


def build_edition(dest: Path | str, *, root: Path = ROOT) -> Edition:
    """Write the student edition into ``dest`` (new or empty), built from the kit at ``root``."""
    path = check_destination(dest)
    root = Path(root).resolve()
    inside = [root / name for name in ("course", "solutions", "ppml_lab")]
    if path == root or any(d == path or d in path.parents for d in inside):
        raise ReleaseError(f"destination {str(path)!r} is the kit or one of its source folders: choose another")
    created = not path.exists()
    path.mkdir(parents=True, exist_ok=True)
    try:
        notebooks = _copy_course(root, path)
        lessons = [nb.parent.name for nb in notebooks]
        version = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
        readme = student_readme(lessons, f"ppml_lab-{version}-py3-none-any.whl")
        wheel = build_wheel(root, path / "wheels", readme)
        (path / "README.md").write_text(student_readme(lessons, wheel.name), encoding="utf-8")
        shutil.copy2(root / "constraints.txt", path / "constraints.txt")
        (path / "install.sh").write_text(INSTALL_SH.format(wheel=wheel.name), encoding="utf-8")
        (path / "install.sh").chmod(0o755)
    except BaseException:
        # the folder was empty: everything in it is a half-built edition, removed so a retry is not refused
        for child in path.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        if created:
            path.rmdir()
        raise
    return Edition(path, notebooks, wheel)
