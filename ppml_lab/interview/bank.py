"""The question bank: YAML files shipped with the kit, validated against ``schema.py`` on load."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jsonschema
import yaml

from ppml_lab.interview.schema import BANK_SCHEMA

QUESTIONS_DIR = Path(__file__).resolve().parent / "questions"


class BankError(ValueError):
    """The bank (or a file of it) does not follow the schema; the message names the file and field."""


@dataclass(frozen=True)
class RubricPoint:
    """One gradable point of a model answer, with the words a hint looks for."""

    point: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    """One interview question with its model answer, rubric and the kit material behind it."""

    id: str
    roles: tuple[str, ...]
    topics: tuple[str, ...]
    difficulty: str
    scenario: str
    question: str
    testing: str
    model_answer: str
    rubric: tuple[RubricPoint, ...]
    follow_ups: tuple[str, ...]
    lessons: tuple[str, ...]
    functions: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: dict) -> Question:
        fields = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        fields["rubric"] = tuple(RubricPoint(r["point"], tuple(r["keywords"])) for r in data["rubric"])
        return cls(**fields)


def load_file(path: Path) -> list[Question]:
    """Load and validate one YAML file of questions."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BankError(f"{path}: not valid YAML: {exc}") from exc
    try:
        jsonschema.validate(data, BANK_SCHEMA)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
        raise BankError(f"{path}: {where}: {exc.message}") from exc
    return [Question.from_dict(q) for q in data["questions"]]


def load_bank(directory: Path | None = None) -> list[Question]:
    """Every question of the bank (``questions/*.yaml``), ids unique across files."""
    folder = Path(directory) if directory else QUESTIONS_DIR
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise BankError(f"{folder}: no question files (*.yaml)")
    questions: list[Question] = []
    seen: dict[str, Path] = {}
    for path in files:
        for q in load_file(path):
            if q.id in seen:
                raise BankError(f"{path}: question id {q.id!r} already used in {seen[q.id]}")
            seen[q.id] = path
            questions.append(q)
    return questions
