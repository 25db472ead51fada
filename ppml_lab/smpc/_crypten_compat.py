"""Importing CrypTen 0.4.1 under the kit's PyTorch, for the side-by-side benchmark only.

CrypTen 0.4.1 (``pip install crypten==0.4.1 --no-deps`` plus ``omegaconf``) imports ``onnx`` and
``torch.onnx._internal.registration`` (gone from recent PyTorch) at import time for its model converter, which secure logistic regression
on ``crypten.cryptensor`` never uses. :func:`import_crypten` puts a placeholder ``onnx`` module in
place when the real one is missing, imports CrypTen, and says which import broke otherwise.
Nothing here touches the installed packages.
"""

from __future__ import annotations

import importlib
import sys
import types


def import_crypten():
    """Import and return the ``crypten`` module, or raise ImportError saying what breaks."""
    try:
        importlib.import_module("onnx")
    except ImportError:
        stub = types.ModuleType("onnx")
        stub.numpy_helper = types.ModuleType("onnx.numpy_helper")
        sys.modules.setdefault("onnx", stub)
        sys.modules.setdefault("onnx.numpy_helper", stub.numpy_helper)
    try:
        importlib.import_module("torch.onnx._internal.registration")
    except ImportError:  # moved in recent PyTorch; CrypTen only reads it to convert ONNX models
        reg = types.ModuleType("torch.onnx._internal.registration")
        reg.registry = None
        sys.modules.setdefault("torch.onnx._internal.registration", reg)
    try:
        return importlib.import_module("crypten")
    except Exception as exc:  # report the first import that breaks, for the benchmark's note
        raise ImportError(f"{type(exc).__name__}: {exc}") from exc


def crypten_lr_seconds_per_iteration(X, y, n_iterations: int, learning_rate: float = 1.0):
    """CrypTen's 2-party full-batch LR with the kit's cubic sigmoid: (seconds per iteration, weights).

    Party 0 holds the first half of the rows, party 1 the second; two processes
    (``crypten.mpc.run_multiprocess``); timed on party 0 from the first iteration to the last.
    """
    import numpy as np
    import torch

    from ppml_lab.smpc.functions import SIGMOID_COEFFICIENTS

    crypten = import_crypten()
    import crypten.mpc as mpc

    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64).reshape(-1, 1)
    n, d = X.shape
    half = n // 2
    c0, c1, c3 = SIGMOID_COEFFICIENTS

    @mpc.run_multiprocess(world_size=2)
    def train():
        import time

        rank = crypten.communicator.get().get_rank()
        parts_X = [torch.tensor(X[:half]), torch.tensor(X[half:])]
        parts_y = [torch.tensor(y[:half]), torch.tensor(y[half:])]
        Xs = crypten.cat([crypten.cryptensor(parts_X[p] if p == rank else torch.zeros_like(parts_X[p]), src=p) for p in (0, 1)])
        ys = crypten.cat([crypten.cryptensor(parts_y[p] if p == rank else torch.zeros_like(parts_y[p]), src=p) for p in (0, 1)])
        w = crypten.cryptensor(torch.zeros(d, 1, dtype=torch.float64))
        XT = Xs.t()
        start = time.perf_counter()
        for _ in range(n_iterations):
            z = Xs.matmul(w)
            s = z * c1 + (z * z * z) * c3 + c0
            w = w - XT.matmul(s - ys) * (learning_rate / n)
        seconds = (time.perf_counter() - start) / n_iterations
        return seconds, w.get_plain_text().numpy().ravel()

    crypten.init()
    results = train()
    seconds, w = results[0]
    return float(seconds), w
