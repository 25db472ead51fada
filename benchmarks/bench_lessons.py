"""``lessons``: wall-clock time to execute each lesson's master notebook, fast mode against full size.

The fast-mode run is the baseline measured in the same run; the ratio says how much longer a
learner's full-size run takes than the test suite's.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from tqdm import tqdm

from autograder.pipeline import SOURCE_DIR, list_assignments
from benchmarks.harness import Record
from ppml_lab.config import FAST_ENV_VAR


def execute_lesson(assignment: str, *, fast: bool, timeout: int = 3600) -> float:
    """Execute ``solutions/<assignment>`` in a scratch copy; return the wall-clock seconds."""
    previous = os.environ.get(FAST_ENV_VAR)
    os.environ[FAST_ENV_VAR] = "1" if fast else "0"
    try:
        with tempfile.TemporaryDirectory(prefix="ppml-lab-bench-") as tmp:
            work = Path(tmp) / assignment
            shutil.copytree(SOURCE_DIR / assignment, work)
            nb = nbformat.read(work / f"{assignment}.ipynb", as_version=4)
            client = NotebookClient(
                nb, timeout=timeout, kernel_name="ppml-lab", resources={"metadata": {"path": str(work)}}
            )
            start = time.perf_counter()
            client.execute()
            return time.perf_counter() - start
    finally:
        if previous is None:
            os.environ.pop(FAST_ENV_VAR, None)
        else:
            os.environ[FAST_ENV_VAR] = previous


def run(fast: bool = False) -> list[Record]:
    """Time every lesson in fast mode and (unless ``fast``) at full size."""
    records = []
    for assignment in tqdm(list_assignments(), desc="lessons", unit="lesson"):
        fast_s = execute_lesson(assignment, fast=True)
        if fast:
            records.append(Record(f"{assignment} fast mode", fast_s, "s"))
            continue
        full_s = execute_lesson(assignment, fast=False)
        records.append(Record(f"{assignment} full size (baseline: fast mode)", full_s, "s", baseline=fast_s))
    return records
