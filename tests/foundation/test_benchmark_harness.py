"""The benchmark harness: ratios, targets, the JSON schema, the table, the registry."""

import json

import pytest

from benchmarks.harness import Record, available, format_table, parse_target, write_results


def test_ratio_and_target_are_computed():
    fast = Record("packed epoch", 2.0, "s", baseline=200.0, target="ratio <= 0.01")
    assert fast.ratio == pytest.approx(0.01) and fast.met is True
    slow = Record("throughput", 50.0, "samples/s", baseline=100.0, target="ratio >= 0.9")
    assert slow.ratio == pytest.approx(0.5) and slow.met is False
    absolute = Record("accountant 10k steps", 0.4, "s", target="value <= 1.0")
    assert absolute.ratio is None and absolute.met is True
    assert Record("info", 3.0, "rounds").met is None


def test_bad_targets_are_refused():
    with pytest.raises(ValueError, match="target"):
        parse_target("faster than opacus")
    with pytest.raises(ValueError, match="baseline"):
        Record("x", 1.0, "s", target="ratio >= 1")


def test_results_file_is_a_list_of_documented_records(tmp_path):
    path = write_results("demo", [Record("a", 1.0, "s", baseline=2.0, target="ratio <= 1")], tmp_path)
    (record,) = json.loads(path.read_text())
    assert set(record) >= {"figure", "value", "unit", "baseline", "ratio", "target", "met"}
    assert record["ratio"] == 0.5 and record["met"] is True


def test_table_lists_every_figure_and_flags_misses():
    table = format_table(
        {"demo": [Record("good", 1, "s", 2, "ratio <= 1"), Record("bad", 3, "s", 2, "ratio <= 1")]}
    )
    assert "good" in table and "bad" in table and "NO" in table and "yes" in table


def test_lessons_benchmark_is_registered():
    assert "lessons" in available()


def _run_main_with(monkeypatch, tmp_path, records):
    """``python -m benchmarks fake`` where benchmark ``fake`` returns ``records``."""
    import benchmarks.__main__ as cli

    monkeypatch.setattr(cli, "available", lambda: ["fake"])
    monkeypatch.setattr(cli, "run_benchmark", lambda name, fast=False: list(records))
    monkeypatch.setattr(cli, "write_results", lambda name, recs: write_results(name, recs, tmp_path))
    return cli.main(["fake"])


def test_a_missed_target_fails_the_run_and_names_the_figure(monkeypatch, tmp_path, capsys):
    records = [
        Record("fast enough", 1.0, "s", baseline=2.0, target="ratio <= 1"),
        Record("too slow", 3.0, "s", baseline=2.0, target="ratio <= 1"),
        Record("no target", 5.0, "s"),
    ]
    assert _run_main_with(monkeypatch, tmp_path, records) == 1
    err = capsys.readouterr().err
    assert "missed: fake: too slow" in err.splitlines()
    assert "fast enough" not in err and "no target" not in err


def test_a_run_whose_targets_are_all_met_succeeds(monkeypatch, tmp_path, capsys):
    records = [Record("fast enough", 1.0, "s", baseline=2.0, target="ratio <= 1"), Record("info", 5.0, "s")]
    assert _run_main_with(monkeypatch, tmp_path, records) == 0
    assert "missed" not in capsys.readouterr().err


def test_the_readme_describes_only_figures_the_smpc_benchmark_reports():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "benchmarks" / "README.md").read_text(encoding="utf-8")
    (row,) = [line for line in readme.splitlines() if line.startswith("| `smpc_lr` |")]
    assert "Beaver matmul" not in row  # a figure the benchmark stopped reporting
    for figure in ("50×", "10%", "1 point", "CrypTen"):
        assert figure in row
