"""The schema every interview question follows (JSON Schema, checked when the bank loads)."""

from __future__ import annotations

ROLES = ("ppml-specialist", "data-compliance")
DIFFICULTIES = ("foundation", "intermediate", "advanced")

QUESTION_SCHEMA: dict = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "id",
        "roles",
        "topics",
        "difficulty",
        "scenario",
        "question",
        "testing",
        "model_answer",
        "rubric",
        "follow_ups",
        "lessons",
        "functions",
    ],
    "properties": {
        "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
        "roles": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": list(ROLES)}},
        "topics": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "pattern": "^[a-z0-9-]+$"},
        },
        "difficulty": {"enum": list(DIFFICULTIES)},
        "scenario": {"type": "string", "minLength": 20},
        "question": {"type": "string", "minLength": 10},
        "testing": {"type": "string", "minLength": 10},
        "model_answer": {"type": "string", "minLength": 80},
        "rubric": {
            "type": "array",
            "minItems": 3,
            "maxItems": 6,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["point", "keywords"],
                "properties": {
                    "point": {"type": "string", "minLength": 10},
                    "keywords": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 2}},
                },
            },
        },
        "follow_ups": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 10}},
        "lessons": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": "^[0-9]{2}_[a-z0-9_]+(#.+)?$"},
        },
        "functions": {
            "type": "array",
            "items": {"type": "string", "pattern": "^ppml_lab(\\.[A-Za-z_][A-Za-z0-9_]*)+$"},
        },
    },
}

BANK_SCHEMA: dict = {
    "type": "object",
    "additionalProperties": False,
    "required": ["questions"],
    "properties": {"questions": {"type": "array", "minItems": 1, "items": QUESTION_SCHEMA}},
}
