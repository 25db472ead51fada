"""The student edition (``ppml-lab release DIR``): it installs on its own and holds no secret.

The edition is built once into a temporary folder. Its wheel is installed into a new virtual
environment that has no access to the kit's sources: its third-party packages (torch, nbgrader, ...)
come from the kit's environment through a plain path entry, which does not run that environment's
editable hook, so neither the kit's ``ppml_lab`` nor ``autograder`` can be imported there. Lesson 00
then runs in that environment (fast mode, outside the repository) through the installed
``ppml-lab check``, which in the edition runs the visible checks only. Every file of the edition,
the wheel's members included, is searched for the lines of the hidden tests, the solutions and the
wrong-answer corpora.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.feedback import is_test_cell
from autograder.pipeline import ROOT, list_assignments
from autograder.release import INSTRUCTOR_COMMANDS, ReleaseError, build_edition
from autograder.testing import source_notebook
from ppml_lab.cli import main
from ppml_lab.cli.visible_checks import HIDDEN_NOTE, default_notebook

A = "00_orientation"
MIN_LINE = 8  # shorter lines (`return x`, `pass`) are not telling
MIN_CORPUS_LINE = 20
LONG_LINE = 30  # a secret this long is searched for inside lines too


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    return build_edition(tmp_path_factory.mktemp("edition") / "class")


def _edition_texts(root: Path) -> dict[str, str]:
    """Every file of the edition as text, each wheel member as a file of its own; a notebook as its
    cells' sources and outputs (its JSON quotes and escapes every line)."""
    texts = {}
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".whl":
            with zipfile.ZipFile(path) as wheel:
                for name in wheel.namelist():
                    texts[f"{path.name}!{name}"] = wheel.read(name).decode("utf-8", "replace")
        elif path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            texts[str(path.relative_to(root))] = "\n".join(
                [c.source for c in nb.cells] + [str(o) for c in nb.cells for o in c.get("outputs", [])])
        else:
            texts[str(path.relative_to(root))] = path.read_text(encoding="utf-8", errors="replace")
    return texts


def _leaks(texts: dict[str, str], secrets: set[str]) -> list[str]:
    """Secret lines found in the edition: as a whole line of a file, or (when long) inside one."""
    found = []
    for name, text in texts.items():
        lines = {x.strip() for x in text.splitlines()}
        found += [f"{name}: {s}" for s in secrets if s in lines or (len(s) >= LONG_LINE and s in text)]
    return sorted(found)


def _visible_lines() -> set[str]:
    """Every line the released notebooks show anyway (a signature, an import, a visible check)."""
    lines = set()
    for nb_path in (ROOT / "course").glob("*/*.ipynb"):
        nb = nbformat.read(nb_path, as_version=4)
        lines.update(x.strip() for c in nb.cells for x in c.source.splitlines())
    return lines


def _between(source: str, begin: str, end: str) -> list[str]:
    found, inside = [], False
    for line in source.splitlines():
        if line.strip() == begin:
            inside = True
        elif line.strip() == end:
            inside = False
        elif inside:
            found.append(line.strip())
    return found


