"""``ppml-lab interview``: a timed mock interview with model answers, rubrics and a practice history.

Answers are typed (end with an empty line or Ctrl-D) or read from ``--answer-file``. After each
answer the model answer and its rubric are shown and you tick the points you covered; that
self-assessment, not a keyword match, is what the history records. A keyword check may point out
rubric points your answer never mentions: it is labelled as a hint, never as a grade.

``--numeric`` asks calculation questions instead (a Laplace scale, an epsilon after T DP-SGD steps,
CKKS slots, SMPC rounds and bytes, k of a table, ...), each with fresh parameters drawn from
``--seed``; the answer is checked against the kit's own functions within the stated tolerance and
appended to the same history.

``--review`` asks again what the history says is due: each question sits in a Leitner box
(1-5, up one on a pass, back to 1 on a miss) and is due 1, 2, 4, 8 or 16 days after its last
attempt (see :mod:`ppml_lab.interview.review`).

``--mock`` runs one interview in order: a design question (self-assessed), a numeric question
(checked) and a coding drill (graded by ``autograder.drills``), then a report that keeps what was
checked apart from what was self-assessed, with each part's time against its share of ``--minutes``.
``--progress --plot [PATH]`` also draws accuracy and time per question by day into a PNG.
"""

from __future__ import annotations

import argparse
import random
import sys
import textwrap
import time
from pathlib import Path
from typing import TextIO


def _read_answer(stream: TextIO) -> str:
    lines = []
    for line in stream:
        if not line.strip():
            break
        lines.append(line.rstrip("\n"))
    return "\n".join(lines)


def _parse_covered(text: str, size: int) -> list[int]:
    picked = []
    for token in text.replace(",", " ").split():
        if not token.isdigit() or not 1 <= int(token) <= size:
            raise ValueError(f"rubric point numbers go from 1 to {size}, got {token!r}")
        picked.append(int(token) - 1)
    return picked


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(" ".join(text.split()), width=96, initial_indent=indent, subsequent_indent=indent)


def run_numeric(
    args: argparse.Namespace, stdin: TextIO, out: TextIO, questions: list | None = None, history=None
) -> int:
    """Ask numeric questions, check each answer within its tolerance, append each to the history."""
    from ppml_lab.interview import History, HistoryError
    from ppml_lab.interview.numeric import GENERATORS, numeric_topics, select_numeric

    if args.list_topics:
        for topic in numeric_topics():
            count = sum(g.topic == topic for g in GENERATORS.values())
            print(f"{topic:28s} {count} numeric question type(s)", file=out)
        return 0
    count = args.n if args.count is None else args.count
    try:
        if questions is None:
            questions = select_numeric(args.topic, n=count, seed=args.seed)
        history = history or History(args.history)
    except (ValueError, TypeError) as exc:
        print(f"ppml-lab interview: {exc}", file=out)
        return 2
    right = asked = 0
    for number, q in enumerate(questions, 1):
        print(
            f"\n=== Numeric {number}/{len(questions)} [{q.name}] ({q.topic}; tolerance {q.tolerance})",
            file=out,
        )
        print(_wrap(q.text), file=out)
        print("Your answer (a number):", file=out)
        start = time.monotonic()
        line = stdin.readline()
        if not line:
            print("  no answer (end of input): stopping", file=out)
            break
        ok, message = q.check(line)
        asked, right = asked + 1, right + ok
        print(f"  {message}", file=out)
        print("  Backed by: " + ", ".join([*q.lessons, *q.functions]), file=out)
        try:
            history.record_numeric(q, line.strip(), ok, seconds=time.monotonic() - start, seed=args.seed)
        except HistoryError as exc:
            print(f"ppml-lab interview: {exc}", file=out)
            return 2
    print(f"\n{right}/{asked} right; recorded {asked} attempt(s) in {history.path}", file=out)
    return 0


def load_drills() -> tuple[object | None, str]:
    """``(autograder.drills, "")`` or ``(None, why it cannot be used)``; imported only when needed."""
    try:
        import autograder.drills as drills
    except ImportError as exc:
        return None, f"autograder.drills is not available ({exc})"
    missing = [name for name in ("DRILLS", "start", "grade") if not hasattr(drills, name)]
    if missing:
        return None, f"autograder.drills lacks {missing}"
    return drills, ""


