"""``ppml-lab check LESSON [NOTEBOOK]``: how your notebook would grade, for self-study.

The notebook (default ``course/LESSON/LESSON.ipynb``) is graded by the same pipeline as
``ppml-lab grade`` (sandboxed kernel, tamper checks, nbgrader's autograde with the hidden tests), in a
grading folder of its own. Printed: the marks of every test cell by question, what failed and why
(the checks' messages, never the hidden tests' source), and the rubric of each written answer an
instructor marks by hand (pending: not scored). Exit code 0 when the check ran, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    """Check the notebook and print the report."""
    from autograder.grade import GradingError
    from autograder.sandbox import Limits
    from autograder.selfcheck import CheckError, check

    try:
        limits = Limits(cell_seconds=args.cell_timeout, notebook_seconds=args.notebook_timeout,
                        memory_mb=args.memory_mb)
        report = check(args.lesson, args.notebook, grading_dir=args.grading_dir, fast=args.fast, limits=limits)
    except (CheckError, ValueError, TypeError, GradingError) as exc:
        print(f"ppml-lab check: {exc}", file=sys.stderr)
        return 2
    print("\n".join(report.lines()))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``check`` subcommand."""
    from autograder.sandbox import Limits  # the one source of the limits' defaults

    parser = subparsers.add_parser(
        "check",
        help="grade your own notebook as the course would, and say what failed and why",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("lesson", help="lesson, e.g. 00_orientation")
    parser.add_argument("notebook", nargs="?", default=None,
                        help="your notebook (default: course/LESSON/LESSON.ipynb)")
    parser.add_argument("--grading-dir", help="where the check grades (default: self-check/ in the grading folder)")
    parser.add_argument("--fast", action="store_true", help="run the notebook in fast mode (PPML_LAB_FAST=1)")
    parser.add_argument("--cell-timeout", type=float, default=Limits.cell_seconds,
                        help=f"seconds per cell (default: {Limits.cell_seconds:g})")
    parser.add_argument("--notebook-timeout", type=float, default=Limits.notebook_seconds,
                        help=f"seconds per notebook (default: {Limits.notebook_seconds:g})")
    parser.add_argument("--memory-mb", type=int, default=Limits.memory_mb,
                        help=f"memory the notebook may allocate, in MB (default: {Limits.memory_mb})")
    parser.set_defaults(func=run)
