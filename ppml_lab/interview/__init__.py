"""Interview practice: a validated question bank, mock-interview sessions and a practice history."""

from ppml_lab.interview.bank import BankError, Question, RubricPoint, load_bank
from ppml_lab.interview.session import (
    History,
    HistoryError,
    Session,
    all_topics,
    keyword_hints,
    select_questions,
)

__all__ = [
    "BankError",
    "History",
    "HistoryError",
    "Question",
    "RubricPoint",
    "Session",
    "all_topics",
    "keyword_hints",
    "load_bank",
    "select_questions",
]
