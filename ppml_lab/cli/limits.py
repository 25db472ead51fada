"""The sandbox limits as command-line options, shared by ``ppml-lab grade`` and ``ppml-lab check``.

Their defaults come from :class:`autograder.sandbox.Limits`, the one place they are set, so the two
commands and the grading pipeline never disagree about them.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograder.sandbox import Limits


def add_limit_arguments(parser: argparse.ArgumentParser, *, who: str = "a submission") -> None:
    """Add ``--cell-timeout``, ``--notebook-timeout``, ``--memory-mb``, ``--max-processes``, ``--max-output``."""
    from autograder.sandbox import Limits

    parser.add_argument("--cell-timeout", type=float, default=Limits.cell_seconds,
                        help=f"seconds per cell (default: {Limits.cell_seconds:g})")
    parser.add_argument("--notebook-timeout", type=float, default=Limits.notebook_seconds,
                        help=f"seconds per notebook (default: {Limits.notebook_seconds:g})")
    parser.add_argument("--memory-mb", type=int, default=Limits.memory_mb,
                        help=f"memory {who} may allocate, in MB (default: {Limits.memory_mb})")
    parser.add_argument("--max-processes", type=int, default=Limits.max_processes,
                        help=f"processes and threads per kernel (default: {Limits.max_processes})")
    parser.add_argument("--max-output", type=int, default=Limits.output_bytes,
                        help=f"characters of output kept per cell (default: {Limits.output_bytes:,})")


# Each field of Limits set from the command line, and the option that sets it.
_OPTIONS = {
    "cell_seconds": "--cell-timeout",
    "notebook_seconds": "--notebook-timeout",
    "memory_mb": "--memory-mb",
    "max_processes": "--max-processes",
    "output_bytes": "--max-output",
}


def limits_from_args(args: argparse.Namespace) -> Limits:
    """The :class:`Limits` the options of :func:`add_limit_arguments` ask for.

    ``Limits`` checks the values; a refused one is reported under the option's name, the name the
    user typed.
    """
    from autograder.sandbox import Limits

    values = {field: getattr(args, option[2:].replace("-", "_")) for field, option in _OPTIONS.items()}
    try:
        return Limits(**values)
    except (TypeError, ValueError) as exc:
        message = str(exc)
        for field, option in _OPTIONS.items():
            if message.startswith(field + " "):
                message = option + message[len(field):]
        raise type(exc)(message) from None
