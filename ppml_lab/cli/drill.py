"""``ppml-lab drill``: timed coding drills, graded by the hidden tests of the lesson each comes from.

  ppml-lab drill --list                  the drills: lesson, function, engine, time limit
  ppml-lab drill NAME                    write drills/NAME.py (the statement, the limit, the stub)
                                         and start the clock; an existing file is never replaced
  ppml-lab drill NAME --check [FILE]     grade the answer (default drills/NAME.py) in the lesson's
                                         notebook, every other exercise solved: this drill's test
                                         cells, their messages, the time against the limit, then
                                         the reference solution; the attempt goes to the practice
                                         history as drill:NAME, which ``ppml-lab interview --review``
                                         counts as passed only on full marks

``--dir`` puts the answer file somewhere else than ``drills/``. Grading runs in fast mode, in
``drills/`` of the grading folder (``--grading-dir`` to change). Exit code 0 when the drill started
or was graded, 2 on bad input (unknown drill, missing or non-Python answer, existing answer file).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ppml_lab.cli.limits import add_limit_arguments, limits_from_args


def _list() -> int:
    from autograder.drills import DRILLS

    print(f"{'drill':29s} {'lesson':27s} {'function':29s} {'engine':10s} limit")
    for d in DRILLS.values():
        print(f"{d.id:29s} {d.lesson:27s} {d.function:29s} {d.engine:10s} {d.minutes} min")
    return 0


def run(args: argparse.Namespace) -> int:
    """Start, list or check a drill, as the options ask."""
    from autograder.drills import DrillError, get, grade, start
    from autograder.grade import GradingError
    from ppml_lab.interview import History, HistoryError

    if args.list:
        return _list()
    if not args.name:
        print("ppml-lab drill: name a drill (ppml-lab drill --list shows them)", file=sys.stderr)
        return 2
    folder = Path(args.dir) if args.dir else Path("drills")
    try:
        drill = get(args.name)
        if args.check is None:
            path = start(drill.id, folder)
            print(f"drill {drill.id}: {drill.minutes} minutes from now; write your answer in {path}")
            print(f"when done: ppml-lab drill {drill.id} --check {path}")
            return 0
        answer = Path(args.check) if isinstance(args.check, str) else folder / f"{drill.id}.py"
        limits = limits_from_args(args)
        history = History(args.history)
        report = grade(drill.id, answer, grading_dir=args.grading_dir, history=history, limits=limits)
    except (DrillError, HistoryError, GradingError, ValueError, TypeError) as exc:
        print(f"ppml-lab drill: {exc}", file=sys.stderr)
        return 2
    print("\n".join(report.lines()))
    print(f"recorded as drill:{drill.id} in {history.path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``drill`` subcommand."""
    parser = subparsers.add_parser(
        "drill",
        help="timed coding drills graded by the lessons' hidden tests",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", nargs="?", help="the drill, e.g. laplace-mechanism (see --list)")
    parser.add_argument("--list", action="store_true", help="list the drills and exit")
    parser.add_argument("--check", nargs="?", const=True, default=None, metavar="FILE",
                        help="grade the answer FILE (default: drills/NAME.py, or NAME.py in --dir)")
    parser.add_argument("--dir", help="folder of the answer files (default: drills/ in the current directory)")
    parser.add_argument("--history", help="practice history database (default: as ppml-lab interview)")
    parser.add_argument("--grading-dir", help="where answers are graded (default: drills/ in the grading folder)")
    add_limit_arguments(parser, who="the notebook")
    parser.set_defaults(func=run)
