"""The class's grades: nbgrader's gradebook, an append-only history beside it, and LMS export.

Only the parent ``ppml-lab grade`` process calls into this module, one submission at a time, so
neither database is ever written concurrently. Each submission is committed as soon as its
result arrives: nbgrader's gradebook first, then a history row. A run killed between the two
loses nothing: the next run sees no history row and grades that submission again.

The history (``grade-history.sqlite`` in the grading folder) keeps every grade ever given with
the submission's content hash, status, reason and per-cell scores; earlier rows are never
updated or deleted, so re-grading a changed submission adds a row.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ppml_lab._checks import check_choice

HISTORY_FILE = "grade-history.sqlite"
EXPORT_STYLES = ("canvas", "moodle")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, assignment TEXT NOT NULL, started REAL NOT NULL, finished REAL,
    source_hash TEXT NOT NULL, settings TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS grades (
    id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, assignment TEXT NOT NULL, student TEXT NOT NULL,
    content_hash TEXT NOT NULL, source_hash TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL,
    score REAL NOT NULL, max_score REAL NOT NULL, cells TEXT NOT NULL, record TEXT NOT NULL,
    graded_at REAL NOT NULL, seconds REAL NOT NULL, archive TEXT
);
CREATE INDEX IF NOT EXISTS grades_by_student ON grades (assignment, student, id);
CREATE TABLE IF NOT EXISTS calibrations (
    source_hash TEXT PRIMARY KEY, plan TEXT NOT NULL, created REAL NOT NULL
);
"""


@dataclass
class GradeRow:
    """One grade in the history."""

    id: int
    run_id: int
    assignment: str
    student: str
    content_hash: str
    source_hash: str
    status: str
    reason: str
    score: float
    max_score: float
    cells: dict[str, list[float]]
    record: dict[str, Any]
    graded_at: float
    seconds: float
    archive: str | None

    @classmethod
    def from_sql(cls, row: sqlite3.Row) -> GradeRow:
        data = dict(row)
        data["cells"] = json.loads(data["cells"])
        data["record"] = json.loads(data["record"])
        return cls(**data)


class History:
    """The append-only grade history of a grading folder."""

    def __init__(self, grading_dir: Path) -> None:
        self.path = Path(grading_dir) / HISTORY_FILE
        self.db = sqlite3.connect(self.path, timeout=60)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(_SCHEMA)
        self.db.commit()

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def start_run(self, assignment: str, source_hash: str, settings: dict[str, Any]) -> int:
        """Record the start of a grading run; return its id."""
        cur = self.db.execute(
            "INSERT INTO runs (assignment, started, source_hash, settings) VALUES (?, ?, ?, ?)",
            (assignment, time.time(), source_hash, json.dumps(settings, default=str)),
        )
        self.db.commit()
        return int(cur.lastrowid)

    def finish_run(self, run_id: int) -> None:
        """Mark a run as finished."""
        self.db.execute("UPDATE runs SET finished = ? WHERE id = ?", (time.time(), run_id))
        self.db.commit()

    def add(self, run_id: int, assignment: str, student: str, *, content_hash: str, source_hash: str,
            status: str, reason: str, score: float, max_score: float, cells: dict[str, list[float]],
            record: dict[str, Any], seconds: float, archive: str | None = None) -> int:
        """Append one grade (committed before returning)."""
        cur = self.db.execute(
            "INSERT INTO grades (run_id, assignment, student, content_hash, source_hash, status, reason, "
            "score, max_score, cells, record, graded_at, seconds, archive) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, assignment, student, content_hash, source_hash, status, reason, float(score),
             float(max_score), json.dumps(cells), json.dumps(record, default=str), time.time(),
             float(seconds), archive),
        )
        self.db.commit()
        return int(cur.lastrowid)

    def latest(self, assignment: str) -> dict[str, GradeRow]:
        """The most recent grade of every student for ``assignment``."""
        rows = self.db.execute(
            "SELECT g.* FROM grades g JOIN (SELECT student, MAX(id) AS id FROM grades WHERE assignment = ? "
            "GROUP BY student) m ON g.id = m.id ORDER BY g.student",
            (assignment,),
        ).fetchall()
        return {r["student"]: GradeRow.from_sql(r) for r in rows}

    def rows(self, assignment: str, student: str | None = None) -> list[GradeRow]:
        """Every grade for ``assignment`` (of one student, if named), oldest first."""
        if student is None:
            sql, args = "SELECT * FROM grades WHERE assignment = ? ORDER BY id", (assignment,)
        else:
            sql, args = "SELECT * FROM grades WHERE assignment = ? AND student = ? ORDER BY id", (assignment, student)
        return [GradeRow.from_sql(r) for r in self.db.execute(sql, args).fetchall()]

    def calibration(self, source_hash: str) -> dict[str, dict[str, bool]] | None:
        """The canary plan calibrated on the master notebook with this hash, if any."""
        row = self.db.execute("SELECT plan FROM calibrations WHERE source_hash = ?", (source_hash,)).fetchone()
        return None if row is None else json.loads(row["plan"])

    def save_calibration(self, source_hash: str, plan: dict[str, dict[str, bool]]) -> None:
        """Remember a calibrated canary plan."""
        self.db.execute(
            "INSERT OR REPLACE INTO calibrations (source_hash, plan, created) VALUES (?, ?, ?)",
            (source_hash, json.dumps(plan), time.time()),
        )
        self.db.commit()


