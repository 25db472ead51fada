"""``ppml-lab course [ASSIGNMENT ...]``: regenerate ``course/`` from ``solutions/`` with nbgrader."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    """Regenerate the named lessons (default: all) and report any learner file that was backed up."""
    from autograder.pipeline import DEFAULT_GRADING_DIR, generate_course, list_assignments

    names = args.assignments or list_assignments()
    try:
        backed_up = generate_course(names)
    except ValueError as exc:
        print(f"ppml-lab course: {exc}")
        return 2
    for name in names:
        print(f"course/{name}: regenerated from solutions/{name}")
        if backed_up.get(name):
            print(
                f"  {len(backed_up[name])} file(s) in course/{name} changed; their previous versions were "
                f"copied to {DEFAULT_GRADING_DIR / 'course-backups'} first: "
                + ", ".join(str(p) for p in backed_up[name])
            )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``course`` subcommand."""
    parser = subparsers.add_parser(
        "course",
        help="regenerate the student notebooks in course/ from solutions/ (nbgrader generate_assignment)",
        description=__doc__,
    )
    parser.add_argument("assignments", nargs="*", help="lessons to regenerate (default: all)")
    parser.set_defaults(func=run)
