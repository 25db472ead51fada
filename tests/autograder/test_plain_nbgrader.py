"""The README's plain nbgrader commands work on a fresh clone, where no grading folder exists yet."""

import os
import subprocess
import sys
from pathlib import Path

from autograder.pipeline import AUTOGRADER_DIR, GRADING_ENV_VAR


def test_generate_assignment_creates_the_grading_folder_it_needs(tmp_path):
    grading = tmp_path / "fresh-clone" / "grading"  # neither folder exists
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, GRADING_ENV_VAR: str(grading), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(
        [str(bin_dir / "nbgrader"), "generate_assignment", "00_orientation",
         f"--CourseDirectory.release_directory={grading / 'release'}"],
        cwd=AUTOGRADER_DIR, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert (grading / "gradebook.db").is_file()
    assert (grading / "release" / "00_orientation" / "00_orientation.ipynb").is_file()
