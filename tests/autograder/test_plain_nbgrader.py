"""The README's plain nbgrader commands work on a fresh clone, where no grading folder exists yet.

The commands are read from the README itself (the bash block after "Plain nbgrader works too") and run
in order, as one shell script, in a copy of the kit's files (what a clone holds, without ``grading/``)
whose ``.venv`` is this interpreter's environment. One untouched notebook is graded, in fast mode.
"""

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_feedback import _leaks, secret_lines

from autograder.pipeline import GRADING_ENV_VAR, ROOT
from ppml_lab.config import FAST_ENV_VAR

A = "00_orientation"


def readme_commands() -> str:
    """The bash block of the README's "Plain nbgrader works too" paragraph."""
    text = (ROOT / "README.md").read_text()
    match = re.search(r"^Plain nbgrader works too.*?^```bash\n(.*?)^```", text, flags=re.S | re.M)
    assert match, "README.md has no bash block after 'Plain nbgrader works too'"
    return match.group(1)


def fresh_copy(dest: Path) -> Path:
    """The files a clone of the kit holds (tracked or new, not ignored), with ``.venv`` this environment."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():  # a file deleted in the work tree is not part of the copy
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    (dest / ".venv").symlink_to(Path(sys.prefix))
    return dest


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_every_plain_nbgrader_command_of_the_readme_runs_on_a_fresh_clone(tmp_path):
    script = readme_commands()
    assert "generate_assignment" in script and "autograde" in script and "export" in script
    kit = fresh_copy(tmp_path / "kit")
    assert not (kit / "grading").exists()
    env = {k: v for k, v in os.environ.items() if k not in (GRADING_ENV_VAR, "VIRTUAL_ENV")}
    env[FAST_ENV_VAR] = "1"  # the suite grades lessons in fast mode
    proc = subprocess.run(
        ["bash", "-e", "-x", "-c", script], cwd=kit, env=env, capture_output=True, text=True,
        timeout=1100, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    grading = kit / "grading"
    assert (grading / "gradebook.db").is_file()
    assert (grading / "release" / A / f"{A}.ipynb").is_file()
    assert not (ROOT / "grading" / "submitted" / "alice").exists(), "the commands ran in the copy, not the kit"
    rows = list(csv.DictReader((grading / "grades.csv").open()))
    assert [(r["assignment"], r["student_id"], float(r["score"])) for r in rows] == [(A, "alice", 0.0)]
    assert float(rows[0]["max_score"]) == 12.0  # 9 automatic points and the 3 of the written answer
    feedback = grading / "feedback" / "alice" / A / f"{A}.html"
    text = feedback.read_text()
    assert "NotImplementedError" in text  # the learner sees why the marks are zero
    assert _leaks(text, secret_lines(A)) == []
