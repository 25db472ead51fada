"""The parts of ``ppml-lab grade`` that need no kernel: arguments, limits, reports, export, sandbox plans."""

import csv
import os

import pytest

from autograder import sandbox
from autograder.gradebook import GradeRow, export_columns, export_csv
from autograder.reports import CellInfo, cell_layout, difficulty, write_csv, write_html
from ppml_lab.cli import main

A = "00_orientation"


def _row(student, status, cells, reason=""):
    score = sum(v[0] for v in cells.values())
    return GradeRow(0, 1, A, student, "h", "s", status, reason, score, 6.0, cells, {}, 0.0, 1.0, None)


CELLS = [CellInfo("t_values", 2, "rr"), CellInfo("t_edges", 1, "rr"), CellInfo("t_k", 3, "k")]
ROWS = [
    _row("ann", "graded", {"t_values": [2, 2], "t_edges": [1, 1], "t_k": [3, 3]}),
    _row("ben", "graded", {"t_values": [0, 2], "t_edges": [1, 1], "t_k": [3, 3]}),
    _row("cat", "graded", {"t_values": [0, 2], "t_edges": [0, 1], "t_k": [0, 3]}),
    _row("dan", "failed", {}, "empty file: the notebook has no content"),
]


def test_cli_rejects_bad_arguments_naming_them(capsys, tmp_path):
    assert main(["grade", "99_missing", str(tmp_path)]) == 2
    assert "assignment must be one of" in capsys.readouterr().err
    assert main(["grade", A, str(tmp_path), "--workers", "0"]) == 2
    assert "workers must be >= 1" in capsys.readouterr().err
    assert main(["grade", A, str(tmp_path), "--cell-timeout", "0"]) == 2
    assert "--cell-timeout must be >= 1.0, got 0.0" in capsys.readouterr().err  # named as the user typed it
    assert main(["grade", A, str(tmp_path), "--id-pattern", "(?P<who>x)"]) == 2
    assert "id_pattern" in capsys.readouterr().err
    assert main(["grade", A, str(tmp_path / "nothing.zip"), "--grading-dir", str(tmp_path / "g")]) == 2
    assert "folder or a zip" in capsys.readouterr().err
    assert not (tmp_path / "g").exists()  # nothing created for a bad call
    with pytest.raises(SystemExit):
        main(["grade", "--help"])
    assert "--export-style" in capsys.readouterr().out


def test_limits_are_validated():
    with pytest.raises(ValueError, match="memory_mb"):
        sandbox.Limits(memory_mb=1)
    with pytest.raises(TypeError, match="max_processes"):
        sandbox.Limits(max_processes=1.5)
    assert sandbox.Limits().to_dict()["cell_seconds"] == 120.0


def test_isolation_report_is_consistent_with_this_machine():
    iso = sandbox.detect_isolation()
    assert iso.root == (os.geteuid() == 0)
    assert iso.nproc_binding == iso.drop_uid and (not iso.drop_uid or iso.root)
    lines = iso.describe()
    assert any("RLIMIT_NPROC" in line for line in lines)
    if sandbox.shutil.which("bwrap") is None:
        assert "bubblewrap (bwrap) not found" in lines


def test_preload_follows_the_lesson_imports_but_not_ipython():
    names = sandbox.preload_modules(["import numpy as np\nimport IPython.display\nfrom ppml_lab.dp import x"])
    assert "ppml_lab.dp" in names and "numpy" in names and "autograder.guard" in names
    assert "IPython.display" not in names
    assert sandbox.imports_of("this is not python") == []


def test_bwrap_command_cuts_the_network_and_covers_hidden_folders(tmp_path):
    cmd = sandbox.bwrap_command("/usr/bin/bwrap", ["python", "-m", "x"], hide=[str(tmp_path)], bind=["/scratch"])
    assert cmd[0] == "/usr/bin/bwrap" and "--unshare-net" in cmd and "--die-with-parent" in cmd
    assert cmd[cmd.index("--tmpfs") + 1] == str(tmp_path)
    assert cmd[cmd.index("--bind") + 1:cmd.index("--bind") + 3] == ["/scratch", "/scratch"]
    assert cmd[-4:] == ["--", "python", "-m", "x"]


def test_difficulty_table_means_and_full_marks():
    table = {t["cell"]: t for t in difficulty(ROWS, CELLS)}
    # four students count (a failed submission scores zero); errors would not
    assert table["t_values"]["mean"] == pytest.approx(0.5) and table["t_values"]["full_marks"] == 0.25
    assert table["t_k"]["mean_fraction"] == pytest.approx(0.5) and table["t_edges"]["full_marks"] == 0.5
    assert [c.grade_id for c in cell_layout(A)] == ["test_threat_model", "test_rr_epsilon_values",
                                                     "test_rr_epsilon_edges", "test_k_anonymity"]
    assert {c.question for c in cell_layout(A)} == {"threat_model", "rr_epsilon", "k_anonymity"}


def test_reports_and_exports(tmp_path):
    html = write_html(tmp_path / "r.html", A, ROWS, CELLS).read_text()
    assert html.count("data:image/png;base64,") == 2
    assert "empty file: the notebook has no content" in html and "Difficulty per test cell" in html
    rows = list(csv.reader(open(write_csv(tmp_path / "g.csv", ROWS, CELLS))))
    assert rows[0][:7] == ["student", "status", "score", "max_score", "t_values", "t_edges", "t_k"]
    assert rows[2][:7] == ["ben", "graded", "4", "6", "0", "1", "3"]
    totals = {r.student: (r.score, 6.0) for r in ROWS}
    canvas = list(csv.reader(open(export_csv(tmp_path / "c.csv", A, totals))))
    assert canvas[0] == [*export_columns("canvas"), A] and canvas[1][0].strip() == "Points Possible"
    assert canvas[3] == ["ben", "", "", "ben", "", "4"]
    moodle = list(csv.reader(open(export_csv(tmp_path / "m.csv", A, totals, style="moodle",
                                             reasons={"dan": "empty file"}))))
    assert moodle[0] == ["Username", A, "Feedback"] and moodle[4] == ["dan", "0", "empty file"]
    with pytest.raises(ValueError, match="style"):
        export_csv(tmp_path / "x.csv", A, totals, style="blackboard")
