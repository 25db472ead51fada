"""Suite-wide settings.

``make test`` runs one pytest worker per core. PyTorch and the BLAS libraries would each start a
thread per core inside every worker, and on a small machine those threads spin against each other
(a tiny CNN step becomes an order of magnitude slower). One thread per worker keeps the cores busy
without oversubscribing them; subprocesses (notebook kernels, Flower processes) inherit it.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
