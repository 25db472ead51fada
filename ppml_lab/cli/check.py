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

from ppml_lab.cli.limits import add_limit_arguments, limits_from_args


def run(args: argparse.Namespace) -> int:
    """Check the notebook and print the report."""
    from autograder.grade import GradingError
    from autograder.selfcheck import CheckError, check

    try:
        limits = limits_from_args(args)
        report = check(args.lesson, args.notebook, grading_dir=args.grading_dir, fast=args.fast, limits=limits)
    except (CheckError, ValueError, TypeError, GradingError) as exc:
        print(f"ppml-lab check: {exc}", file=sys.stderr)
        return 2
    print("\n".join(report.lines()))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``check`` subcommand."""
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
    add_limit_arguments(parser, who="the notebook")
    parser.set_defaults(func=run)
