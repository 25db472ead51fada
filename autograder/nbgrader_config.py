"""nbgrader configuration for ppml-lab (read by nbgrader from this folder, its working directory).

`solutions/` is nbgrader's source step and `course/` its release step, both at the project root.
Everything grading produces (submissions, autograded copies, feedback, the gradebook) lives in the
grading folder: `grading/` at the project root (git-ignored), or the folder named by the
environment variable PPML_LAB_GRADING_DIR. Sources are never written beside grading output.

The kit's protections are nbgrader preprocessors configured here, so plain `nbgrader autograde`, the
formgrader's Autograde button and `ppml-lab grade` give the same marks: `GuardedExecute` (patches
undone before each graded test cell, canaries after each passing one, results a test cell never
computes dropped, stderr warnings shown without zeroing the cell) replaces nbgrader's `Execute`, and
deleted test cells are put back. `ppml-lab grade` adds the kernel sandbox on top.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 - injected by traitlets when nbgrader loads this file

ROOT = Path(__file__).resolve().parent.parent
GRADING = Path(os.environ.get("PPML_LAB_GRADING_DIR") or ROOT / "grading").resolve()

# nbgrader opens its gradebook before creating any folder: a fresh clone has no grading/ yet.
GRADING.mkdir(parents=True, exist_ok=True)

c.CourseDirectory.course_id = "ppml-lab"
c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"
c.CourseDirectory.submitted_directory = str(GRADING / "submitted")
c.CourseDirectory.autograded_directory = str(GRADING / "autograded")
c.CourseDirectory.feedback_directory = str(GRADING / "feedback")
c.CourseDirectory.solution_directory = str(GRADING / "solution")
c.CourseDirectory.source_with_tests_directory = str(GRADING / "source_with_tests")
c.CourseDirectory.db_url = f"sqlite:///{GRADING / 'gradebook.db'}"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "grading"]

# What a learner sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# A cell that runs longer than this fails; the rest of the notebook is still graded.
c.ExecutePreprocessor.timeout = int(os.environ.get("PPML_LAB_CELL_TIMEOUT", "600"))
c.Execute.timeout = int(os.environ.get("PPML_LAB_CELL_TIMEOUT", "600"))
c.ExecutePreprocessor.kernel_name = "ppml-lab"
c.Execute.kernel_name = "ppml-lab"

# The kit's grading protections (see autograder/execute.py and autograder/standalone.py).
c.Autograde.autograde_preprocessors = [
    "autograder.execute.GuardedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.OverwriteCells.add_missing_cells = True
c.GuardedExecute.kernel_name = "ppml-lab"
c.GuardedExecute.timeout = int(os.environ.get("PPML_LAB_CELL_TIMEOUT", "600"))
c.GuardedExecute.notebook_timeout = float(os.environ.get("PPML_LAB_NOTEBOOK_TIMEOUT", "3600"))
c.GuardedExecute.auto_calibrate = True  # a canary plan from the master notebook, cached in the grading folder

# Feedback shows marks and failure messages, never the hidden tests' source (autograder/feedback.py):
# the kit's scrubber runs before nbgrader's own feedback preprocessors.
from nbgrader.converters.generate_feedback import GenerateFeedback as _GenerateFeedback  # noqa: E402

from autograder.feedback import HideHiddenTests  # noqa: E402

c.GenerateFeedback.preprocessors = [
    HideHiddenTests,
    *_GenerateFeedback.class_traits()["preprocessors"].default(),
]
