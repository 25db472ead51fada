"""``ppml-lab grade ASSIGNMENT SUBMISSIONS``: autograde a class with nbgrader, in parallel and resumably.

SUBMISSIONS is a folder of notebooks (one per student, the student id taken from the file name up
to its first ``_``), a folder in nbgrader's ``submitted/<student>/<assignment>/`` layout, one folder
per student, or a zip as Canvas or Moodle export it. Submissions are imported into the grading
folder, autograded by nbgrader in sandboxed kernels (one worker process per core), and written to
the gradebook one at a time. Running again grades only new or changed submissions; earlier grades
stay in the history.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ppml_lab.cli.limits import add_limit_arguments, limits_from_args


def run(args: argparse.Namespace) -> int:
    """Grade the batch and print the summary; 0 when every submission was handled."""
    from autograder.grade import GradeOptions, GradingError, grade

    try:
        limits = limits_from_args(args)
        options = GradeOptions(
            workers=args.workers,
            limits=limits,
            fast=args.fast,
            feedback=not args.no_feedback,
            force=args.force,
            tamper_checks=not args.no_tamper_checks,
            id_pattern=args.id_pattern,
            export=Path(args.export) if args.export else None,
            export_style=args.export_style,
            progress=not args.quiet,
        )
        summary = grade(args.assignment, args.submissions, grading_dir=args.grading_dir, options=options)
    except (ValueError, TypeError, GradingError) as exc:
        print(f"ppml-lab grade: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        for line in summary.isolation:
            print(f"  sandbox: {line}")
    print("\n".join(summary.lines()))
    if summary.interrupted:
        return 130
    return 1 if summary.errors else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``grade`` subcommand."""
    parser = subparsers.add_parser(
        "grade",
        help="autograde a class's submissions with nbgrader (parallel, sandboxed, resumable)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("assignment", help="lesson to grade, e.g. 00_orientation")
    parser.add_argument("submissions", help="folder or zip of submissions")
    parser.add_argument("--grading-dir", help="grading folder (default: $PPML_LAB_GRADING_DIR or grading/)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: number of cores)")
    parser.add_argument("--export", metavar="CSV", help="also write the gradebook as an LMS import file")
    parser.add_argument("--export-style", choices=("canvas", "moodle"), default="canvas",
                        help="column order of --export (default: canvas)")
    add_limit_arguments(parser, who="a submission")
    parser.add_argument("--id-pattern", help="regular expression with a group 'student' for ids in file names")
    parser.add_argument("--fast", action="store_true", help="grade in fast mode (PPML_LAB_FAST=1)")
    parser.add_argument("--force", action="store_true", help="grade every submission again, changed or not")
    parser.add_argument("--no-feedback", action="store_true", help="skip nbgrader generate_feedback")
    parser.add_argument("--no-tamper-checks", action="store_true",
                        help="plain nbgrader grading: no module restore, no canaries")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)
