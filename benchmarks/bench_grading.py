"""``grading``: ``ppml-lab grade`` against plain serial ``nbgrader autograde`` on the same class.

100 generated submissions of ``00_orientation`` (``--fast``: 12) — correct, partly wrong, blank and
broken answers — are graded twice in the same run, in fast mode: once with ``nbgrader autograde``
(one process, one kernel after another, the baseline) and once with ``ppml-lab grade`` (one worker
per core, sandboxed kernels forked from a preloaded zygote, tamper checks on, feedback off so both
do the same work). The figures: throughput against the baseline, and how many submissions were
lost or got a different score than nbgrader gave them.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from pathlib import Path

import nbformat

from autograder.grade import GradeOptions, _template_gradebook, grade, source_hash
from autograder.pipeline import run_nbgrader
from autograder.samples import ORIENTATION_WRONG_K as WRONG_K
from autograder.samples import ORIENTATION_WRONG_RR as WRONG_RR
from autograder.testing import notebook_with_answers, read_grades, release_notebook, solution_answers
from benchmarks.harness import Record, timer
from ppml_lab.config import FAST_ENV_VAR

A = "00_orientation"
BROKEN = "def randomized_response_epsilon(p_truth)\n    return p_truth\n"  # a syntax error


def make_class(folder: Path, n: int, seed: int = 0) -> dict[str, str]:
    """Write ``n`` submissions in nbgrader's layout; return each student's kind of answer."""
    rng = random.Random(seed)
    answers = solution_answers(A)
    kinds = {}
    for i in range(n):
        kind = rng.choices(["correct", "wrong-k", "wrong-rr", "blank", "broken"], [40, 15, 10, 20, 15])[0]
        if kind == "correct":
            nb = notebook_with_answers(A, answers)
        elif kind == "wrong-k":
            nb = notebook_with_answers(A, {**answers, "k_anonymity": WRONG_K})
        elif kind == "wrong-rr":
            nb = notebook_with_answers(A, {**answers, "rr_epsilon": WRONG_RR})
        elif kind == "blank":
            nb = release_notebook(A)
        else:
            nb = notebook_with_answers(A, {**answers, "rr_epsilon": BROKEN})
        nb.cells.append(nbformat.v4.new_markdown_cell(f"submission {i}"))
        student = f"student{i:03d}"
        (folder / student / A).mkdir(parents=True)
        nbformat.write(nb, folder / student / A / f"{A}.ipynb")
        kinds[student] = kind
    return kinds


def run(fast: bool = False) -> list[Record]:
    """Grade one generated class both ways and compare."""
    n = 12 if fast else 100
    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="ppml-lab-bench-grading-") as tmp:
        root = Path(tmp)
        make_class(root / "submissions", n)
        students = sorted(p.name for p in (root / "submissions").iterdir())

        # Baseline: plain nbgrader, serial, in its own grading folder.
        plain = root / "plain"
        template = _template_gradebook(A, root / "ours", source_hash(A))
        plain.mkdir()
        shutil.copy(template, plain / "gradebook.db")
        shutil.copytree(root / "submissions", plain / "submitted")
        with timer() as t_plain:
            run_nbgrader(["autograde", A, "--force"], grading_dir=plain, extra_env={FAST_ENV_VAR: "1"}, timeout=7200)
        expected = {s: r.score for s, r in read_grades(plain, A, students).items()}

        # ppml-lab grade: parallel workers, sandboxed kernels, tamper checks; same work (no feedback).
        with timer() as t_ours:
            summary = grade(A, root / "submissions", grading_dir=root / "ours",
                            options=GradeOptions(workers=workers, fast=True, feedback=False))
        from autograder.gradebook import History

        history = History(root / "ours")
        try:
            got = {s: r.score for s, r in history.latest(A).items() if r.status == "graded"}
        finally:
            history.close()

    lost = [s for s in students if s not in got]
    mismatched = [s for s in students if s in got and got[s] != expected.get(s)]
    note = f"{n} submissions, {workers} workers, fast mode; setup (gradebook template) excluded from both"
    return [
        Record(
            f"throughput: ppml-lab grade, {workers} workers (baseline: serial nbgrader autograde)",
            n / t_ours["seconds"], "submissions/s", baseline=n / t_plain["seconds"], target="ratio >= 1.8",
            note=note,
        ),
        Record("wall-clock, ppml-lab grade", t_ours["seconds"], "s", baseline=t_plain["seconds"], note=note),
        Record("lost or mismatched grades against nbgrader", len(lost) + len(mismatched), "submissions",
               target="value <= 0",
               note=f"lost {lost[:5]}, mismatched {mismatched[:5]}; errors {sorted(summary.errors)[:5]}"),
    ]