def run_mock(args: argparse.Namespace, stdin: TextIO, out: TextIO, bank: list, history, drills=None) -> int:
    """The ``--mock`` interview; ``drills`` (default: :func:`load_drills`) grades the coding part."""
    from ppml_lab.interview import HistoryError
    from ppml_lab.interview.mock import MockInterview

    reason = ""
    if drills is None:
        drills, reason = load_drills()
    try:
        mock = MockInterview(
            bank,
            history,
            stdin,
            out,
            minutes=args.minutes,
            seed=args.seed,
            drills=drills,
            drills_error=reason or "no drill runner was given",
            answer_file=None if args.answer_file is None else Path(args.answer_file),
            answer_dir=None if args.answer_dir is None else Path(args.answer_dir),
            interactive=not args.non_interactive,
            role=args.role,
            topics=args.topic,
            difficulty=args.difficulty,
        )
        mock.run()
    except (ValueError, HistoryError) as exc:
        print(f"ppml-lab interview: {exc}", file=out)
        return 2
    return 0


def _plot(args: argparse.Namespace, history, out: TextIO) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from ppml_lab.interview.progress import save_progress_plot

    try:
        path = save_progress_plot(history, args.plot, force=args.force)
    except FileExistsError as exc:
        print(f"ppml-lab interview: --plot: {exc}", file=out)
        return 2
    except ValueError as exc:
        print(f"ppml-lab interview: --plot: {exc}", file=out)
        return 2
    print(f"progress plot written to {path}", file=out)
    return 0


