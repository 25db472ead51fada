"""Run-time switches shared by lessons, tests and benchmarks.

Fast mode shrinks data and training so that every lesson runs in seconds in the tests;
benchmarks and learners run full size. One environment variable controls it:
``PPML_LAB_FAST=1`` (also ``true``/``yes``/``on``).
"""

from __future__ import annotations

import os

FAST_ENV_VAR = "PPML_LAB_FAST"


def fast_mode() -> bool:
    """True when ``PPML_LAB_FAST`` asks for small data and few epochs."""
    return os.environ.get(FAST_ENV_VAR, "").strip().lower() in {"1", "true", "yes", "on"}


def pick(full, fast):
    """Return ``fast`` in fast mode and ``full`` otherwise (for sizes, epochs, rounds)."""
    return fast if fast_mode() else full
