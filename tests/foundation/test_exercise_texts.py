"""The exercise texts tell the learner what the hidden tests hold them to.

Read from the notebooks' JSON, nothing executed. Two properties:

* every exercise whose hidden tests let kit helpers through (``allowed=``) names each of them in a
  sentence starting "You may use" (the phrasing autograder/README.md documents), so the list the
  learner reads is never shorter than the one the grader applies;
* for lessons 00-04 and 10, each rule a hidden test enforces (a ``ValueError`` on bad input, a
  tie-break, an inclusive bound, a tolerance, a secrecy check) is stated in the released exercise
  text: each row pairs a line of the hidden block with the sentence that announces it.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
PHRASE = "You may use"
MASTERS = sorted(ROOT.glob("solutions/*/*.ipynb"))


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _grade_id(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def allowed_names(path: Path) -> dict[str, tuple[str, list[str]]]:
    """grade_id -> (the exercise text before it, the names its hidden block passes in ``allowed=``).

    A name is resolved through the notebook's ``import ... as`` aliases and the cell's own
    assignments (``_allowed = [...]``), and stands for its last dotted part."""
    cells = _cells(path)
    aliases: dict[str, str] = {}
    assigned: dict[str, ast.AST] = {}  # cells run in order: a later cell sees an earlier one's names
    out: dict[str, tuple[str, list[str]]] = {}
    text = ""
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            text = source if "**Exercise" in source else text + "\n" + source
            continue
        tree = ast.parse(source)
        gid = _grade_id(cell)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    aliases[alias.asname or alias.name] = alias.name.rpartition(".")[2]
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                assigned[node.targets[0].id] = node.value

        def names(node: ast.AST) -> list[str]:
            if isinstance(node, (ast.Tuple, ast.List)):
                return [n for elt in node.elts for n in names(elt)]
            if isinstance(node, ast.Attribute):
                return [node.attr]
            if isinstance(node, ast.Name):
                if node.id in assigned:
                    return names(assigned[node.id])  # noqa: B023
                return [aliases.get(node.id, node.id)]
            raise AssertionError(f"{gid}: cannot read allowed={ast.unparse(node)}")  # noqa: B023

        if BEGIN not in source:
            continue
        found = [n for node in ast.walk(tree) if isinstance(node, ast.Call)
                 for kw in node.keywords if kw.arg == "allowed" for n in names(kw.value)]
        if found:
            out[gid] = (text, sorted(set(found)))
    return out


def may_use_passages(text: str) -> list[str]:
    """Each passage from "You may use" to the end of its paragraph."""
    return [m.group(0) for m in re.finditer(rf"{PHRASE}.*?(?:\n\s*\n|$)", text, re.S)]


@pytest.mark.parametrize("path", MASTERS, ids=lambda p: p.parent.name)
def test_every_allowed_helper_is_named_where_the_exercise_says_you_may_use_it(path):
    for gid, (text, names) in allowed_names(path).items():
        passages = may_use_passages(text)
        assert passages, f"{gid}: the exercise lets {names} through but has no sentence starting {PHRASE!r}"
        quoted = {word for p in passages for span in re.findall(r"`([^`]+)`", p) for word in re.findall(r"\w+", span)}
        missing = [n for n in names if n not in quoted]
        assert not missing, f"{gid}: allowed {missing} is not named after {PHRASE!r}"


def test_the_helpers_check_reads_the_lessons_and_can_fail():
    found = {p.parent.name: allowed_names(p) for p in MASTERS}
    assert found["04_two_bank_fraud"]["test_secure_lr_step"][1] == [
        "Transport", "beaver_local_share", "beaver_multiply_shares", "encode", "local_truncate"]
    assert found["03_encrypted_credit_risk"]["test_rotsum"][1] == ["rotate"]  # through its import alias
    assert "You may use `prg`" in may_use_passages("Text. You may use `prg`, nothing else.\n\nNext.")[0]
    assert may_use_passages("The transport you are given is the helper this exercise allows.") == []
    readme = (ROOT / "autograder" / "README.md").read_text()
    assert f'in a sentence starting "{PHRASE} ..."' in readme


# (lesson, graded cell, a line of its hidden block, what the released exercise text says about it)
RULES = [
    ("00_orientation", "test_threat_model", "must mention {_word}",
     "raise `ValueError` with `technique` in its message for an unknown technique, and with `party` in its message"),
    ("00_orientation", "test_rr_epsilon_edges", '"p_truth" in str(_err)',
     "raise `ValueError` (with `p_truth` in its message) when `p_truth` is not a probability in $[0, 1]$ (NaN is not one)"),
    ("00_orientation", "test_k_anonymity", "an empty table achieves k = 0", "(`0` for an empty table)"),
    ("01_dp_foundations", "test_laplace_errors", "except ValueError",
     "Raise `ValueError` when `epsilon <= 0` or `sensitivity <= 0`"),
    ("01_dp_foundations", "test_laplace_distribution", "assert_distribution(", "by a Kolmogorov–Smirnov test"),
    ("01_dp_foundations", "test_gaussian_sigma", "rel=1e-7", "to a relative $10^{-7}$"),
    ("01_dp_foundations", "test_advanced_composition", "total_delta < k * delta must raise ValueError",
     "Raise `ValueError` when `total_delta < k * delta`"),
    ("01_dp_foundations", "test_advanced_composition", "no slack left (total_delta = k * delta): basic composition",
     "when they are equal there is no slack and only the basic bound applies"),
    ("02_dp_sgd", "test_clip_edges", "zero rows must not give NaN",
     "a row of norm exactly `max_norm` and an all-zero row are returned unchanged (to within $10^{-12}$)"),
    ("02_dp_sgd", "test_noise", "assert_uncorrelated(_draws, 5 / math.sqrt(2000)", "at most $5/\\sqrt{2000}"),
    ("02_dp_sgd", "test_noise", "alpha=1e-3", "rejecting a correct answer 1 time in 1000"),
    ("02_dp_sgd", "test_dp_sgd_step_noise", "assert_uncorrelated(_steps - _clean, 5 / math.sqrt(1500)",
     "over 1,500 steps, at most $5/\\sqrt{1500}"),
    ("03_encrypted_credit_risk", "test_depth", "must raise ValueError", "Raise `ValueError` for a degree below 1"),
    ("03_encrypted_credit_risk", "test_precision", "must raise ValueError",
     "raise `ValueError` when `levels` is negative or more than the intermediate primes"),
    ("03_encrypted_credit_risk", "test_precision", "math.inf if _k == 0", "Return `math.inf` for 0 levels"),
    ("03_encrypted_credit_risk", "test_rotsum", "must raise ValueError",
     "an `n` below 1 or above `vector.size()` raises `ValueError`"),
    ("03_encrypted_credit_risk", "test_pack", "ValueError",
     "Raise `ValueError` when `X` has more than `block_rows` rows or more than `slots // block_rows` columns"),
    ("03_encrypted_credit_risk", "test_paillier_total", "an empty list must raise ValueError",
     "Raise `ValueError` for an empty list"),
    ("04_two_bank_fraud", "test_beaver_protocol", "assert_beaver_protocol_secret(",
     "must change between the two runs, and none may be x, y or x·y"),
    ("04_two_bank_fraud", "test_local_truncate", "assert_shares_local(",
     "that the step is **local**: each bank's output is a deterministic function of its own share"),
    ("04_two_bank_fraud", "test_psi_protocol", "random.seed(0)",
     "with Python's `random` and NumPy's global generator reseeded before each run"),
    ("04_two_bank_fraud", "test_psi_protocol", "a dictionary attack recovers", "a **dictionary attack**"),
    ("04_two_bank_fraud", "test_psi_blind", "for each point, in order", "**in the same order**"),
    ("10_interview_labs", "test_choose_operating_point", '(table["epsilon"] <= epsilon_budget) & (p >= accuracy_floor)',
     "a row is feasible when `epsilon <= epsilon_budget` and its pessimistic accuracy is `>= accuracy_floor`"),
    ("10_interview_labs", "test_choose_operating_point", "is None", "return `None` when no row is feasible"),
    ("10_interview_labs", "test_choose_operating_point_ties", "a tie in pessimistic accuracy goes to the smaller epsilon",
     "Break ties (equal pessimistic accuracies) by the smaller ε, then by the order of the table (the first row wins)"),
    ("10_interview_labs", "test_choose_operating_point_ties", "ties at equal eps go to the first row",
     "then by the order of the table (the first row wins)"),
    ("10_interview_labs", "test_crossover_rtt", "math.inf", "Return `math.inf` if it is faster at every RTT"),
    ("10_interview_labs", "test_protocol_seconds", "_grid", "It must work elementwise when an argument is a NumPy array"),
    ("10_interview_labs", "test_fast_training_step", "_rounds == STEP_ROUNDS", "in **exactly `STEP_ROUNDS` rounds**"),
]


def _hidden_and_text(lesson: str) -> tuple[dict[str, str], str]:
    master = {_grade_id(c): "".join(c["source"]) for c in _cells(ROOT / "solutions" / lesson / f"{lesson}.ipynb")}
    hidden = {gid: _flat(src.partition(BEGIN)[2].partition(END)[0]) for gid, src in master.items() if BEGIN in src}
    released = _cells(ROOT / "course" / lesson / f"{lesson}.ipynb")
    return hidden, _flat("\n".join("".join(c["source"]) for c in released if c["cell_type"] == "markdown"))


@pytest.mark.parametrize(("lesson", "cell", "enforced", "stated"), RULES, ids=[f"{r[0][:2]}-{r[1]}" for r in RULES])
def test_each_hidden_rule_is_stated_in_the_released_exercise(lesson, cell, enforced, stated):
    hidden, text = _hidden_and_text(lesson)
    assert _flat(enforced) in hidden[cell], f"{cell}: the hidden tests no longer hold {enforced!r}: update this row"
    assert _flat(stated) in text, f"{lesson}: the hidden rule of {cell} is not stated: {stated!r}"


def test_every_lesson_the_rules_cover_has_them():
    assert {r[0][:2] for r in RULES} == {"00", "01", "02", "03", "04", "10"}
