"""A mock interview in the order one runs: a design question, a numeric question, a coding drill.

The design question is answered in free text and self-assessed against its rubric (never graded
here); the numeric answer is checked against the kit's own functions; the drill is graded by the
drill runner passed in (``autograder.drills`` from the CLI, a fake in tests). The report keeps what
was checked apart from what was self-assessed, and sets each part's time against its share of the
budget. Input, output, the clock and the runners are parameters, so a scripted run is reproducible.
"""

from __future__ import annotations

import random
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ppml_lab.interview.bank import Question
from ppml_lab.interview.session import DRILL_PREFIX, Attempt, History, keyword_hints, select_questions

# Share of the budget per part: the design discussion takes half, the calculation a sixth, the drill a third.
SHARES = {"design": 1 / 2, "numeric": 1 / 6, "drill": 1 / 3}


@dataclass
class PartResult:
    """One part of the mock: what was asked, how it was judged, and the time it took."""

    part: str  # "design", "numeric" or "drill"
    item: str  # question id, numeric generator name or drill id ("" when skipped)
    judged: str  # "checked", "self-assessed" or "skipped"
    seconds: float
    budget_seconds: float
    outcome: str
    ok: bool | None = None  # checked parts: right / full marks; None otherwise


@dataclass
class MockReport:
    """The parts of a mock interview and the total budget, printable with :meth:`lines`."""

    minutes: float
    parts: list[PartResult] = field(default_factory=list)

    def part(self, name: str) -> PartResult:
        """The result of part ``name``."""
        return next(p for p in self.parts if p.part == name)

    def lines(self) -> list[str]:
        """The report as text lines: checked parts, self-assessed parts, skipped parts, total time."""
        out = [f"=== Mock interview report (budget {self.minutes:g} min)"]
        groups = (
            ("checked", "Checked automatically:"),
            ("self-assessed", "Self-assessed (your own judgement against the rubric, not a grade):"),
            ("skipped", "Not run:"),
        )
        for judged, title in groups:
            parts = [p for p in self.parts if p.judged == judged]
            if not parts:
                continue
            out.append(title)
            for p in parts:
                item = f" [{p.item}]" if p.item else ""
                if judged == "skipped":
                    out.append(f"  {p.outcome}")
                else:
                    out.append(f"  {p.part}{item}: {p.outcome}")
                    out.append(f"    time {_clock(p.seconds)} of {_clock(p.budget_seconds)}{_over(p)}")
        total = sum(p.seconds for p in self.parts)
        out.append(f"Total time {_clock(total)} of {_clock(60 * self.minutes)}")
        return out


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s"


def _over(p: PartResult) -> str:
    if p.seconds > p.budget_seconds:
        return f" (over by {_clock(p.seconds - p.budget_seconds)})"
    return " (within budget)"


def _wrap(text: str) -> str:
    return textwrap.fill(" ".join(text.split()), width=96, initial_indent="  ", subsequent_indent="  ")


def _read_block(stream: TextIO) -> str:
    lines = []
    for line in stream:
        if not line.strip():
            break
        lines.append(line.rstrip("\n"))
    return "\n".join(lines)


def parse_covered(text: str, size: int) -> list[int]:
    """Rubric point numbers typed 1-based (``"1 3"``) as 0-based indices; ValueError on a bad one."""
    picked = []
    for token in text.replace(",", " ").split():
        if not token.isdigit() or not 1 <= int(token) <= size:
            raise ValueError(f"rubric point numbers go from 1 to {size}, got {token!r}")
        picked.append(int(token) - 1)
    return sorted(set(picked))


