"""``ppml-lab check LESSON [NOTEBOOK]``: how your notebook would grade, for self-study.

The notebook (default ``course/LESSON/LESSON.ipynb``) is graded by the same pipeline as
``ppml-lab grade`` (sandboxed kernel, tamper checks, nbgrader's autograde with the hidden tests), in a
grading folder of its own. Printed: the marks of every test cell by question, what failed and why
(the checks' messages, never the hidden tests' source), and the rubric of each written answer an
instructor marks by hand (pending: not scored). In the student edition, which holds no hidden tests,
the notebook's visible checks run alone and the report says that hidden tests run at grading.
Exit code 0 when the check ran, 2 on bad input.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys

from ppml_lab.cli.limits import add_limit_arguments, limits_from_args


def _has_grader() -> bool:
    """True in the kit (``autograder`` importable); False in the student edition's installation."""
    return importlib.util.find_spec("autograder") is not None


def run(args: argparse.Namespace) -> int:
    """Check the notebook and print the report."""
    if not _has_grader():
        from ppml_lab.cli.visible_checks import VisibleCheckError, check_visible

        try:
            report = check_visible(args.lesson, args.notebook, fast=args.fast, cell_timeout=args.cell_timeout)
        except VisibleCheckError as exc:
            print(f"ppml-lab check: {exc}", file=sys.stderr)
            return 2
        print("\n".join(report.lines()))
        return 0

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
    """Add the ``check`` subcommand (without the sandbox's options where there is no grader)."""
    parser = subparsers.add_parser(
        "check",
        help="grade your own notebook as the course would, and say what failed and why",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("lesson", help="lesson, e.g. 00_orientation")
    parser.add_argument("notebook", nargs="?", default=None,
                        help="your notebook (default: course/LESSON/LESSON.ipynb)")
    parser.add_argument("--fast", action="store_true", help="run the notebook in fast mode (PPML_LAB_FAST=1)")
    if _has_grader():
        parser.add_argument("--grading-dir", help="where the check grades (default: self-check/ in the grading folder)")
        add_limit_arguments(parser, who="the notebook")
    else:
        parser.add_argument("--cell-timeout", type=float, default=600.0, help="seconds per cell (default: 600)")
    parser.set_defaults(func=run)
