"""The `ppml-lab` console command."""

import subprocess
import sys
from pathlib import Path

import pytest

from ppml_lab.cli import build_parser, main

EXE = Path(sys.executable).parent / "ppml-lab"


def test_console_script_is_installed_and_lists_its_commands():
    out = subprocess.run([str(EXE), "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("doctor", "course"):
        assert command in out


def test_doctor_passes_on_this_environment():
    proc = subprocess.run([str(EXE), "doctor"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for line in ("tenseal", "opacus", "kernel 'ppml-lab'", "all checks passed"):
        assert line in proc.stdout


def test_course_refuses_an_unknown_lesson(capsys):
    assert main(["course", "99_missing"]) == 2
    assert "assignment must be one of" in capsys.readouterr().out


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().out


def test_unknown_command_is_an_error():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["frobnicate"])


@pytest.mark.parametrize("command", [["grade", "00_orientation", "subs"], ["check", "00_orientation"]])
def test_grade_and_check_take_the_sandbox_limits_with_the_defaults_of_limits(command):
    from autograder.sandbox import Limits
    from ppml_lab.cli.limits import limits_from_args

    args = build_parser().parse_args(command)
    assert limits_from_args(args) == Limits()
    args = build_parser().parse_args(command + ["--cell-timeout", "7", "--memory-mb", "900",
                                                "--max-processes", "32", "--max-output", "2000"])
    limits = limits_from_args(args)
    assert (limits.cell_seconds, limits.memory_mb, limits.max_processes, limits.output_bytes) == (7, 900, 32, 2000)


def test_a_bad_limit_is_refused_with_its_name(capsys):
    assert main(["check", "00_orientation", "--memory-mb", "-5"]) == 2
    assert "--memory-mb must be >= 64, got -5" in capsys.readouterr().err
