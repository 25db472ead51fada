"""Copies are flagged in the class report: same normalised syntax tree as the kit's reference or as
another student's answer (a note only; marks are not touched)."""

import inspect

import nbformat

from autograder.copies import find_copies, fingerprint, functions_in
from autograder.gradebook import GradeRow
from autograder.reports import cell_layout, write_html
from autograder.testing import notebook_with_answers, source_notebook
from ppml_lab.dp import randomized_response_epsilon

A = "00_orientation"

OWN = '''
def randomized_response_epsilon(p_truth):
    """My answer."""
    if not 0.0 <= p_truth <= 1.0:
        raise ValueError(f"p_truth must be in [0, 1], got {p_truth}")
    if p_truth == 1.0:
        return math.inf
    yes_if_yes = p_truth + (1 - p_truth) / 2
    yes_if_no = (1 - p_truth) / 2
    return math.log(yes_if_yes / yes_if_no)
'''
# The same answer with other names, comments and layout.
RENAMED = '''
def randomized_response_epsilon(p):
    # copied from a friend
    if not 0.0 <= p <= 1.0: raise ValueError(f"p_truth must be in [0, 1], got {p}")
    if p == 1.0:
        return math.inf
    a = p + (1 - p) / 2; b = (1 - p) / 2
    return math.log(a / b)
'''
DIFFERENT = '''
def randomized_response_epsilon(p_truth):
    if not (0.0 <= p_truth <= 1.0):
        raise ValueError(f"bad p_truth: {p_truth}")
    if p_truth == 1.0:
        return math.inf
    return math.log1p(p_truth) - math.log1p(-p_truth) + 0.0 * (p_truth + 1)
'''
FROM_THE_KIT = "import math\nfrom ppml_lab._checks import check_probability\n\n" + inspect.getsource(
    randomized_response_epsilon
).replace("(p_truth: float) -> float", "(q)").replace("p_truth", "q")


def _fp(src):
    return fingerprint(next(iter(functions_in(src).values())))


def test_renaming_and_reformatting_do_not_change_the_fingerprint_but_other_logic_does():
    assert _fp(OWN) == _fp(RENAMED)
    assert _fp(OWN) != _fp(DIFFERENT)
    assert _fp("def f(x):\n    return x + 1\n") is None  # too small to prove anything


def test_copies_of_the_reference_and_between_students_are_noted(tmp_path):
    subs = {}
    for student, rr in (("ann", OWN), ("bob", RENAMED), ("cy", DIFFERENT), ("dee", FROM_THE_KIT)):
        path = tmp_path / student / f"{A}.ipynb"
        path.parent.mkdir()
        nbformat.write(notebook_with_answers(A, {"rr_epsilon": rr, "k_anonymity": "pass"}), path)
        subs[student] = path
    notes = find_copies(source_notebook(A), subs)
    assert notes["ann"] == ["randomized_response_epsilon: same syntax tree as the answer of bob"]
    assert notes["bob"] == ["randomized_response_epsilon: same syntax tree as the answer of ann"]
    assert "cy" not in notes
    assert notes["dee"] == ["randomized_response_epsilon: same syntax tree as the kit's ppml_lab.dp."
                            "randomized_response_epsilon"]

    rows = [GradeRow(i, 1, A, s, "h", "h", "graded", "", 6.0, 6.0, {}, {}, 0.0, 1.0, None) for i, s in enumerate(subs)]
    html = write_html(tmp_path / "report.html", A, rows, cell_layout(A), copies=notes).read_text()
    assert "Possible copies" in html and "the marks above are unchanged" in html
    assert "same syntax tree as the answer of bob" in html
