"""``ppml-lab release DIR``: build the student edition, what a class receives, into an empty folder.

Written: the released notebooks (``course/``), a wheel of the reference library ``ppml_lab`` alone
(no solutions, tests, grading data, hidden tests or grader), the pinned ``constraints.txt``, an
``install.sh`` that installs it and opens JupyterLab, and a README for students. A folder that holds
anything is refused (exit code 2): nothing is overwritten.
"""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    """Build the edition and say what it holds."""
    from autograder.release import ReleaseError, build_edition

    try:
        edition = build_edition(args.dir)
    except ReleaseError as exc:
        print(f"ppml-lab release: {exc}", file=sys.stderr)
        return 2
    print(f"student edition written to {edition.root}:")
    print(f"  {len(edition.notebooks)} lesson notebooks in course/")
    print(f"  wheels/{edition.wheel.name} (the ppml_lab library only)")
    print("  README.md, install.sh, constraints.txt")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``release`` subcommand."""
    parser = subparsers.add_parser(
        "release",
        help="build the student edition (notebooks, library wheel, install script) into an empty folder",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dir", help="an empty or new folder to write the edition into")
    parser.set_defaults(func=run)
