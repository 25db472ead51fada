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