@dataclass
class MockInterview:
    """Run one mock interview; every dependency is a parameter (see the module docstring).

    ``drills`` is an object with ``DRILLS``, ``start(name, folder)`` and ``grade(name, path)``
    (the ``autograder.drills`` module), or None when it could not be loaded; ``drills_error`` then
    says why, and the report says the drill part was skipped.
    """

    bank: Sequence[Question]
    history: History
    stdin: TextIO
    out: TextIO
    minutes: float = 45.0
    seed: int | None = None
    clock: Callable[[], float] = time.monotonic
    drills: Any = None
    drills_error: str = "no drill runner was given"
    answer_file: Path | None = None
    answer_dir: Path | None = None
    interactive: bool = True
    role: str | None = None
    topics: Sequence[str] | None = None
    difficulty: str | None = None
    numeric_questions: Sequence[Any] | None = None

    def __post_init__(self) -> None:
        if (
            isinstance(self.minutes, bool)
            or not isinstance(self.minutes, int | float)
            or not self.minutes > 0
        ):
            raise ValueError(f"minutes must be a number > 0, got {self.minutes!r}")
        if self.answer_file is not None and not Path(self.answer_file).is_file():
            raise ValueError(f"answer file not found: {self.answer_file}")
        if self.answer_dir is not None and not Path(self.answer_dir).is_dir():
            raise ValueError(f"answer dir is not a folder: {self.answer_dir}")

    def say(self, text: str = "") -> None:
        print(text, file=self.out)

    def budget(self, part: str) -> float:
        """Seconds of the budget for ``part``."""
        return 60 * self.minutes * SHARES[part]

    def run(self) -> MockReport:
        """Ask the three parts in order, record each in the history, print and return the report."""
        report = MockReport(self.minutes)
        self.say(
            f"Mock interview, {self.minutes:g} min: design {_clock(self.budget('design'))}, "
            f"numeric {_clock(self.budget('numeric'))}, drill {_clock(self.budget('drill'))}"
        )
        report.parts.append(self.design())
        report.parts.append(self.numeric())
        report.parts.append(self.drill())
        self.say()
        for line in report.lines():
            self.say(line)
        self.say(f"Recorded in {self.history.path}")
        return report

    def design(self) -> PartResult:
        """Part 1: one scenario question, answered, shown the model answer, self-assessed."""
        picked = select_questions(
            self.bank, role=self.role, topics=self.topics, difficulty=self.difficulty, n=1, seed=self.seed
        )
        if not picked:
            raise ValueError("no question matches that role, topic and difficulty")
        q = picked[0]
        self.say(f"\n=== Part 1/3: design [{q.id}] ({q.difficulty}; {', '.join(q.topics)})")
        self.say(_wrap(q.scenario))
        self.say(f"\nQ: {q.question}")
        start = self.clock()
        if self.answer_file is not None:
            answer = Path(self.answer_file).read_text(encoding="utf-8")
        else:
            self.say("Your answer (end with an empty line):")
            answer = _read_block(self.stdin)
        seconds = self.clock() - start
        self.say("\nModel answer:")
        self.say(_wrap(q.model_answer))
        self.say("\nRubric:")
        for i, point in enumerate(q.rubric, 1):
            self.say(f"  [{i}] {point.point}")
        hints = keyword_hints(answer, q)
        if hints:
            self.say("\nHint (a keyword check, not a grade): your answer never mentions:")
            for point in hints:
                self.say(f"  - {point.point}")
        covered: list[int] | None = None
        if self.interactive:
            self.say("\nWhich rubric points did you cover? (numbers, e.g. '1 3'; empty for none)")
            try:
                covered = parse_covered(self.stdin.readline(), len(q.rubric))
            except ValueError as exc:
                self.say(f"  ignored: {exc}; recording no self-assessment")
        self.history.record(
            Attempt(
                q.id,
                q.topics,
                float(seconds),
                answer,
                None if covered is None else tuple(covered),
                len(q.rubric),
                self.seed,
            )
        )
        if covered is None:
            outcome = "not self-assessed"
        else:
            outcome = f"you ticked {len(covered)}/{len(q.rubric)} rubric points as covered"
        return PartResult("design", q.id, "self-assessed", seconds, self.budget("design"), outcome)

    def numeric(self) -> PartResult:
        """Part 2: one numeric question, checked within its stated tolerance."""
        from ppml_lab.interview.numeric import select_numeric

        questions = self.numeric_questions or select_numeric(None, n=1, seed=self.seed)
        q = questions[0]
        self.say(f"\n=== Part 2/3: numeric [{q.name}] ({q.topic}; tolerance {q.tolerance})")
        self.say(_wrap(q.text))
        self.say("Your answer (a number):")
        start = self.clock()
        line = self.stdin.readline()
        seconds = self.clock() - start
        if line.strip():
            ok, message = q.check(line)
        else:
            ok, message = False, f"wrong: no answer; expected {q.answer:.6g}{q.unit} ({q.tolerance})"
        self.say(f"  {message}")
        self.history.record_numeric(q, line.strip(), ok, seconds=seconds, seed=self.seed)
        return PartResult("numeric", q.name, "checked", seconds, self.budget("numeric"), message, ok)

    def _existing_answer(self, name: str) -> Path | None:
        if self.answer_dir is None:
            return None
        found = sorted(p for p in Path(self.answer_dir).iterdir() if p.is_file() and p.stem == name)
        return found[0] if found else None

    def drill(self) -> PartResult:
        """Part 3: one coding drill, written to an answer file, edited, then graded by the runner."""
        budget = self.budget("drill")
        if self.drills is None:
            self.say(f"\n=== Part 3/3: drill skipped: {self.drills_error}")
            return PartResult("drill", "", "skipped", 0.0, budget, f"drill part skipped: {self.drills_error}")
        names = sorted(self.drills.DRILLS)
        if not names:
            return PartResult("drill", "", "skipped", 0.0, budget, "drill part skipped: no drill is defined")
        name = random.Random(self.seed).choice(names)
        spec = self.drills.DRILLS[name]
        self.say(f"\n=== Part 3/3: drill [{name}] (lesson {spec.lesson}; about {spec.minutes} min)")
        start = self.clock()
        path = self._existing_answer(name)
        try:
            if path is not None:
                self.say(f"Using your existing answer file {path}")
            else:
                folder = Path(self.answer_dir) if self.answer_dir is not None else Path.cwd()
                path = Path(self.drills.start(name, folder))
                self.say(f"Answer file: {path}")
                if self.interactive:
                    self.say("Edit it, save it, then press Enter to have it graded.")
                    self.stdin.readline()
            result = self.drills.grade(name, path)
        except Exception as exc:  # the runner is another component: report its failure, do not crash
            seconds = self.clock() - start
            reason = f"drill part skipped: the drill runner failed on {name}: {type(exc).__name__}: {exc}"
            self.say(f"  {reason}")
            return PartResult("drill", name, "skipped", seconds, budget, reason)
        seconds = self.clock() - start
        for line in result.lines():
            self.say(f"  {line}")
        ok = bool(result.passed) and result.score >= result.max_score
        outcome = f"{'passed' if result.passed else 'failed'}, {result.score:g}/{result.max_score:g}"
        ran = result.seconds if result.seconds is not None else seconds  # no start record: our clock
        if result.timed_out:
            outcome += f", timed out (limit {result.limit_seconds:g} s)"
        else:
            outcome += f", answer written in {ran:.1f} s of its {result.limit_seconds:g} s limit"
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = str(path)
        if hasattr(result, "record"):  # the drill runner's own record: covered = cells with full marks
            result.record(self.history, text)
        else:
            engine = getattr(self.drills.DRILLS.get(name), "engine", "unknown")
            self.history.record(
                Attempt(f"{DRILL_PREFIX}{name}", (f"drill-{engine}",), float(seconds), text, (0,) if ok else (), 1,
                        self.seed)
            )
        shown = any("reference solution" in line for line in result.lines())
        if not ok and result.reference and not shown:
            self.say("Reference solution:")
            self.say(textwrap.indent(result.reference.rstrip(), "    "))
        return PartResult("drill", name, "checked", seconds, budget, outcome, ok)
