"""Progress over days: the data behind the plot, the figure, and the PNG the CLI writes."""

import io
import math
import sqlite3
from datetime import date

import pytest
from matplotlib.figure import Figure

from ppml_lab.cli import build_parser
from ppml_lab.cli.interview import run
from ppml_lab.interview.progress import attempt_accuracy, daily_progress, plot_progress, save_progress_plot
from ppml_lab.interview.session import Attempt, History

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _history(tmp_path) -> History:
    """Six attempts over two days: design, numeric and drill rows, one design row not self-assessed."""
    h = History(tmp_path / "h.sqlite")
    rows = [
        ("2026-11-30T09:00:00+00:00", Attempt("smpc-q", ("smpc", "cost-model"), 100.0, "a", (0, 1), 4)),
        ("2026-11-30T09:05:00+00:00", Attempt("numeric:laplace-scale", ("numeric-dp",), 30.0, "2", (0,), 1)),
        ("2026-12-01T10:00:00+00:00", Attempt("numeric:laplace-scale", ("numeric-dp",), 50.0, "9", (), 1)),
        ("2026-12-01T10:10:00+00:00", Attempt("drill:clip", ("drill-dp",), 600.0, "code", (), 1)),
        ("2026-12-01T10:30:00+00:00", Attempt("drill:clip", ("drill-dp",), 400.0, "code", (0,), 1)),
        ("2026-12-01T11:00:00+00:00", Attempt("smpc-q", ("smpc", "cost-model"), 200.0, "b", None, 4)),
    ]
    for _, attempt in rows:
        h.record(attempt)
    with sqlite3.connect(h.path) as db:  # place the attempts on known days
        for row_id, (at, _) in enumerate(rows, 1):
            db.execute("UPDATE attempts SET at = ? WHERE id = ?", (at, row_id))
    return h


def test_accuracy_per_attempt_by_kind(tmp_path):
    rows = {(r["question_id"], r["id"]): r for r in _history(tmp_path).attempts()}
    assert attempt_accuracy(rows[("smpc-q", 1)]) == 0.5  # 2 of 4 rubric points
    assert attempt_accuracy(rows[("numeric:laplace-scale", 2)]) == 1.0
    assert attempt_accuracy(rows[("numeric:laplace-scale", 3)]) == 0.0
    assert attempt_accuracy(rows[("drill:clip", 4)]) == 0.0
    assert attempt_accuracy(rows[("drill:clip", 5)]) == 1.0
    assert attempt_accuracy(rows[("smpc-q", 6)]) is None  # not self-assessed


def test_daily_progress_per_topic_and_day(tmp_path):
    data = daily_progress(_history(tmp_path))
    assert list(data) == ["cost-model", "drill-dp", "numeric-dp", "smpc"]
    d1, d2 = date(2026, 11, 30), date(2026, 12, 1)
    smpc = data["smpc"]
    assert [p.day for p in smpc] == [d1, d2]
    assert (smpc[0].attempts, smpc[0].assessed, smpc[0].accuracy, smpc[0].seconds) == (1, 1, 0.5, 100.0)
    assert (smpc[1].attempts, smpc[1].assessed, smpc[1].seconds) == (1, 0, 200.0)
    assert math.isnan(smpc[1].accuracy)  # time counts, accuracy has nothing to average
    assert data["cost-model"] == smpc  # a row counts for each of its topics
    numeric = data["numeric-dp"]
    assert [(p.day, p.accuracy, p.seconds) for p in numeric] == [(d1, 1.0, 30.0), (d2, 0.0, 50.0)]
    (drills,) = data["drill-dp"]
    assert (drills.day, drills.attempts, drills.accuracy, drills.seconds) == (d2, 2, 0.5, 500.0)


def test_plot_has_one_line_per_topic_with_that_data(tmp_path):
    fig = plot_progress(_history(tmp_path))
    assert isinstance(fig, Figure)
    acc_ax, time_ax = fig.axes
    assert [line.get_label() for line in acc_ax.lines] == ["cost-model", "drill-dp", "numeric-dp", "smpc"]
    by_topic = {line.get_label(): line for line in acc_ax.lines}
    assert list(by_topic["numeric-dp"].get_ydata()) == [100.0, 0.0]
    times = {line.get_label(): list(line.get_ydata()) for line in time_ax.lines}
    assert times["drill-dp"] == [500.0] and times["smpc"] == [100.0, 200.0]
    assert "%" in acc_ax.get_ylabel() and "(s)" in time_ax.get_ylabel()
    assert "day" in time_ax.get_xlabel()
    assert acc_ax.get_title() and acc_ax.get_legend() is not None
    texts = [t.get_text() for t in acc_ax.get_legend().get_texts()]
    assert texts == ["cost-model", "drill-dp", "numeric-dp", "smpc"]


def test_figure_shows_itself_as_png_in_a_notebook(tmp_path):
    assert plot_progress(_history(tmp_path))._repr_png_()[:8] == PNG_MAGIC


def test_plot_draws_on_given_axes(tmp_path):
    fig = Figure()
    axes = fig.subplots(1, 2)
    assert plot_progress(_history(tmp_path).attempts(), ax=axes) is fig
    assert len(axes[0].lines) == 4
    with pytest.raises(ValueError, match="ax"):
        plot_progress([], ax=axes[:1])


def test_png_is_written_and_never_replaced_silently(tmp_path):
    h = _history(tmp_path)
    target = tmp_path / "p.png"
    assert save_progress_plot(h, target) == target
    assert target.read_bytes()[:8] == PNG_MAGIC
    target.write_bytes(b"mine")
    with pytest.raises(FileExistsError, match="--force"):
        save_progress_plot(h, target)
    assert target.read_bytes() == b"mine"
    save_progress_plot(h, target, force=True)
    assert target.read_bytes()[:8] == PNG_MAGIC
    with pytest.raises(ValueError, match=".png"):
        save_progress_plot(h, tmp_path / "p.jpg")


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = run(build_parser().parse_args(["interview", *argv]), stdin=io.StringIO(""), out=out)
    return code, out.getvalue()


def test_cli_progress_plot_default_path_and_refusal(tmp_path, monkeypatch):
    h = _history(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, text = _run("--progress", "--plot", "--history", str(h.path))
    assert code == 0, text
    assert "numeric-dp" in text  # the per-topic numbers are still printed
    assert "drill-dp" + " " * 21 + "2 attempt(s), 50% of test cells with full marks" in text
    default = tmp_path / "interview-progress.png"
    assert default.read_bytes()[:8] == PNG_MAGIC
    before = default.read_bytes()
    code, text = _run("--progress", "--plot", "--history", str(h.path))
    assert code == 2 and "--force" in text and default.read_bytes() == before
    chosen = tmp_path / "chosen.png"
    code, _ = _run("--progress", "--plot", str(chosen), "--history", str(h.path))
    assert code == 0 and chosen.read_bytes()[:8] == PNG_MAGIC
    code, text = _run("--plot", str(tmp_path / "x.png"), "--history", str(h.path))
    assert code == 2 and "--progress" in text
    assert not (tmp_path / "x.png").exists()
