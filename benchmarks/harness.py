"""The benchmark harness: discovery, one table of ratios, and JSON results.

A benchmark is a module ``benchmarks/bench_<name>.py`` with a function
``run(fast: bool = False) -> list[Record]``. Every figure is reported beside a baseline
measured in the same run, so the ratio means something on whatever machine runs it.
"""

from __future__ import annotations

import importlib
import json
import math
import operator
import pkgutil
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_TARGET = re.compile(r"^\s*(ratio|value)\s*(<=|>=|<|>)\s*([-+0-9.eE]+)\s*$")


def parse_target(target: str) -> tuple[str, str, float]:
    """Split a target such as ``"ratio >= 1.8"`` into (subject, operator, bound)."""
    match = _TARGET.match(target)
    if not match:
        raise ValueError(f"target must look like 'ratio >= 1.8' or 'value <= 0.25', got {target!r}")
    return match.group(1), match.group(2), float(match.group(3))


@dataclass
class Record:
    """One measured figure.

    ``ratio`` is ``value / baseline`` (so a speed-up is written as a baseline time over our time,
    by passing the times that way round). ``target`` is an inequality on ``ratio`` or ``value``,
    e.g. ``"ratio >= 1.8"``; ``met`` is computed from it (``None`` when there is no target).
    """

    figure: str
    value: float
    unit: str
    baseline: float | None = None
    target: str | None = None
    ratio: float | None = field(default=None)
    met: bool | None = field(default=None)
    note: str = ""

    def __post_init__(self) -> None:
        self.value = float(self.value)
        if self.baseline is not None:
            self.baseline = float(self.baseline)
            if self.ratio is None:
                self.ratio = self.value / self.baseline if self.baseline != 0 else math.inf
        if self.target is not None:
            subject, op, bound = parse_target(self.target)
            observed = self.ratio if subject == "ratio" else self.value
            if observed is None:
                raise ValueError(f"figure {self.figure!r}: target {self.target!r} needs a baseline")
            self.met = bool(_OPS[op](observed, bound))

    def to_json(self) -> dict:
        """The record as written to ``benchmarks/results/<name>.json``."""
        data = asdict(self)
        return {k: data[k] for k in ("figure", "value", "unit", "baseline", "ratio", "target", "met", "note")}


@contextmanager
def timer() -> Iterator[dict[str, float]]:
    """``with timer() as t: ...`` then ``t["seconds"]`` holds the wall-clock time."""
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Smallest wall-clock time of ``repeat`` calls of ``fn`` (seconds): the least noisy estimate."""
    times = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def available() -> list[str]:
    """Names of every benchmark module (``bench_<name>.py``), sorted."""
    pkg_dir = Path(__file__).resolve().parent
    return sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(pkg_dir)])
        if m.name.startswith("bench_")
    )


def run_benchmark(name: str, *, fast: bool = False) -> list[Record]:
    """Import ``benchmarks.bench_<name>`` and run it."""
    if name not in available():
        raise ValueError(f"benchmark must be one of {available()}, got {name!r}")
    module = importlib.import_module(f"benchmarks.bench_{name}")
    records = list(module.run(fast=fast))
    for rec in records:
        if not isinstance(rec, Record):
            raise TypeError(f"benchmark {name!r} returned {type(rec).__name__}, expected Record")
    return records


def write_results(name: str, records: Iterable[Record], results_dir: Path = RESULTS_DIR) -> Path:
    """Write ``<results_dir>/<name>.json`` as a list of records."""
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{name}.json"
    path.write_text(json.dumps([r.to_json() for r in records], indent=2) + "\n")
    return path


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    if x == 0 or 1e-3 <= abs(x) < 1e6:
        return f"{x:.4g}"
    return f"{x:.3e}"


def format_table(results: dict[str, list[Record]]) -> str:
    """One plain-text table of every figure of every benchmark run."""
    header = ("benchmark", "figure", "value", "unit", "baseline", "ratio", "target", "met")
    rows = [header]
    for name, records in results.items():
        for r in records:
            met = "-" if r.met is None else ("yes" if r.met else "NO")
            rows.append(
                (name, r.figure, _fmt(r.value), r.unit, _fmt(r.baseline), _fmt(r.ratio), r.target or "-", met)
            )
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
