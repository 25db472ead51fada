"""Communication cost of a round, and two ways to shrink the upload: top-k sparsification and 8-bit updates.

Every round the server sends the full model to each selected client (down) and each client sends
its result back (up). For a model of ``P`` float32 parameters and ``n`` clients both directions
carry ``4 P n`` bytes. Compressing the client's *update* (its model minus the global one):

* **top-k**: send only the ``k`` coordinates of largest magnitude, as ``k`` float32 values and ``k``
  int32 indices: ``8 k`` bytes per client;
* **8-bit quantization**: one int8 per coordinate and one float32 scale per update (symmetric,
  ``scale = max |u| / 127``): ``P + 4`` bytes per client.

The download stays a full float32 model here (the server could compress it too).
"""

from __future__ import annotations

import numpy as np

from ppml_lab._checks import check_choice, check_int

COMPRESSIONS = ("none", "topk", "int8")
FLOAT32, INT32, INT8 = 4, 4, 1


def round_bytes(num_params: int, n_clients: int, compression: str = "none", k: int | None = None) -> tuple[int, int]:
    """Bytes one round moves: ``(up, down)`` summed over ``n_clients`` for a model of ``num_params`` float32s."""
    num_params = check_int("num_params", num_params, minimum=1)
    n_clients = check_int("n_clients", n_clients, minimum=0)
    compression = check_choice("compression", compression, COMPRESSIONS)
    down = n_clients * num_params * FLOAT32
    if compression == "none":
        per_client = num_params * FLOAT32
    elif compression == "topk":
        if k is None:
            raise ValueError("k is required for compression='topk'")
        k = check_int("k", k, minimum=1)
        if k > num_params:
            raise ValueError(f"k must be at most num_params = {num_params}, got {k}")
        per_client = k * (FLOAT32 + INT32)
    else:
        per_client = num_params * INT8 + FLOAT32
    return n_clients * per_client, down


def top_k(update: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest-magnitude coordinates of a flat ``update``: (int32 indices, float32 values)."""
    flat = np.asarray(update, dtype=np.float32).ravel()
    k = check_int("k", k, minimum=1)
    if k > flat.size:
        raise ValueError(f"k must be at most the update's size {flat.size}, got {k}")
    idx = np.sort(np.argpartition(np.abs(flat), flat.size - k)[flat.size - k :]).astype(np.int32)
    return idx, flat[idx].copy()


def from_top_k(indices: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """The dense float32 update a server rebuilds from :func:`top_k` (zeros elsewhere)."""
    out = np.zeros(check_int("size", size, minimum=1), dtype=np.float32)
    out[np.asarray(indices)] = values
    return out


def quantize_int8(update: np.ndarray) -> tuple[np.ndarray, np.float32]:
    """Symmetric 8-bit quantization of a flat ``update``: int8 codes and one float32 scale."""
    flat = np.asarray(update, dtype=np.float32).ravel()
    peak = float(np.max(np.abs(flat))) if flat.size else 0.0
    scale = np.float32(peak / 127.0 if peak > 0 else 1.0)
    return np.clip(np.rint(flat / scale), -127, 127).astype(np.int8), scale


def dequantize_int8(codes: np.ndarray, scale: np.float32) -> np.ndarray:
    """The float32 update a server rebuilds from :func:`quantize_int8`."""
    return np.asarray(codes, dtype=np.float32) * np.float32(scale)
