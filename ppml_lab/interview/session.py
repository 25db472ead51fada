"""Mock-interview sessions: choosing questions, keyword hints, and the practice history.

Free text is never graded here. ``keyword_hints`` only lists rubric points whose keywords an
answer never mentions — a prompt to look again, labelled as such — and the candidate assesses
their own answer against the rubric.
"""

from __future__ import annotations

import os
import random
import re
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ppml_lab.interview.bank import Question, RubricPoint, load_bank
from ppml_lab.interview.schema import DIFFICULTIES, ROLES

if TYPE_CHECKING:
    from ppml_lab.interview.numeric.core import NumericQuestion

NUMERIC_PREFIX = "numeric:"
DRILL_PREFIX = "drill:"
HISTORY_ENV_VAR = "PPML_LAB_INTERVIEW_HISTORY"
HINT_LABEL = "hint (a keyword check, not a grade)"


def default_history_path() -> Path:
    """``$PPML_LAB_INTERVIEW_HISTORY``, else ``$XDG_DATA_HOME/ppml-lab/interview.sqlite``."""
    if os.environ.get(HISTORY_ENV_VAR):
        return Path(os.environ[HISTORY_ENV_VAR])
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "ppml-lab" / "interview.sqlite"


def all_topics(bank: Sequence[Question]) -> list[str]:
    """Every topic tag used in the bank, sorted."""
    return sorted({t for q in bank for t in q.topics})


def select_questions(
    bank: Sequence[Question],
    *,
    role: str | None = None,
    topics: Sequence[str] | None = None,
    difficulty: str | None = None,
    n: int = 3,
    seed: int | None = None,
) -> list[Question]:
    """Up to ``n`` questions matching role, any of ``topics`` and difficulty, in a seeded order."""
    if role is not None and role not in ROLES:
        raise ValueError(f"role must be one of {list(ROLES)}, got {role!r}")
    if difficulty is not None and difficulty not in DIFFICULTIES:
        raise ValueError(f"difficulty must be one of {list(DIFFICULTIES)}, got {difficulty!r}")
    known = all_topics(bank)
    unknown = [t for t in topics or () if t not in known]
    if unknown:
        raise ValueError(f"topic {unknown} not in the bank; topics: {known}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    pool = [
        q
        for q in bank
        if (role is None or role in q.roles)
        and (not topics or set(topics) & set(q.topics))
        and (difficulty is None or q.difficulty == difficulty)
    ]
    pool.sort(key=lambda q: q.id)
    random.Random(seed).shuffle(pool)
    return pool[:n]


def _mentions(text: str, keyword: str) -> bool:
    pattern = r"(?<![a-z0-9])" + re.escape(keyword.lower())
    return re.search(pattern, text.lower()) is not None


def keyword_hints(answer: str, question: Question) -> list[RubricPoint]:
    """Rubric points none of whose keywords appear in ``answer`` (a hint, never a grade)."""
    return [p for p in question.rubric if not any(_mentions(answer, k) for k in p.keywords)]


@dataclass
class Attempt:
    """One answered question, as stored in the history."""

    question_id: str
    topics: tuple[str, ...]
    seconds: float
    answer: str
    covered: tuple[int, ...] | None  # rubric points the candidate says they covered (0-based)
    rubric_size: int
    seed: int | None = None


ATTEMPT_COLUMNS = ("id", "at", "question_id", "topics", "seconds", "answer", "covered", "rubric_size", "seed")


class HistoryError(ValueError):
    """The history file exists but is not a practice history; it is left untouched."""


