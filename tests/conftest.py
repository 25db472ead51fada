"""Suite-wide settings.

``make test`` runs one pytest worker per core. PyTorch and the BLAS libraries would each start a
thread per core inside every worker, and on a small machine those threads spin against each other
(a tiny CNN step becomes an order of magnitude slower). One thread per worker keeps the cores busy
without oversubscribing them; subprocesses (notebook kernels, Flower processes) inherit it.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

# The grader calibrates its tamper canaries on each lesson's master notebook once per grading folder,
# which costs a whole run of the lesson. The suite grades every lesson in many throw-away grading
# folders, so one cache serves them all: made by the first pytest process (the xdist controller,
# whose environment its workers inherit) and removed when that process ends.
if "PPML_LAB_CANARY_PLANS" not in os.environ:
    import atexit
    import shutil
    import tempfile

    _plans = tempfile.mkdtemp(prefix="ppml-lab-canary-plans-")
    os.environ["PPML_LAB_CANARY_PLANS"] = _plans
    atexit.register(shutil.rmtree, _plans, ignore_errors=True)



import pytest  # noqa: E402


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put the long tests (lessons, tests marked slow) first, keeping each file's own order.

    ``make test`` runs ``--dist loadfile``: a file's tests stay on one worker, so a lesson's
    module-scoped fixture (a whole graded batch of notebooks) is built once, not once per worker.
    Files are handed to workers in collection order, so the longest go first and the short ones fill
    in at the end instead of one worker finishing a lesson while the other sits idle.
    """

    def long_first(item: pytest.Item) -> int:
        lesson = "tests/lessons/" in item.nodeid
        return 0 if lesson or item.get_closest_marker("slow") else 1

    items.sort(key=long_first)