def _secrets() -> dict[str, set[str]]:
    """Hidden-test, solution and wrong-answer lines that no released notebook shows."""
    hidden, solution = set(), set()
    for lesson in list_assignments():
        for cell in source_notebook(lesson).cells:
            if is_test_cell(cell):
                hidden.update(_between(cell.source, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"))
            solution.update(_between(cell.source, "### BEGIN SOLUTION", "### END SOLUTION"))
    corpus = set()
    for path in (ROOT / "tests" / "lessons").glob("corpus_*.py"):
        corpus.update(x.strip() for x in path.read_text(encoding="utf-8").splitlines())
    # The reference library is readable by design: a line it holds verbatim (an import, `return None`,
    # the one-line body of a function the lesson asks for) is no leak; nor is a line that a released
    # notebook or the library shows, or a long one they quote inside a line of theirs.
    known = _visible_lines() | {x.strip() for p in (ROOT / "ppml_lab").rglob("*.py")
                                for x in p.read_text(encoding="utf-8").splitlines()}
    long_known = "\n".join(k for k in known if len(k) >= LONG_LINE)

    def secret(line: str, minimum: int) -> bool:
        return len(line) >= minimum and line not in known and not (
            len(line) >= LONG_LINE and line in long_known)

    return {
        "hidden test": {s for s in hidden if secret(s, MIN_LINE)},
        "solution": {s for s in solution if secret(s, MIN_LINE)},
        "wrong-answer corpus": {s for s in corpus if secret(s, MIN_CORPUS_LINE)},
    }


def test_a_folder_with_anything_in_it_is_refused_and_left_alone(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ReleaseError, match="not empty"):
        build_edition(tmp_path)
    assert main(["release", str(tmp_path)]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"] and (tmp_path / "notes.txt").read_text() == "mine"
    (tmp_path / "file").write_text("x")
    assert main(["release", str(tmp_path / "file")]) == 2
    assert "is a file" in capsys.readouterr().err


def test_a_released_notebook_still_holding_answers_is_refused_and_nothing_is_left(tmp_path):
    kit = tmp_path / "kit"
    (kit / "course" / A).mkdir(parents=True)
    (kit / "course" / A / f"{A}.ipynb").write_text('{"cells": [{"source": "### BEGIN SOLUTION"}]}')
    with pytest.raises(ReleaseError, match="BEGIN SOLUTION"):
        build_edition(tmp_path / "edition", root=kit)
    assert not (tmp_path / "edition").exists()


def test_the_edition_holds_the_notebooks_the_library_and_how_to_install(edition):
    names = sorted(p.relative_to(edition.root).as_posix() for p in edition.root.rglob("*") if p.is_file())
    lessons = list_assignments()
    assert [n for n in names if n.startswith("course/")] == [f"course/{x}/{x}.ipynb" for x in lessons]
    assert set(names) - {f"course/{x}/{x}.ipynb" for x in lessons} == {
        "README.md", "install.sh", "constraints.txt", f"wheels/{edition.wheel.name}"}
    members = zipfile.ZipFile(edition.wheel).namelist()
    assert {m.split("/")[0] for m in members} == {"ppml_lab", edition.wheel.name.split("-py3")[0] + ".dist-info"}
    assert not [m for m in members if m.startswith("ppml_lab/cli/") and m.rsplit("/", 1)[1] in INSTRUCTOR_COMMANDS]
    assert "ppml_lab/interview/questions/attacks.yaml" in members and "ppml_lab/cli/check.py" in members
    install = (edition.root / "install.sh").read_text()
    for step in ("-m venv", f"-c constraints.txt wheels/{edition.wheel.name}", "ipykernel install", "jupyter lab"):
        assert step in install
    readme = (edition.root / "README.md").read_text()
    assert "sh install.sh" in readme and "flags copies" in readme and "Hidden tests run at grading" in readme


def test_check_finds_a_lesson_from_the_edition_or_its_course_folder(edition):
    expected = edition.root / "course" / A / f"{A}.ipynb"
    assert default_notebook(A, edition.root) == expected == default_notebook(A, edition.root / "course")


def test_no_hidden_test_solution_or_corpus_line_is_anywhere_in_the_edition(edition):
    texts = _edition_texts(edition.root)
    secrets = _secrets()
    assert all(secrets.values()), {k: len(v) for k, v in secrets.items()}  # the search has something to find
    leaks = {kind: _leaks(texts, lines) for kind, lines in secrets.items()}
    assert leaks == {kind: [] for kind in secrets}
    # the search finds a secret where one is: a solution line pasted into a released notebook is caught
    line = sorted(secrets["solution"])[0]
    assert _leaks({"course/x.ipynb": f"x = 1\n    {line}\n"}, secrets["solution"]) == [f"course/x.ipynb: {line}"]


def filled_notebook(released: Path, lesson: str, *, leave_blank: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    """The released notebook with each answer cell holding the master's solution (markers dropped)."""
    master = {c.metadata.nbgrader.grade_id: c.source for c in source_notebook(lesson).cells
              if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    nb = nbformat.read(released, as_version=4)
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and gid not in leave_blank:
            cell.source = "\n".join(x for x in master[gid].splitlines()
                                    if x.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    return nb


@pytest.mark.slow
def test_the_wheel_installs_in_a_fresh_environment_and_lesson_00_runs_there(edition, tmp_path):
    env_dir = tmp_path / "student-venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(edition.wheel)], check=True, capture_output=True, text=True)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # a plain path entry: the kit's packages, but not the kit's editable hook (it lives in a .pth there)
    (site / "kit-packages.pth").write_text(sysconfig.get_path("purelib") + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PPML_LAB_GRADING_DIR")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    probe = subprocess.run(
        [str(python), "-c", "import importlib.util, ppml_lab, torch, nbgrader; "
         "print(ppml_lab.__file__); print(importlib.util.find_spec('autograder'))"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.splitlines()
    assert Path(probe[0]).is_relative_to(site) and not Path(probe[0]).is_relative_to(ROOT), probe
    assert probe[1] == "None", "the grader must not be importable in a student's environment"

    # a learner's notebook, outside the repository: all answers but one, left as released
    work = tmp_path / "work"
    work.mkdir()
    nbformat.write(filled_notebook(edition.root / "course" / A / f"{A}.ipynb", A, leave_blank=("k_anonymity",)),
                   work / f"{A}.ipynb")
    proc = subprocess.run([str(env_dir / "bin" / "ppml-lab"), "check", A, f"{A}.ipynb", "--fast"], cwd=work,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    cells = {c.metadata.nbgrader.grade_id: float(c.metadata.nbgrader.points)
             for c in source_notebook(A).cells if is_test_cell(c)}
    printed = {m[1]: (float(m[2]), m[3]) for m in re.finditer(r"^ +(test_\w+): ([\d.]+)/[\d.]+ (\w+)", out, re.M)}
    assert printed == {gid: (0.0 if gid == "test_k_anonymity" else pts,
                             "FAILED" if gid == "test_k_anonymity" else "passed") for gid, pts in cells.items()}, out
    got = sum(p for g, p in cells.items() if g != "test_k_anonymity")
    assert f"visible checks only: {got:g}/{sum(cells.values()):g} automatic marks" in out, out
    assert "NotImplementedError" in out and HIDDEN_NOTE in " ".join(out.split())
    assert "manually graded interview_threat_models (3 points): pending" in out
