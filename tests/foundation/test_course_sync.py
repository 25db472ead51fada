"""course/ is exactly what nbgrader generates from solutions/: no hand edits, no stale lessons."""

import filecmp
from pathlib import Path

import pytest

from autograder.pipeline import RELEASE_DIR, generate_course, list_assignments


def test_every_lesson_has_a_release_and_nothing_else_is_released():
    lessons = list_assignments()
    assert "00_orientation" in lessons
    released = sorted(p.name for p in RELEASE_DIR.iterdir() if p.is_dir())
    assert released == lessons, (
        "course/ must hold exactly one folder per lesson in solutions/ (run `make course`)"
    )


def _files(folder: Path) -> list[Path]:
    # JupyterLab's checkpoints appear when a learner opens course/: they are not part of the release
    return sorted(
        p.relative_to(folder)
        for p in folder.rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts
    )


@pytest.mark.parametrize("assignment", list_assignments())
def test_course_is_up_to_date(tmp_path, assignment):
    generate_course([assignment], release_dir=tmp_path / "course", backup_dir=tmp_path / "backups")
    fresh, committed = tmp_path / "course" / assignment, RELEASE_DIR / assignment
    fresh_files = _files(fresh)
    committed_files = _files(committed)
    assert fresh_files == committed_files, f"course/{assignment} is out of date: run `make course`"
    stale = [str(p) for p in fresh_files if not filecmp.cmp(fresh / p, committed / p, shallow=False)]
    assert not stale, f"course/{assignment} is out of date ({stale}): run `make course`"


def test_regenerating_backs_up_a_learners_edits(tmp_path):
    release = tmp_path / "course"
    generate_course(["00_orientation"], release_dir=release, backup_dir=tmp_path / "b1")
    notebook = release / "00_orientation" / "00_orientation.ipynb"
    edited = notebook.read_text().replace("YOUR CODE HERE", "my own attempt")
    notebook.write_text(edited)
    backed_up = generate_course(["00_orientation"], release_dir=release, backup_dir=tmp_path / "b2")
    assert backed_up["00_orientation"] == [Path("00_orientation.ipynb")]
    assert (tmp_path / "b2" / "00_orientation" / "00_orientation.ipynb").read_text() == edited
    assert "YOUR CODE HERE" in notebook.read_text()


def test_unknown_lesson_is_refused(tmp_path):
    with pytest.raises(ValueError, match="assignment"):
        generate_course(["99_nope"], release_dir=tmp_path)
