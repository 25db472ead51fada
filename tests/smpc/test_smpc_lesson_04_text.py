"""The engine follows lesson 04: the package docstring names the lesson's graded functions and its
section-7 topics in the lesson's order, and the lesson says what DH-PSI reveals. The notebook is
read as JSON, never executed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import ppml_lab.smpc as smpc

LESSON = Path(__file__).resolve().parents[2] / "solutions" / "04_two_bank_fraud" / "04_two_bank_fraud.ipynb"


def _cells(path: Path = LESSON) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def graded_functions(path: Path = LESSON) -> list[str]:
    """The functions the learner writes, in the notebook's order (cells marked as solutions)."""
    names = []
    for cell in _cells(path):
        grading = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and grading.get("solution"):
            names += re.findall(r"^def (\w+)", "".join(cell["source"]), re.MULTILINE)
    return names


def lesson_text(path: Path = LESSON) -> str:
    """Every markdown cell and every stored output of the notebook, as one string."""
    parts = []
    for cell in _cells(path):
        if cell["cell_type"] == "markdown":
            parts.append("".join(cell["source"]))
        for out in cell.get("outputs", []):
            parts.append("".join(out.get("text", "")))
            parts.append("".join(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def test_the_lesson_grades_the_eight_functions_the_engine_twins():
    names = graded_functions()
    assert names == [
        "beaver_local_share", "beaver_multiply_shares", "triple_reuse_leak", "local_truncate",
        "secure_lr_step", "batched_scores", "psi_blind", "psi_intersection",
    ]
    assert all(name in smpc.__all__ for name in names)


# what the lesson runs besides its graded functions: the engine of section 4, section 7's topics
LESSON_ENGINE_NAMES = ("SecureLogisticRegression", "relu", "AuthenticatedSharing", "NetworkModel")


def first_use_order(names, path: Path = LESSON) -> list[str]:
    """``names`` sorted by the first code cell of the lesson that uses each."""
    code = ["".join(c["source"]) for c in _cells(path) if c["cell_type"] == "code"]

    def first(name: str) -> int:
        return next(i for i, src in enumerate(code) if re.search(rf"\b{name}\b", src))

    return sorted(names, key=first)  # stable: the two PSI functions keep their cell's order


def docstring_follows_the_lesson(doc: str, names: list[str]) -> list[str]:
    """The names of ``names`` that ``doc`` does not name (as ``name``) after the previous one, and a
    missing item 7 (the lesson's section 7) before comparison and ReLU."""
    problems, last = [], -1
    for name in names:
        at = doc.find(f"``{name}``")
        if at < 0:
            problems.append(f"{name}: not named")
        elif at < last:
            problems.append(f"{name}: named before a name the lesson uses before it")
        last = max(last, at)
    section_7 = re.search(r"^7\. ", doc, re.MULTILINE)
    if section_7 is None or section_7.start() > doc.find("``relu``"):
        problems.append("no item 7 (the lesson's section 7) before comparison and ReLU")
    return problems


def test_the_package_docstring_lists_them_in_the_lesson_order():
    order = first_use_order([*graded_functions(), *LESSON_ENGINE_NAMES])
    assert order.index("secure_lr_step") < order.index("SecureLogisticRegression") < order.index("batched_scores")
    assert order[-3:] == ["relu", "AuthenticatedSharing", "NetworkModel"]
    assert docstring_follows_the_lesson(smpc.__doc__, order) == []


def test_the_lesson_says_dh_psi_reveals_the_set_sizes():
    text = lesson_text()
    assert "DH-PSI reveals the intersection and the sizes of both sets" in text
    assert "size of the other bank's set" in text
