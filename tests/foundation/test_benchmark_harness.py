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
