"""Each question cites lessons that teach it: the cited text carries the rubric's key terms.

Rule: for every cited lesson (only the cited section when the reference has an ``#anchor``), at
least half of the question's rubric points must have one keyword in that text (case-insensitive,
matched at a word start like the hints). Words found in nearly every lesson ("mean", "noise",
"local", ...) say nothing about which lesson teaches a concept, so a keyword present in more than
``GENERIC_SHARE`` of the notebooks is not counted as evidence.
"""

import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

from ppml_lab.interview import load_bank

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted(p.name for p in (ROOT / "solutions").iterdir() if (p / f"{p.name}.ipynb").is_file())
GENERIC_SHARE = 0.75
BANK = load_bank()


@cache
def _cells(lesson: str) -> tuple:
    return tuple(nbformat.read(ROOT / "solutions" / lesson / f"{lesson}.ipynb", as_version=4).cells)


@cache
def _text(lesson: str) -> str:
    return "\n".join(c.source for c in _cells(lesson)).lower()


def _heading(cell) -> tuple[int, str] | None:
    match = re.match(r"(#+)\s+(.*)", cell.source.strip()) if cell.cell_type == "markdown" else None
    return (len(match.group(1)), match.group(2).splitlines()[0]) if match else None


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _section(lesson: str, anchor: str) -> str:
    """The text of the section holding ``anchor`` (a heading slug or a cell's grade_id)."""
    cells = _cells(lesson)
    for i, cell in enumerate(cells):
        h = _heading(cell)
        if (h and anchor in _slug(h[1])) or cell.metadata.get("nbgrader", {}).get("grade_id") == anchor:
            start = i
            break
    else:
        raise AssertionError(f"{lesson}#{anchor}: no heading or grade_id")
    while start > 0 and _heading(cells[start]) is None:
        start -= 1
    level = (_heading(cells[start]) or (1, ""))[0]
    end = start + 1
    while end < len(cells) and not ((h := _heading(cells[end])) and h[0] <= level):
        end += 1
    return "\n".join(c.source for c in cells[start:end]).lower()


def _mentions(text: str, keyword: str) -> bool:
    return re.search(r"(?<![a-z0-9])" + re.escape(keyword.lower()), text) is not None


@cache
def _generic(keyword: str) -> bool:
    return sum(_mentions(_text(lesson), keyword) for lesson in LESSONS) > GENERIC_SHARE * len(LESSONS)


def taught_points(question, reference: str) -> list[str]:
    """Rubric points with a non-generic keyword in the cited text."""
    lesson, _, anchor = reference.partition("#")
    text = _section(lesson, anchor) if anchor else _text(lesson)
    return [
        p.point for p in question.rubric if any(_mentions(text, k) and not _generic(k) for k in p.keywords)
    ]


def uncited(question) -> list[str]:
    """Cited references that evidence fewer than half of the rubric points."""
    return [
        f"{ref} ({len(taught_points(question, ref))}/{len(question.rubric)} points)"
        for ref in question.lessons
        if 2 * len(taught_points(question, ref)) < len(question.rubric)
    ]


@pytest.mark.parametrize("question", BANK, ids=lambda q: q.id)
def test_cited_lessons_teach_the_question(question):
    bad = uncited(question)
    assert not bad, f"{question.id}: cited lessons do not teach its rubric: {bad}"


def test_the_rule_rejects_a_wrong_citation():
    q = next(q for q in BANK if q.id == "t-closeness")
    assert not uncited(q)
    assert uncited(q.__class__(**{**q.__dict__, "lessons": ("03_encrypted_credit_risk",)}))
    assert _generic("noise") and not _generic("mironov")
