"""Numeric interview questions: seeded generators, stated tolerances and a checker.

A generator draws fresh parameters from the random generator it is given, states the question with
them and computes the answer with the kit's own functions (so the answer is what the lessons'
library computes, not a second formula). Generators are registered by name in :data:`GENERATORS`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

TOLERANCE_KINDS = ("abs", "rel")


@dataclass(frozen=True)
class Tolerance:
    """How far an answer may be from the expected value: ``abs`` (|a - x| <= value) or ``rel``."""

    value: float
    kind: str = "rel"

    def __post_init__(self) -> None:
        if self.kind not in TOLERANCE_KINDS:
            raise ValueError(f"tolerance kind must be one of {list(TOLERANCE_KINDS)}, got {self.kind!r}")
        if isinstance(self.value, bool) or not isinstance(self.value, int | float) or not self.value > 0:
            raise ValueError(f"tolerance must be a number > 0, got {self.value!r}")
        if not math.isfinite(self.value):
            raise ValueError(f"tolerance must be finite, got {self.value!r}")

    def accepts(self, answer: float, expected: float) -> bool:
        """Whether ``answer`` is within this tolerance of ``expected``."""
        if math.isinf(expected):
            return answer == expected
        bound = self.value if self.kind == "abs" else self.value * abs(expected)
        return abs(answer - expected) <= bound

    def __str__(self) -> str:
        return f"± {self.value:g}" if self.kind == "abs" else f"± {100 * self.value:g}%"


@dataclass(frozen=True)
class NumericQuestion:
    """One drawn question: its text, the drawn parameters, the expected answer and its tolerance."""

    name: str
    topic: str
    text: str
    params: dict
    answer: float
    tolerance: Tolerance
    unit: str = ""
    lessons: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()

    def check(self, answer: float | str) -> tuple[bool, str]:
        """``(ok, message)`` for a candidate's answer (a number, or text holding one)."""
        try:
            value = float(str(answer).strip().replace(",", "")) if isinstance(answer, str) else float(answer)
        except (TypeError, ValueError):
            return (
                False,
                f"wrong: not a number: {str(answer).strip()!r}; expected {self.answer:.6g}{self.unit}",
            )
        if math.isnan(value):
            return (
                False,
                f"wrong: not a number: {str(answer).strip()!r}; expected {self.answer:.6g}{self.unit}",
            )
        expected = f"{self.answer:.6g}{self.unit} ({self.tolerance})"
        if self.tolerance.accepts(value, self.answer):
            return True, f"right: {value:g} is within {self.tolerance} of {self.answer:.6g}{self.unit}"
        return False, f"wrong: you said {value:g}, expected {expected}"


Draw = Callable[[random.Random], tuple[str, dict, float]]


@dataclass(frozen=True)
class NumericGenerator:
    """A named family of numeric questions: ``draw(rng)`` returns ``(text, params, answer)``."""

    name: str
    topic: str
    draw: Draw
    tolerance: Tolerance
    unit: str = ""
    lessons: tuple[str, ...] = ()
    functions: tuple[str, ...] = field(default_factory=tuple)

    def generate(self, rng: random.Random | np.random.Generator | int | None = None) -> NumericQuestion:
        """Draw a question from ``rng`` (a seed, ``random.Random`` or numpy ``Generator``)."""
        text, params, answer = self.draw(as_random(rng))
        return NumericQuestion(
            self.name,
            self.topic,
            text,
            params,
            float(answer),
            self.tolerance,
            self.unit,
            self.lessons,
            self.functions,
        )


GENERATORS: dict[str, NumericGenerator] = {}


def as_random(rng: random.Random | np.random.Generator | int | None) -> random.Random:
    """A ``random.Random`` from a seed, a ``random.Random`` (used as is) or a numpy ``Generator``."""
    if isinstance(rng, random.Random):
        return rng
    if isinstance(rng, np.random.Generator):
        return random.Random(int(rng.integers(0, 2**63 - 1)))
    if rng is None or (isinstance(rng, int) and not isinstance(rng, bool)):
        return random.Random(rng)
    raise TypeError(f"rng must be a seed, random.Random or numpy Generator, got {type(rng).__name__}")


def register(
    name: str,
    topic: str,
    tolerance: float,
    kind: str = "rel",
    *,
    unit: str = "",
    lessons: Sequence[str] = (),
    functions: Sequence[str] = (),
) -> Callable[[Draw], Draw]:
    """Decorator: register ``draw`` under ``name`` with its topic and tolerance."""
    tol = Tolerance(tolerance, kind)

    def decorate(draw: Draw) -> Draw:
        if name in GENERATORS:
            raise ValueError(f"name {name!r} is already registered")
        GENERATORS[name] = NumericGenerator(name, topic, draw, tol, unit, tuple(lessons), tuple(functions))
        return draw

    return decorate


def get_generator(name: str) -> NumericGenerator:
    """The generator registered as ``name`` (ValueError naming the known ones otherwise)."""
    if name not in GENERATORS:
        raise ValueError(f"name {name!r} is not a numeric question; known: {sorted(GENERATORS)}")
    return GENERATORS[name]


def generate(name: str, rng: random.Random | np.random.Generator | int | None = None) -> NumericQuestion:
    """Draw one question of generator ``name``."""
    return get_generator(name).generate(rng)


def numeric_topics() -> list[str]:
    """Every topic of the registered generators, sorted."""
    return sorted({g.topic for g in GENERATORS.values()})


def select_numeric(
    topics: Sequence[str] | None = None, n: int = 3, seed: int | None = None
) -> list[NumericQuestion]:
    """``n`` questions from generators of any of ``topics`` (all if none), drawn from one seeded stream."""
    known = numeric_topics()
    unknown = [t for t in topics or () if t not in known]
    if unknown:
        raise ValueError(f"topic {unknown} has no numeric questions; topics: {known}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"count must be an integer >= 1, got {n!r}")
    rng = random.Random(seed)
    pool = sorted(name for name, g in GENERATORS.items() if not topics or g.topic in topics)
    rng.shuffle(pool)
    picked = [pool[i % len(pool)] for i in range(n)]
    return [GENERATORS[name].generate(rng) for name in picked]


def pick(rng: random.Random, values: Sequence):
    """One of ``values``, uniformly (keeps the drawn numbers round enough to compute by hand)."""
    return values[rng.randrange(len(values))]