class History:
    """A local SQLite log of practice attempts; tables are created if missing, never dropped.

    An existing file is only ever appended to. A file that is not an SQLite database, or whose
    ``attempts`` table lacks the expected columns, raises :class:`HistoryError` and is not modified.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path else default_history_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._connect() as db:
                columns = {row[1] for row in db.execute("PRAGMA table_info(attempts)")}
                if columns and not set(ATTEMPT_COLUMNS) <= columns:
                    missing = sorted(set(ATTEMPT_COLUMNS) - columns)
                    raise HistoryError(
                        f"history {self.path}: its attempts table lacks columns {missing}; the file was left "
                        "untouched (move it away or pass --history with another path)"
                    )
                db.execute(
                    "CREATE TABLE IF NOT EXISTS attempts (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, "
                    "question_id TEXT NOT NULL, topics TEXT NOT NULL, seconds REAL NOT NULL, answer TEXT NOT NULL, "
                    "covered TEXT, rubric_size INTEGER NOT NULL, seed INTEGER)"
                )
        except sqlite3.DatabaseError as exc:
            raise HistoryError(
                f"history {self.path} is not a readable practice history ({exc}); the file was left untouched "
                "(move it away or pass --history with another path)"
            ) from exc

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def record(self, attempt: Attempt) -> None:
        covered = None if attempt.covered is None else ",".join(str(i) for i in attempt.covered)
        with self._connect() as db:
            db.execute(
                "INSERT INTO attempts (at, question_id, topics, seconds, answer, covered, rubric_size, seed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    attempt.question_id,
                    ",".join(attempt.topics),
                    attempt.seconds,
                    attempt.answer,
                    covered,
                    attempt.rubric_size,
                    attempt.seed,
                ),
            )

    def record_numeric(
        self, question: NumericQuestion, answer: str, ok: bool, *, seconds: float, seed: int | None = None
    ) -> None:
        """Append a numeric answer: id ``numeric:<name>``, topic ``numeric-<topic>``, covered = right or not."""
        self.record(
            Attempt(
                f"{NUMERIC_PREFIX}{question.name}",
                (f"numeric-{question.topic}",),
                float(seconds),
                answer,
                (0,) if ok else (),
                1,
                seed,
            )
        )

    def attempts(self) -> list[dict]:
        """Every stored attempt, oldest first."""
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute("SELECT * FROM attempts ORDER BY id")]

    def progress(self) -> dict[str, dict[str, float]]:
        """Per topic: attempts, and the mean fraction of rubric points self-assessed as covered."""
        stats: dict[str, dict[str, float]] = {}
        for row in self.attempts():
            for topic in row["topics"].split(","):
                entry = stats.setdefault(topic, {"attempts": 0, "assessed": 0, "coverage": 0.0})
                entry["attempts"] += 1
                if row["covered"] is not None:
                    covered = len([c for c in row["covered"].split(",") if c])
                    entry["coverage"] += covered / row["rubric_size"]
                    entry["assessed"] += 1
        for entry in stats.values():
            entry["coverage"] = entry["coverage"] / entry["assessed"] if entry["assessed"] else float("nan")
        return dict(sorted(stats.items()))


class Session:
    """A practice session usable from a notebook: pick questions, then ``answer`` each one.

    >>> s = Session(role="ppml-specialist", topics=["smpc"], n=1, seed=0)   # doctest: +SKIP
    >>> feedback = s.answer(s.questions[0], "Rounds and latency dominate ...", covered=[0, 2])
    """

    def __init__(
        self,
        *,
        role: str | None = None,
        topics: Sequence[str] | None = None,
        difficulty: str | None = None,
        n: int = 3,
        seed: int | None = None,
        history: History | None = None,
        bank: Sequence[Question] | None = None,
    ) -> None:
        self.bank = list(bank) if bank is not None else load_bank()
        self.seed = seed
        self.questions = select_questions(
            self.bank, role=role, topics=topics, difficulty=difficulty, n=n, seed=seed
        )
        if not self.questions:
            raise ValueError("no question matches that role, topic and difficulty")
        self.history = history
        self._started: dict[str, float] = {}

    def start(self, question: Question) -> None:
        """Start the clock for ``question``."""
        self._started[question.id] = time.monotonic()

    def answer(
        self,
        question: Question,
        text: str,
        *,
        covered: Sequence[int] | None = None,
        seconds: float | None = None,
    ) -> dict:
        """Record an answer; return the model answer, the rubric and the keyword hints."""
        if seconds is None:
            seconds = time.monotonic() - self._started.get(question.id, time.monotonic())
        if covered is not None:
            bad = [i for i in covered if not 0 <= i < len(question.rubric)]
            if bad:
                raise ValueError(f"covered must index the rubric (0..{len(question.rubric) - 1}), got {bad}")
        if self.history is not None:
            self.history.record(
                Attempt(
                    question.id,
                    question.topics,
                    float(seconds),
                    text,
                    None if covered is None else tuple(sorted(set(covered))),
                    len(question.rubric),
                    self.seed,
                )
            )
        return {
            "model_answer": question.model_answer,
            "rubric": [p.point for p in question.rubric],
            "hints": [p.point for p in keyword_hints(text, question)],
            "follow_ups": list(question.follow_ups),
            "seconds": float(seconds),
        }
