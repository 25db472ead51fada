"""nbgrader configuration for ppml-lab (read by nbgrader from this folder, its working directory).

`solutions/` is nbgrader's source step and `course/` its release step, both at the project root.
Everything grading produces (submissions, autograded copies, feedback, the gradebook) lives in the
grading folder: `grading/` at the project root (git-ignored), or the folder named by the
environment variable PPML_LAB_GRADING_DIR. Sources are never written beside grading output.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 - injected by traitlets when nbgrader loads this file

ROOT = Path(__file__).resolve().parent.parent
GRADING = Path(os.environ.get("PPML_LAB_GRADING_DIR") or ROOT / "grading").resolve()

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
