"""Spaced repetition over the practice history: a Leitner box per question.

Scheme (replayed from the history, oldest attempt first, so it needs no extra state):

* a question enters box 1 at its first attempt;
* an attempt is a **pass** when a numeric answer was right, or when a self-assessment covered at
  least half of the rubric points, or, for a coding drill (id ``drill:<name>``, its "rubric" the
  drill's test cells), when every test cell got full marks; a pass moves the question up one box (at most ``BOXES``), any
  other assessed attempt sends it back to box 1; an attempt without self-assessment leaves it;
* a question in box b is **due** once ``INTERVAL_DAYS[b]`` days (1, 2, 4, 8, 16) have passed since
  its last attempt.

:func:`due` orders due questions by box (weakest first), then by the oldest last attempt; the
remaining ties are broken by a seeded shuffle, so the same history, time and seed give the same
review.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ppml_lab.interview.session import DRILL_PREFIX  # a drill: covered = its test cells with full marks

BOXES = 5

INTERVAL_DAYS = {1: 1, 2: 2, 3: 4, 4: 8, 5: 16}


@dataclass(frozen=True)
class Card:
    """Where one question stands: its box, its last attempt and how many attempts it had."""

    question_id: str
    box: int
    last: datetime
    attempts: int

    def due_at(self) -> datetime:
        """When the question is next due."""
        return self.last + timedelta(days=INTERVAL_DAYS[self.box])


def _passed(row: dict) -> bool | None:
    if row["covered"] is None:
        return None
    covered = len([c for c in row["covered"].split(",") if c])
    if row["question_id"].startswith(DRILL_PREFIX):  # code either passes every test or needs more work
        return covered == row["rubric_size"]
    return 2 * covered >= row["rubric_size"] if row["rubric_size"] > 1 else covered == row["rubric_size"]


def boxes(rows: list[dict]) -> dict[str, Card]:
    """Replay history rows (as :meth:`History.attempts` returns them) into one card per question."""
    cards: dict[str, Card] = {}
    for row in sorted(rows, key=lambda r: r["id"]):
        qid = row["question_id"]
        at = datetime.fromisoformat(row["at"])
        card = cards.get(qid)
        box, count = (card.box, card.attempts) if card else (1, 0)
        outcome = _passed(row)
        if outcome is True and card is not None:
            box = min(box + 1, BOXES)
        elif outcome is True:
            box = 2
        elif outcome is False:
            box = 1
        cards[qid] = Card(qid, box, at, count + 1)
    return cards


def due(rows: list[dict], *, now: datetime | None = None, n: int = 3, seed: int | None = None) -> list[Card]:
    """Up to ``n`` due cards, weakest box first, then oldest; ties broken by a seeded shuffle."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    ready = [c for c in sorted(boxes(rows).values(), key=lambda c: c.question_id) if c.due_at() <= now]
    random.Random(seed).shuffle(ready)
    ready.sort(key=lambda c: (c.box, c.last))  # stable: the shuffle only orders exact ties
    return ready[:n]