class ClassGradebook:
    """nbgrader's gradebook of the class, written by the parent process only."""

    def __init__(self, db_path: Path) -> None:
        from nbgrader.api import Gradebook

        self.gb = Gradebook(f"sqlite:///{Path(db_path).resolve()}")

    def close(self) -> None:
        """Close the gradebook."""
        self.gb.close()

    def has_assignment(self, assignment: str) -> bool:
        """True when ``nbgrader generate_assignment`` has recorded ``assignment``."""
        from nbgrader.api import MissingEntry

        try:
            self.gb.find_assignment(assignment)
        except MissingEntry:
            return False
        return True

    def record(self, assignment: str, student: str, cells: dict[str, list[float | None]] | None) -> None:
        """Set the autograder's scores of ``student`` (``None``: no notebook could be graded, all zero).

        As ``nbgrader autograde`` does: a cell whose score is ``None`` (a manually graded answer) gets
        ``auto_score = None`` and waits for the instructor (``needs_manual_grade``); a score an
        instructor entered by hand is never touched, and its cell is flagged for review.
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbgrader's SQLAlchemy session warns on new submissions
            self.gb.update_or_create_student(student)
            sub = self.gb.update_or_create_submission(assignment, student)
            for nb in sub.notebooks:
                for grade in nb.grades:
                    entry = None if cells is None else cells.get(grade.name)
                    auto = 0.0 if entry is None else (None if entry[0] is None else float(entry[0]))
                    grade.auto_score = auto
                    grade.needs_manual_grade = grade.manual_score is not None or auto is None
            self.gb.db.commit()

    def totals(self, assignment: str) -> dict[str, tuple[float, float]]:
        """Current (score, max score) of every student with a submission: automatic scores plus the
        manual scores entered so far (a cell waiting for its manual grade adds nothing to the score,
        its points are in the max)."""
        out = {}
        for sub in self.gb.assignment_submissions(assignment):
            out[sub.student.id] = (float(sub.score or 0.0), float(sub.max_score))
        return out

    def manual_status(self, assignment: str, manual_ids: Iterable[str]) -> dict[str, ManualStatus]:
        """Per student, where the manually graded cells ``manual_ids`` stand in the gradebook."""
        ids = set(manual_ids)
        out = {}
        for sub in self.gb.assignment_submissions(assignment):
            status = ManualStatus()
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if grade.name not in ids:
                        continue
                    status.max_score += float(grade.max_score)
                    unmarked = grade.manual_score is None and grade.auto_score is None  # nbgrader's score says 0
                    status.cells[grade.name] = None if unmarked else float(grade.score)
                    if unmarked:
                        status.pending.append(grade.name)
                        status.pending_points += float(grade.max_score)
                    else:
                        status.score += float(grade.score)
                        if grade.needs_manual_grade:
                            status.review.append(grade.name)
            out[sub.student.id] = status
        return out


@dataclass
class ManualStatus:
    """A student's manually graded cells: points given so far (instructor's scores, and nbgrader's
    automatic 0 for an answer left as released), the cells still without a mark (``pending``, with
    their points), and marked cells nbgrader flags for review because the answer changed."""

    score: float = 0.0
    max_score: float = 0.0
    pending: list[str] = field(default_factory=list)
    pending_points: float = 0.0
    review: list[str] = field(default_factory=list)
    cells: dict[str, float | None] = field(default_factory=dict)  # grade id -> score, None while pending

    def note(self) -> str:
        """One line for an export or a report ('' when nothing waits for the instructor)."""
        parts = []
        if self.pending:
            parts.append(f"manual grading pending: {self.pending_points:g} of {self.max_score:g} manual points "
                         "not marked yet, not counted in the score")
        if self.review:
            parts.append(f"manual grade to review (answer changed): {', '.join(self.review)}")
        return "; ".join(parts)


def export_csv(path: Path, assignment: str, totals: dict[str, tuple[float, float]], *,
               style: str = "canvas", reasons: dict[str, str] | None = None,
               manual: dict[str, ManualStatus] | None = None) -> Path:
    """Write the gradebook as a CSV an LMS imports.

    The mark is the gradebook's total: automatic points plus the manual points entered so far; the
    ``Points Possible`` / maximum includes every manual point. A student with manual points still
    pending (``manual``) is marked: ``moodle`` puts it in ``Feedback``; ``canvas`` has no free-text
    column (an unknown column becomes a new assignment), so those students are listed, with their
    pending points, in ``<name>-pending.csv`` beside the export.

    ``canvas``: ``Student, ID, SIS User ID, SIS Login ID, Section, <assignment>``, then a
    ``Points Possible`` row, then one row per student with the student id in ``Student`` and
    ``SIS Login ID``. ``moodle``: ``Username, <assignment>, Feedback``, one row per student.
    """
    check_choice("style", style, EXPORT_STYLES)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    max_score = max((m for _, m in totals.values()), default=0.0)
    notes = {s: m.note() for s, m in (manual or {}).items() if m.note()}
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        if style == "canvas":
            out.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment])
            out.writerow(["    Points Possible", "", "", "", "", _num(max_score)])
            for student, (score, _) in sorted(totals.items()):
                out.writerow([student, "", "", student, "", _num(score)])
        else:
            out.writerow(["Username", assignment, "Feedback"])
            for student, (score, _) in sorted(totals.items()):
                text = "; ".join(t for t in ((reasons or {}).get(student, ""), notes.get(student, "")) if t)
                out.writerow([student, _num(score), text])
    side = pending_path(path)
    waiting = sorted(s for s, m in (manual or {}).items() if m.pending)
    if style == "canvas" and waiting:
        with open(side, "w", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["student", "pending_manual_points", "manual_max_score", "note"])
            for student in waiting:
                status = (manual or {})[student]
                out.writerow([student, _num(status.pending_points), _num(status.max_score), notes[student]])
    elif side.exists():
        side.unlink()  # an earlier run's list would be stale
    return path


def pending_path(export: Path) -> Path:
    """Where a canvas export lists the students whose manual grading is pending."""
    export = Path(export)
    return export.with_name(f"{export.stem}-pending.csv")


def _num(x: float) -> str:
    return f"{x:g}"


def export_columns(style: str) -> list[str]:
    """The fixed leading columns of an export style (documentation and tests)."""
    check_choice("style", style, EXPORT_STYLES)
    return ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] if style == "canvas" else ["Username"]


def by_student(rows: Iterable[GradeRow]) -> dict[str, list[GradeRow]]:
    """Group history rows by student."""
    out: dict[str, list[GradeRow]] = {}
    for row in rows:
        out.setdefault(row.student, []).append(row)
    return out
