"""Class reports: a CSV of every student's marks and an HTML page for the instructor.

The HTML report holds the marks per student and per test cell, the submissions that could not be
graded and why, a histogram of totals, and a difficulty table (per test cell: mean score and the
fraction of students with full marks, grouped by the question they test). Plots are matplotlib
figures embedded as base64 PNG, so the page is a single file.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from autograder.gradebook import GradeRow, ManualStatus


@dataclass
class CellInfo:
    """A graded test cell of the assignment."""

    grade_id: str
    points: float
    question: str  # the solution cell it follows


def cell_layout(assignment: str) -> list[CellInfo]:
    """Automatically graded test cells of the master notebook, in order, each with the question
    (solution cell) it tests. Manually graded answers are in ``manual_layout``."""
    from autograder.testing import source_notebook

    cells, question = [], ""
    for cell in source_notebook(assignment).cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and not meta.get("grade"):
            question = meta.get("grade_id", "")
        elif meta.get("grade") and not meta.get("solution"):
            cells.append(CellInfo(meta["grade_id"], float(meta.get("points", 0)), question or meta["grade_id"]))
    return cells


def manual_layout(assignment: str) -> list[CellInfo]:
    """Manually graded answer cells of the master notebook (each is its own question), in order."""
    from autograder.testing import is_manual, source_notebook

    return [CellInfo(c.metadata["nbgrader"]["grade_id"], float(c.metadata["nbgrader"].get("points", 0)),
                     c.metadata["nbgrader"]["grade_id"])
            for c in source_notebook(assignment).cells if is_manual(c)]


def _manual_text(status: ManualStatus | None, cell: CellInfo | None = None) -> str:
    """A manual mark as the reports show it: the score, or 'pending'."""
    if status is None:
        return "pending"
    if cell is None:
        return f"{status.score:g}" + (f" (+{status.pending_points:g} pending)" if status.pending else "")
    score = status.cells.get(cell.grade_id)
    if score is None:
        return "pending"
    return f"{score:g}" + (" (to review)" if cell.grade_id in status.review else "")


def write_csv(path: Path, rows: Sequence[GradeRow], cells: Sequence[CellInfo], *,
              manual_cells: Sequence[CellInfo] = (), manual: dict[str, ManualStatus] | None = None) -> Path:
    """One row per student: status, automatic score and max, each test cell's score, then (when the
    assignment has manually graded answers) the manual points entered, pending and possible, each
    manual cell's state, then reason, content hash, time.

    ``score``/``max_score`` are automatic points only; ``manual_pending`` is the points not marked
    yet, which no column counts as earned."""
    path.parent.mkdir(parents=True, exist_ok=True)
    manual = manual or {}
    manual_head = (["manual_score", "manual_pending", "manual_max_score", *[c.grade_id for c in manual_cells]]
                   if manual_cells else [])
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["student", "status", "score", "max_score", *[c.grade_id for c in cells], *manual_head, "reason",
             "content_hash", "graded_at"]
        )
        for row in sorted(rows, key=lambda r: r.student):
            extra = []
            if manual_cells:
                st = manual.get(row.student)
                top = sum(c.points for c in manual_cells)
                extra = [f"{st.score:g}" if st else "0", f"{st.pending_points:g}" if st else f"{top:g}", f"{top:g}",
                         *[_manual_cell_csv(st, c) for c in manual_cells]]
            out.writerow(
                [row.student, row.status, f"{row.score:g}", f"{row.max_score:g}",
                 *[f"{row.cells.get(c.grade_id, [0.0])[0] or 0.0:g}" for c in cells], *extra, row.reason,
                 row.content_hash, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(row.graded_at))]
            )
    return path


def _manual_cell_csv(status: ManualStatus | None, cell: CellInfo) -> str:
    return "pending" if status is None else _manual_text(status, cell)


def difficulty(rows: Sequence[GradeRow], cells: Sequence[CellInfo]) -> list[dict[str, float | str]]:
    """Per test cell over the graded students: mean score, mean fraction of the points, fraction of
    students with full marks."""
    graded = [r for r in rows if r.status != "error"]
    table = []
    for cell in cells:
        scores = [r.cells.get(cell.grade_id, [0.0])[0] for r in graded]
        n = len(scores)
        mean = sum(scores) / n if n else 0.0
        table.append(
            {
                "question": cell.question,
                "cell": cell.grade_id,
                "points": cell.points,
                "mean": mean,
                "mean_fraction": mean / cell.points if cell.points else 0.0,
                "full_marks": sum(s >= cell.points for s in scores) / n if n else 0.0,
                "students": n,
            }
        )
    return table


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


def histogram_png(totals: Sequence[float], max_score: float) -> str:
    """Histogram of the students' totals, as base64 PNG."""
    fig = Figure(figsize=(6, 3.5))
    ax = fig.subplots()
    top = max(max_score, max(totals, default=0.0), 1.0)
    # one bar per whole point (centred on it) for small totals, 30 bins otherwise
    edges = np.arange(-0.5, np.ceil(top) + 1.0, 1.0) if top <= 40 else np.linspace(0, top, 31)
    ax.hist(totals, bins=edges, color="#3b6ea5", edgecolor="white")
    ax.set_xlabel(f"total score (points out of {max_score:g})")
    ax.set_ylabel("students")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Distribution of totals")
    ax.grid(True, axis="y", alpha=0.3)
    return _png(fig)


