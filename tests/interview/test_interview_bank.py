"""The question bank: schema, references that resolve, and coverage of what the roles are asked."""

import importlib
import json
from pathlib import Path

import nbformat
import pytest

from ppml_lab.interview import BankError, load_bank
from ppml_lab.interview.bank import load_file

ROOT = Path(__file__).resolve().parents[2]
BANK = load_bank()


def test_bank_is_large_enough_and_ids_are_unique():
    assert len(BANK) >= 80
    assert len({q.id for q in BANK}) == len(BANK)


def test_schema_rejects_a_malformed_question(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("questions:\n  - id: x\n    roles: [astronaut]\n")
    with pytest.raises(BankError, match="bad.yaml"):
        load_file(bad)
    (tmp_path / "dup.yaml").write_text((ROOT / "ppml_lab/interview/questions/crypto_cost.yaml").read_text())
    (tmp_path / "dup2.yaml").write_text((ROOT / "ppml_lab/interview/questions/crypto_cost.yaml").read_text())
    bad.unlink()
    with pytest.raises(BankError, match="already used"):
        load_bank(tmp_path)


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


@pytest.mark.parametrize("question", BANK, ids=lambda q: q.id)
def test_every_reference_resolves(question):
    for dotted in question.functions:
        assert _resolve(dotted) is not None, dotted
    for ref in question.lessons:
        assignment, _, anchor = ref.partition("#")
        path = ROOT / "solutions" / assignment / f"{assignment}.ipynb"
        assert path.is_file(), f"{question.id}: lesson {assignment} does not exist"
        if anchor:
            nb = nbformat.read(path, as_version=4)
            text = json.dumps([c.source for c in nb.cells])
            ids = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
            assert anchor in ids or anchor in text, f"{question.id}: {ref} names no heading or grade_id"


# Every topic the two roles are interviewed on, each by at least one question (by tag).
REQUIRED_TAGS = {
    "smpc",
    "he",
    "cost-model",
    "debugging",
    "dp-sgd",
    "hyperparameters",
    "accounting",
    "frontier",
    "fl",
    "non-iid",
    "communication",
    "heterogeneity",
    "epsilon-delta",
    "secagg",
    "k-anonymity",
    "l-diversity",
    "t-closeness",
    "attacks",
    "membership-inference",
    "gradient-inversion",
    "threat-model",
    "libraries",
    "gdpr",
    "data-minimisation",
    "scenario-credit-risk",
    "scenario-two-bank-fraud",
    "scenario-hospital-mri",
    "scenario-chest-xray",
    "scenario-telemetry",
    "scenario-sensitive-features",
}
REQUIRED_QUESTIONS = {
    "smpc-vs-he-cost-drivers",
    "smpc-10x-slowdown",
    "dp-sgd-hyperparameters",
    "fl-non-iid-remedies",
}


def test_bank_covers_every_required_topic_and_both_roles():
    tags = {t for q in BANK for t in q.topics}
    assert not REQUIRED_TAGS - tags, f"no question covers {sorted(REQUIRED_TAGS - tags)}"
    assert REQUIRED_QUESTIONS <= {q.id for q in BANK}
    for role in ("ppml-specialist", "data-compliance"):
        assert sum(role in q.roles for q in BANK) >= 12, role


def test_library_questions_name_the_libraries_a_candidate_must_know():
    text = " ".join(q.model_answer for q in BANK if "libraries" in q.topics).lower()
    for lib in (
        "seal",
        "openfhe",
        "tenseal",
        "mp-spdz",
        "crypten",
        "pysyft",
        "flower",
        "fate",
        "opacus",
        "diffprivlib",
        "tensorflow privacy",
        "tensorflow federated",
    ):
        assert lib in text, lib
