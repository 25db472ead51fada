"""Checks shared by the lesson tests for a lesson's manually graded written answer.

A written answer ("answer as in an interview, with your numbers") is a markdown cell that nbgrader
marks as a "Manually graded answer": the instructor scores it in formgrader, the autograder never does.
These checks read the grades of the lesson test's one ``autograde_variants`` run, so they add no
notebook to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from autograder.testing import GradeResult, release_notebook, solution_answers, source_notebook


def code_answers(assignment: str, manual: str) -> dict[str, str]:
    """The master's solution cells by grade id, without the written answer (markdown, not code)."""
    answers = solution_answers(assignment)
    assert manual in answers, f"{assignment} has no written answer {manual!r}"
    return {gid: source for gid, source in answers.items() if gid != manual}


def assert_written_answer_graded_by_hand(
    graded: Mapping[str, GradeResult], manual: str, points: float, automatic_max: float, untouched: Iterable[str]
) -> None:
    """The solution's written answer waits for the instructor; every ``untouched`` copy scores 0.

    The lesson's maximum is the automatic maximum plus the written answer's points, and the written
    answer never enters the automatic score.
    """
    solution = graded["solution"]
    assert manual not in solution.cells, "the written answer must not be scored automatically"
    assert solution.manual == {manual: (None, float(points))}, solution.manual
    assert solution.manual_pending == [manual] and solution.manual_score == 0
    assert solution.max_score == automatic_max
    assert solution.max_score + solution.manual_max_score == automatic_max + points
    for name in untouched:
        result = graded[name]
        # an answer left exactly as released is nbgrader's automatic 0 (nothing to mark), never full marks
        assert result.manual == {manual: (0.0, float(points))} and result.manual_pending == [], name
        assert result.max_score + result.manual_max_score == automatic_max + points, name


def assert_rubric_for_the_learner_and_reference_for_the_instructor(
    assignment: str, manual: str, points: int, rubric_items: int
) -> None:
    """The rubric (numbered items) is in the locked cell before the answer; the reference answer only
    in the master."""
    master = source_notebook(assignment).cells
    released = release_notebook(assignment).cells
    at = next(i for i, c in enumerate(master) if c.metadata.get("nbgrader", {}).get("grade_id") == manual)
    cell, prompt = master[at], master[at - 1]
    meta = cell.metadata["nbgrader"]
    assert cell.cell_type == "markdown" and meta["points"] == points
    assert meta["solution"] and meta["grade"] and not meta["task"] and not meta["locked"]
    assert cell.source.count("### BEGIN SOLUTION") == 1 and "Reference answer" in cell.source
    assert prompt.metadata["nbgrader"]["locked"] and not prompt.metadata["nbgrader"]["grade"]
    assert f"Written answer ({points} points, graded by hand)" in prompt.source
    assert "with your numbers" in prompt.source or "the numbers *your* run printed" in prompt.source
    items = [line for line in prompt.source.splitlines() if line[:2] in {f"{k}." for k in range(1, 10)}]
    assert len(items) == rubric_items, items
    answer = next(c for c in released if c.metadata.get("nbgrader", {}).get("grade_id") == manual)
    assert answer.source == "YOUR ANSWER HERE"
    assert "Reference answer" not in "\n".join(c.source for c in released)