def difficulty_png(table: Sequence[dict[str, float | str]]) -> str:
    """Bar chart of the mean fraction of points per test cell, as base64 PNG."""
    fig = Figure(figsize=(6, 0.6 * max(3, len(table)) + 1))
    ax = fig.subplots()
    y = np.arange(len(table))
    ax.barh(y - 0.2, [float(t["mean_fraction"]) for t in table], height=0.4, color="#c0504d",
            label="mean score (fraction of the cell's points)")
    ax.barh(y + 0.2, [float(t["full_marks"]) for t in table], height=0.4, color="#8aa9c9",
            label="students with full marks (fraction)")
    ax.set_yticks(y, [str(t["cell"]) for t in table])
    ax.set_xlim(0, 1)
    ax.set_xlabel("fraction (0 = nobody / no points, 1 = everybody / all points)")
    ax.set_ylabel("test cell")
    ax.invert_yaxis()
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), fontsize=8, ncol=1)
    ax.set_title("Difficulty per test cell")
    return _png(fig)


def write_html(path: Path, assignment: str, rows: Sequence[GradeRow], cells: Sequence[CellInfo], *,
               summary_lines: Sequence[str] = (), feedback_dir: Path | None = None,
               copies: dict[str, list[str]] | None = None, manual_cells: Sequence[CellInfo] = (),
               manual: dict[str, ManualStatus] | None = None) -> Path:
    """The instructor's report for ``assignment`` (a single self-contained HTML file); ``copies``
    (``autograder.copies.find_copies``) are listed as notes, without changing any mark. Automatic
    points and manually graded points (``manual``, read from the class gradebook) are shown apart:
    a manual cell not marked yet says "pending" and counts in no total."""
    esc = html.escape
    manual = manual or {}
    manual_max = sum(c.points for c in manual_cells)
    rows = sorted(rows, key=lambda r: r.student)
    max_score = sum(c.points for c in cells)
    graded = [r for r in rows if r.status == "graded"]
    failed = [r for r in rows if r.status != "graded"]
    table = difficulty(rows, cells)
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{esc(assignment)}: grading report</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}"
        "td.num{text-align:right}tr.failed{background:#fbe9e7}.full{color:#2e7d32}.zero{color:#c62828}"
        "</style></head><body>",
        f"<h1>{esc(assignment)}: grading report</h1>",
        f"<p>{len(rows)} submissions: {len(graded)} graded, {len(failed)} not graded. "
        f"Maximum automatic score {max_score:g} points. Report written {esc(time.strftime('%Y-%m-%d %H:%M'))}.</p>",
    ]
    if manual_cells:
        waiting = sum(1 for r in rows if manual.get(r.student) is None or manual[r.student].pending)
        parts.append(
            f"<p>Manually graded answers: {manual_max:g} more points ({len(manual_cells)} cell(s)), marked by the "
            f"instructor in formgrader. {waiting} of {len(rows)} students have manual points pending: the "
            "histogram and the automatic column count automatic points only, and pending manual points are "
            "not counted as earned anywhere.</p>"
        )
    if summary_lines:
        parts.append("<ul>" + "".join(f"<li>{esc(s)}</li>" for s in summary_lines) + "</ul>")
    totals = [r.score for r in rows if r.status != "error"]
    if totals:
        parts.append("<h2>Totals</h2>")
        parts.append(f"<img alt='histogram of totals' src='data:image/png;base64,{histogram_png(totals, max_score)}'>")
    parts.append("<h2>Difficulty per test cell</h2><table><tr><th>question</th><th>test cell</th><th>points</th>"
                 "<th>mean score</th><th>mean fraction</th><th>full marks (fraction of students)</th></tr>")
    for t in table:
        parts.append(
            f"<tr><td>{esc(str(t['question']))}</td><td>{esc(str(t['cell']))}</td><td class=num>{t['points']:g}</td>"
            f"<td class=num>{float(t['mean']):.2f}</td><td class=num>{float(t['mean_fraction']):.0%}</td>"
            f"<td class=num>{float(t['full_marks']):.0%}</td></tr>"
        )
    parts.append("</table>")
    if table:
        parts.append(f"<img alt='difficulty per test cell' src='data:image/png;base64,{difficulty_png(table)}'>")
    if failed:
        parts.append("<h2>Not graded</h2><table><tr><th>student</th><th>status</th><th>reason</th></tr>")
        for r in failed:
            parts.append(f"<tr class=failed><td>{esc(r.student)}</td><td>{esc(r.status)}</td><td>{esc(r.reason)}</td></tr>")
        parts.append("</table>")
    manual_head = "".join(
        [f"<th>manual<br><small>of {manual_max:g} pt</small></th>"]
        + [f"<th>{esc(c.grade_id)}<br><small>{c.points:g} pt, manual</small></th>" for c in manual_cells]
    ) if manual_cells else ""
    parts.append("<h2>Marks per student</h2><table><tr><th>student</th><th>status</th>"
                 f"<th>automatic<br><small>of {max_score:g} pt</small></th>"
                 + "".join(f"<th>{esc(c.grade_id)}<br><small>{c.points:g} pt</small></th>" for c in cells)
                 + manual_head + "<th>notes</th><th>feedback</th></tr>")
    for r in rows:
        cls = " class=failed" if r.status != "graded" else ""
        scores = []
        for c in cells:
            s = r.cells.get(c.grade_id, [0.0])[0] or 0.0
            mark = "full" if s >= c.points else ("zero" if s == 0 else "")
            scores.append(f"<td class='num {mark}'>{s:g}</td>")
        if manual_cells:
            st = manual.get(r.student)
            scores.append(f"<td class=num>{esc(_manual_text(st))}</td>")
            scores += [f"<td class=num>{esc(_manual_text(st, c) if st else 'pending')}</td>" for c in manual_cells]
        link = ""
        if feedback_dir is not None:
            fb = Path(feedback_dir) / r.student / assignment / f"{assignment}.html"
            if fb.is_file():
                link = f"<a href='{esc(fb.as_uri())}'>feedback</a>"
        parts.append(
            f"<tr{cls}><td>{esc(r.student)}</td><td>{esc(r.status)}</td><td class=num>{r.score:g}</td>"
            + "".join(scores) + f"<td>{esc(r.reason)}</td><td>{link}</td></tr>"
        )
    parts.append("</table>")
    if copies:
        parts.append("<h2>Possible copies</h2><p>Answers whose normalised syntax tree (comments, formatting and "
                     "local names aside) equals the kit's reference or another student's answer. A note for the "
                     "instructor: the marks above are unchanged.</p><table><tr><th>student</th><th>note</th></tr>")
        for student in sorted(copies):
            for note in copies[student]:
                parts.append(f"<tr><td>{esc(student)}</td><td>{esc(note)}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
