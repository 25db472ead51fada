"""A correct answer never loses marks to noise on stderr; a real error still fails the cell."""

from nbformat.v4 import new_code_cell, new_output
from nbgrader.utils import determine_grade

from autograder.standalone import STDERR_NOTE, show_stderr_as_notes


def _graded(outputs):
    cell = new_code_cell("assert answer() == 2")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 2,
                                 "grade_id": "t", "schema_version": 3}
    cell.outputs = outputs
    return cell


def test_a_warning_on_stderr_is_shown_but_no_longer_zeroes_the_cell():
    warning = new_output("stream", name="stderr", text="FutureWarning: the default of observed will change\n")
    cell = _graded([warning])
    assert determine_grade(cell) == (0, 2.0)  # nbgrader's own rule
    assert show_stderr_as_notes(cell)
    assert determine_grade(cell) == (2.0, 2.0)
    assert cell.outputs[0]["name"] == "stdout" and cell.outputs[0]["text"].startswith(STDERR_NOTE)
    assert "observed will change" in cell.outputs[0]["text"]


def test_an_error_still_fails_the_cell():
    error = new_output("error", ename="AssertionError", evalue="wrong", traceback=[])
    cell = _graded([new_output("stream", name="stderr", text="a warning\n"), error])
    show_stderr_as_notes(cell)
    assert determine_grade(cell) == (0, 2.0)
