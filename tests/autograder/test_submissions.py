"""Finding submissions: layouts, LMS zips, the student-id rule, and files that cannot be graded."""

import json
import zipfile

import nbformat
import pytest

from autograder.submissions import (
    check_notebook,
    clean_student_id,
    discover,
    import_submission,
    opened,
    student_id_from_name,
)

A = "00_orientation"


def _nb_bytes(marker: str = "") -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(f"x = {marker!r}", id="cell-1"))
    return nbformat.writes(nb).encode()


@pytest.mark.parametrize(
    ("name", "student"),
    [
        ("smithjane_12345_67890_00_orientation.ipynb", "smithjane"),  # Canvas
        ("smithjane_LATE_12345_67890_00_orientation.ipynb", "smithjane"),  # Canvas, late
        ("Jane Smith_123456_assignsubmission_file_", "Jane-Smith"),  # Moodle folder
        ("alice.ipynb", "alice"),
        ("bob@uni.edu.ipynb", "bob@uni.edu"),
    ],
)
def test_student_id_is_the_name_up_to_the_first_underscore(name, student):
    assert student_id_from_name(name) == student


def test_id_pattern_replaces_the_rule_and_must_name_the_student():
    assert student_id_from_name("hw0-id4711-final.ipynb", r"id(?P<student>\d+)") == "4711"
    with pytest.raises(ValueError, match="id_pattern"):
        student_id_from_name("hw0.ipynb", r"id(?P<student>\d+)")
    with pytest.raises(ValueError, match="student id"):
        clean_student_id("../..")


def test_flat_folder_gives_one_submission_per_file_and_flags_ambiguous_ids(tmp_path):
    (tmp_path / "alice_1_2_00_orientation.ipynb").write_bytes(_nb_bytes("a"))
    (tmp_path / "bob_3_4_00_orientation.ipynb").write_bytes(_nb_bytes("b"))
    (tmp_path / "bob_LATE_3_5_00_orientation.ipynb").write_bytes(_nb_bytes("b2"))
    subs, layout = discover(tmp_path, A)
    assert layout == "flat"
    by_id = {s.student: s for s in subs}
    assert set(by_id) == {"alice", "bob"}
    assert by_id["alice"].problem is None and list(by_id["alice"].files) == [f"{A}.ipynb"]
    assert "ambiguous" in by_id["bob"].problem and not by_id["bob"].files


def test_nbgrader_layout_keeps_extra_files_and_checks_the_notebook_name(tmp_path):
    good = tmp_path / "submitted" / "carol" / A
    good.mkdir(parents=True)
    (good / f"{A}.ipynb").write_bytes(_nb_bytes())
    (good / "data.csv").write_text("a,b\n1,2\n")
    wrong = tmp_path / "submitted" / "dave" / A
    wrong.mkdir(parents=True)
    (wrong / "Untitled.ipynb").write_bytes(_nb_bytes())
    subs, layout = discover(tmp_path, A)  # the folder holding submitted/ works too
    assert layout == "nbgrader"
    by_id = {s.student: s for s in subs}
    assert sorted(by_id["carol"].files) == ["00_orientation.ipynb", "data.csv"]
    assert by_id["carol"].problem is None
    assert by_id["dave"].problem == f"wrong notebook name: expected {A}.ipynb, found Untitled.ipynb"


def test_unreadable_notebooks_are_reported_without_running_anything():
    assert check_notebook(b"") == "empty file: the notebook has no content"
    assert check_notebook(b"  \n").startswith("empty file")
    assert "invalid JSON" in check_notebook(b'{"cells": [')
    assert check_notebook(json.dumps({"cells": 3}).encode()).startswith("not a valid notebook")
    assert check_notebook(_nb_bytes()) is None
    assert "MB" in check_notebook(b"{" + b" " * (2 * 2**20) + b"}", max_mb=1)


def test_moodle_zip_of_student_folders_and_hash_changes_with_content(tmp_path):
    archive = tmp_path / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"Jane Smith_101_assignsubmission_file_/{A}.ipynb", _nb_bytes("v1"))
        zf.writestr(f"Li Wei_102_assignsubmission_file_/{A}.ipynb", _nb_bytes("v1"))
        zf.writestr("__MACOSX/._junk", b"junk")
    with opened(archive) as folder:
        subs, layout = discover(folder, A)
    assert layout == "per-student"
    assert [s.student for s in subs] == ["Jane-Smith", "Li-Wei"]
    assert subs[0].content_hash == subs[1].content_hash  # same bytes, same hash
    dest = import_submission(subs[0], tmp_path / "submitted", A)
    assert dest == tmp_path / "submitted" / "Jane-Smith" / A and (dest / f"{A}.ipynb").read_bytes() == _nb_bytes("v1")
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "Jane Smith_x.ipynb").write_bytes(_nb_bytes("v2"))
    changed, _ = discover(tmp_path / "flat", A)
    assert changed[0].student == "Jane-Smith" and changed[0].content_hash != subs[0].content_hash


def test_zip_entries_escaping_the_folder_are_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../etc/evil.ipynb", _nb_bytes())
    with pytest.raises(ValueError, match="unsafe entry"), opened(archive):
        pass
    with pytest.raises(ValueError, match="folder or a zip"), opened(tmp_path / "missing.zip"):
        pass
