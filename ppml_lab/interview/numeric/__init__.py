"""Numeric interview questions, registered by name: ``generate("laplace-scale", seed)``.

Every generator draws its parameters from the random generator it is given (the same seed gives
the same question), computes the answer with the kit's own functions, and carries a stated
tolerance; ``NumericQuestion.check(answer)`` returns ``(ok, message)``.
"""

from ppml_lab.interview.numeric import crypto_questions, data_questions, dp_questions  # noqa: F401 (registers)
from ppml_lab.interview.numeric.core import (
    GENERATORS,
    NumericGenerator,
    NumericQuestion,
    Tolerance,
    generate,
    get_generator,
    numeric_topics,
    select_numeric,
)

__all__ = [
    "GENERATORS",
    "NumericGenerator",
    "NumericQuestion",
    "Tolerance",
    "generate",
    "get_generator",
    "numeric_topics",
    "select_numeric",
]