def run(args: argparse.Namespace, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    """Run the session described by ``args``; return an exit code."""
    from ppml_lab.interview import (
        BankError,
        History,
        HistoryError,
        Session,
        all_topics,
        keyword_hints,
        load_bank,
    )

    stdin = stdin or sys.stdin
    out = out or sys.stdout
    if args.plot and not args.progress:
        print("ppml-lab interview: --plot draws the progress: use it with --progress", file=out)
        return 2
    clash = [
        o
        for o, on in (("--numeric", args.numeric), ("--review", args.review), ("--progress", args.progress))
        if on
    ]
    if args.mock and clash:
        print(
            f"ppml-lab interview: --mock runs its own parts; it cannot be combined with {clash[0]}", file=out
        )
        return 2
    if args.numeric:
        return run_numeric(args, stdin, out)
    try:
        bank = load_bank()
    except BankError as exc:
        print(f"ppml-lab interview: {exc}", file=out)
        return 2
    if args.list_topics:
        for topic in all_topics(bank):
            count = sum(topic in q.topics for q in bank)
            print(f"{topic:28s} {count} question(s)", file=out)
        return 0
    try:
        history = History(args.history)
    except HistoryError as exc:
        print(f"ppml-lab interview: {exc}", file=out)
        return 2
    if args.progress:
        rows = history.progress()
        if not rows:
            print(f"no practice recorded yet in {history.path}", file=out)
        for topic, s in rows.items():
            if topic.startswith("numeric-"):
                cov = f"{100 * s['coverage']:.0f}% right"
            elif topic.startswith("drill-"):  # ppml-lab drill and the mock record drills by engine
                cov = f"{100 * s['coverage']:.0f}% of test cells with full marks"
            elif s["assessed"] == 0:
                cov = "not self-assessed"
            else:
                cov = f"{100 * s['coverage']:.0f}% of rubric points"
            print(f"{topic:28s} {int(s['attempts'])} attempt(s), {cov}", file=out)
        return _plot(args, history, out) if args.plot and rows else 0
    if args.mock:
        return run_mock(args, stdin, out, bank, history)
    role, topics, difficulty, n = args.role, args.topic, args.difficulty, args.n
    if args.review:
        from ppml_lab.interview.numeric import GENERATORS, generate
        from ppml_lab.interview.review import DRILL_PREFIX, due
        from ppml_lab.interview.session import NUMERIC_PREFIX

        try:
            cards = due(history.attempts(), n=args.n if args.count is None else args.count, seed=args.seed)
        except ValueError as exc:
            print(f"ppml-lab interview: {exc}", file=out)
            return 2
        if not cards:
            print(f"nothing is due for review in {history.path}", file=out)
            return 0
        print("Due for review: " + ", ".join(f"{c.question_id} (box {c.box})" for c in cards), file=out)
        drills = [c.question_id.removeprefix(DRILL_PREFIX) for c in cards if c.question_id.startswith(DRILL_PREFIX)]
        for name in drills:  # code is written in a file and graded there, not typed here
            print(f"  coding drill {name}: `ppml-lab drill {name} --dir <a new folder>`, then --check it", file=out)
        rng = random.Random(args.seed)
        names = [
            c.question_id.removeprefix(NUMERIC_PREFIX)
            for c in cards
            if c.question_id.startswith(NUMERIC_PREFIX)
        ]
        numeric = [generate(name, rng) for name in names if name in GENERATORS]
        by_id = {q.id: q for q in bank}
        bank = [by_id[c.question_id] for c in cards if c.question_id in by_id]
        if numeric:
            code = run_numeric(args, stdin, out, questions=numeric, history=history)
            if code or not bank:
                return code
        if not bank:
            if len(drills) < len(cards) - len(numeric):
                print("none of the due questions is in the bank any more", file=out)
            return 0
        role, topics, difficulty, n = None, None, None, len(bank)
    if args.answer_file is not None and not Path(args.answer_file).is_file():
        print(f"ppml-lab interview: answer file not found: {args.answer_file}", file=out)
        return 2
    try:
        session = Session(
            role=role,
            topics=topics,
            difficulty=difficulty,
            n=n,
            seed=args.seed,
            history=history,
            bank=bank,
        )
    except ValueError as exc:
        print(f"ppml-lab interview: {exc}", file=out)
        return 2
    for number, q in enumerate(session.questions, 1):
        print(
            f"\n=== Question {number}/{len(session.questions)} [{q.id}] ({q.difficulty}; {', '.join(q.topics)})",
            file=out,
        )
        print(_wrap(q.scenario), file=out)
        print(f"\nQ: {q.question}", file=out)
        session.start(q)
        start = time.monotonic()
        if args.answer_file is not None:
            answer = Path(args.answer_file).read_text(encoding="utf-8")
        else:
            print("Your answer (end with an empty line):", file=out)
            answer = _read_answer(stdin)
        seconds = time.monotonic() - start
        feedback_hints = [p.point for p in keyword_hints(answer, q)]
        print(f"\n({seconds:.0f} s, {len(answer.split())} words)", file=out)
        print("\nModel answer:", file=out)
        print(_wrap(q.model_answer), file=out)
        print("\nRubric:", file=out)
        for i, point in enumerate(q.rubric, 1):
            print(f"  [{i}] {point.point}", file=out)
        if feedback_hints:
            print("\nHint (a keyword check, not a grade): your answer never mentions:", file=out)
            for point in feedback_hints:
                print(f"  - {point}", file=out)
        covered = None
        if not args.non_interactive:
            print("\nWhich rubric points did you cover? (numbers, e.g. '1 3'; empty for none)", file=out)
            line = stdin.readline()
            try:
                covered = _parse_covered(line, len(q.rubric))
            except ValueError as exc:
                print(f"  ignored: {exc}; recording no self-assessment", file=out)
        session.answer(q, answer, covered=covered, seconds=seconds)
        print("\nFollow-ups to prepare:", file=out)
        for f in q.follow_ups:
            print(f"  - {f}", file=out)
        print("\nBacked by: " + ", ".join([*q.lessons, *q.functions]), file=out)
    print(f"\nRecorded {len(session.questions)} attempt(s) in {history.path}", file=out)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``interview`` subcommand."""
    parser = subparsers.add_parser(
        "interview", help="practise interview questions with rubrics", description=__doc__
    )
    parser.add_argument(
        "--role", choices=["ppml-specialist", "data-compliance"], help="questions for this role"
    )
    parser.add_argument("--topic", action="append", help="a topic tag (repeatable; see --list-topics)")
    parser.add_argument("--difficulty", choices=["foundation", "intermediate", "advanced"])
    parser.add_argument("-n", type=int, default=3, help="number of questions (default 3)")
    parser.add_argument("--seed", type=int, help="reproducible choice and order of questions")
    parser.add_argument("--answer-file", help="read the answer from this file instead of typing it")
    parser.add_argument(
        "--history", help="practice history database (default: ~/.local/share/ppml-lab/interview.sqlite)"
    )
    parser.add_argument("--non-interactive", action="store_true", help="skip the self-assessment prompt")
    parser.add_argument("--list-topics", action="store_true", help="list topic tags and exit")
    parser.add_argument("--progress", action="store_true", help="show per-topic progress and exit")
    parser.add_argument(
        "--numeric",
        action="store_true",
        help="numeric questions (fresh parameters, checked within a tolerance)",
    )
    parser.add_argument("--count", type=int, help="number of numeric questions (default: -n)")
    parser.add_argument(
        "--review", action="store_true", help="ask the questions due again (Leitner boxes over the history)"
    )
    parser.add_argument(
        "--plot",
        nargs="?",
        const="interview-progress.png",
        metavar="PATH",
        help="with --progress: draw accuracy and time by day into this PNG (default interview-progress.png)",
    )
    parser.add_argument("--force", action="store_true", help="let --plot replace an existing file")
    parser.add_argument(
        "--mock",
        action="store_true",
        help="a mock interview: design question, numeric question, coding drill",
    )
    parser.add_argument(
        "--minutes", type=_positive_minutes, default=45.0, help="time budget of --mock (default 45)"
    )
    parser.add_argument("--answer-dir", help="--mock: folder of drill answer files (an existing one is used)")
    parser.set_defaults(func=run)


def _positive_minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--minutes must be a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"--minutes must be > 0 and finite, got {text!r}")
    return value
