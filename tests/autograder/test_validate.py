"""nbgrader's Validate (JupyterLab's button runs ``nbgrader validate``) works on the released notebooks.

Filled with the master's answers, a lesson's notebook from ``course/`` validates; left blank, it is
reported as failing (its answer stubs raise), and nbgrader does not crash. Validate runs every cell,
so a lesson costs a full run even in fast mode: three lessons are validated here (00 orientation,
01 central DP, 07 local DP on device telemetry), not all eleven.
"""

from __future__ import annotations

import subprocess

import nbformat
import pytest
from test_release import filled_notebook

from autograder.pipeline import AUTOGRADER_DIR, ROOT, _bin_dir, nbgrader_env
from ppml_lab.config import FAST_ENV_VAR

LESSONS = ["00_orientation", "01_dp_foundations", "07_device_telemetry"]
FAILED = "VALIDATION FAILED"


def _validate(path, grading_dir) -> subprocess.CompletedProcess[str]:
    """``nbgrader validate`` as the Validate button runs it, with the kit's nbgrader configuration."""
    return subprocess.run([str(_bin_dir() / "nbgrader"), "validate", str(path)], cwd=AUTOGRADER_DIR,
                          env=nbgrader_env(grading_dir, {FAST_ENV_VAR: "1"}), capture_output=True, text=True,
                          timeout=900)


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("lesson", LESSONS)
def test_validate_passes_the_answered_notebook_and_fails_the_blank_one(lesson, tmp_path):
    released = ROOT / "course" / lesson / f"{lesson}.ipynb"
    answered = tmp_path / "answered" / f"{lesson}.ipynb"
    answered.parent.mkdir()
    nbformat.write(filled_notebook(released, lesson), answered)
    proc = _validate(answered, tmp_path / "grading")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "Success! Your notebook passes all the tests." in out, out[-3000:]

    blank = tmp_path / "blank" / f"{lesson}.ipynb"
    blank.parent.mkdir()
    blank.write_bytes(released.read_bytes())
    proc = _validate(blank, tmp_path / "grading")
    out = proc.stdout + proc.stderr
    assert FAILED in out and "NotImplementedError" in out, out[-3000:]
    assert "Traceback (most recent call last)" not in proc.stderr, proc.stderr[-3000:]  # a report, not a crash
