"""Progress over days: per-topic accuracy and time per question, as data and as a matplotlib figure.

Accuracy of one attempt (a fraction in [0, 1]):

* a numeric answer (id ``numeric:...``): 1 if it was right, else 0;
* a coding drill (id ``drill:...``): 1 for full marks, else 0;
* a scenario question: the fraction of rubric points the candidate ticked as covered; an attempt
  without self-assessment counts for time but not for accuracy.

Days are UTC calendar days of the attempt's timestamp. :func:`plot_progress` builds the figure
without pyplot (no global figure state), so a notebook shows the returned figure once, as a PNG,
and the CLI saves it with the Agg canvas.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ppml_lab.interview.session import DRILL_PREFIX, NUMERIC_PREFIX, History

if TYPE_CHECKING:
    from matplotlib.axes import Axes


class ProgressFigure(Figure):
    """A figure that a notebook displays as a PNG by itself, whatever pyplot's state."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        FigureCanvasAgg(self).print_png(buffer)
        return buffer.getvalue()


@dataclass(frozen=True)
class DayPoint:
    """One topic on one day: attempts, how many carry an accuracy, mean accuracy and mean seconds."""

    day: date
    attempts: int
    assessed: int
    accuracy: float  # mean over assessed attempts; nan when none was assessed
    seconds: float  # mean seconds per question over all attempts


def attempt_accuracy(row: dict) -> float | None:
    """The accuracy of one history row (see the module docstring), or None if it was not assessed."""
    if row["covered"] is None:
        return None
    covered = len([c for c in str(row["covered"]).split(",") if c])
    size = int(row["rubric_size"])
    if size < 1:
        return None
    if row["question_id"].startswith((NUMERIC_PREFIX, DRILL_PREFIX)):
        return 1.0 if covered >= size else 0.0
    return min(covered, size) / size


def _rows(history: History | Sequence[dict]) -> list[dict]:
    return history.attempts() if isinstance(history, History) else list(history)


def daily_progress(history: History | Sequence[dict]) -> dict[str, list[DayPoint]]:
    """Per topic (sorted), one :class:`DayPoint` per day with attempts, oldest day first."""
    sums: dict[str, dict[date, list[float]]] = {}
    for row in _rows(history):
        day = datetime.fromisoformat(row["at"]).date()
        accuracy = attempt_accuracy(row)
        for topic in (t for t in row["topics"].split(",") if t):
            s = sums.setdefault(topic, {}).setdefault(day, [0, 0, 0.0, 0.0])
            s[0] += 1
            s[3] += float(row["seconds"])
            if accuracy is not None:
                s[1] += 1
                s[2] += accuracy
    return {
        topic: [
            DayPoint(day, int(n), int(k), acc / k if k else math.nan, secs / n)
            for day, (n, k, acc, secs) in sorted(days.items())
        ]
        for topic, days in sorted(sums.items())
    }


def plot_progress(history: History | Sequence[dict], ax: Sequence[Axes] | None = None) -> Figure:
    """A figure of accuracy (%) and seconds per question by day, one line per topic.

    ``history`` is a :class:`History` or its rows; ``ax`` is an optional pair of axes (accuracy,
    time) to draw on, otherwise a new two-panel figure is made. In a notebook, the returned
    figure displays inline when it is the cell's last expression.
    """
    from matplotlib.dates import DateFormatter, DayLocator

    data = daily_progress(history)
    if ax is None:
        fig = ProgressFigure(figsize=(10, 7), layout="constrained")
        acc_ax, time_ax = fig.subplots(2, 1, sharex=True)
    else:
        if len(ax) != 2:
            raise ValueError(f"ax must be two axes (accuracy, time), got {len(ax)}")
        acc_ax, time_ax = ax
        fig = acc_ax.figure
    for topic, points in data.items():
        days = [p.day for p in points]
        acc_ax.plot(days, [100 * p.accuracy for p in points], marker="o", label=topic)
        time_ax.plot(days, [p.seconds for p in points], marker="o", label=topic)
    acc_ax.set_ylabel("accuracy (% of full marks)")
    acc_ax.set_ylim(-5, 105)
    acc_ax.set_title("Interview practice: accuracy per topic by day")
    time_ax.set_ylabel("time per question (s)")
    time_ax.set_xlabel("day (UTC)")
    time_ax.set_title("Interview practice: mean time per question by day")
    days = sorted({p.day for points in data.values() for p in points})
    for a in (acc_ax, time_ax):
        a.grid(True, alpha=0.3)
        if days:  # whole days only: one tick per day, at most about ten
            span = (days[-1] - days[0]).days + 1
            a.xaxis.set_major_locator(DayLocator(interval=max(1, math.ceil(span / 10))))
            a.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
            first, last = (datetime.combine(d, datetime.min.time()) for d in (days[0], days[-1]))
            a.set_xlim(first - timedelta(hours=12), last + timedelta(hours=12))
    time_ax.tick_params(axis="x", labelrotation=30)
    if data:
        acc_ax.legend(title="topic", fontsize="small", loc="best", ncols=2 if len(data) > 6 else 1)
    else:
        acc_ax.text(
            0.5, 0.5, "no practice recorded yet", ha="center", va="center", transform=acc_ax.transAxes
        )
    return fig


def save_progress_plot(history: History | Sequence[dict], path: Path | str, *, force: bool = False) -> Path:
    """Write :func:`plot_progress` as a PNG to ``path``; an existing file is refused unless ``force``."""
    target = Path(path)
    if target.suffix.lower() != ".png":
        raise ValueError(f"plot path must end in .png, got {str(target)!r}")
    if target.exists() and not force:
        raise FileExistsError(f"{target} already exists; pass --force to replace it or choose another path")
    if not target.parent.is_dir():
        raise ValueError(f"plot path {str(target)!r}: folder {str(target.parent)!r} does not exist")
    fig = plot_progress(history)
    FigureCanvasAgg(fig)
    fig.savefig(target, format="png", dpi=100)
    return target
