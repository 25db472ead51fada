"""Bytes per round: the formula against the payloads a real run moves and the compressed arrays' sizes."""

import numpy as np
import pytest

from ppml_lab.fl import (
    FedAvg,
    TorchClient,
    dequantize_int8,
    from_top_k,
    get_parameters,
    nbytes,
    quantize_int8,
    round_bytes,
    run_simulation,
    top_k,
)
from ppml_lab.models import SmallCNN


def test_round_bytes_by_hand():
    assert round_bytes(1000, 3) == (12_000, 12_000)  # float32, up and down, three clients
    assert round_bytes(1000, 3, "topk", k=10) == (3 * 80, 12_000)  # 10 values + 10 int32 indices each
    assert round_bytes(1000, 3, "int8") == (3 * 1004, 12_000)  # one byte per coordinate + a float32 scale
    assert round_bytes(5, 0) == (0, 0)


def test_round_bytes_matches_what_a_simulated_round_sends():
    rng = np.random.default_rng(0)
    clients = [TorchClient(str(i), lambda: SmallCNN(32), rng.random((6, 1, 32, 32)), rng.integers(0, 2, 6), seed=i)
               for i in range(3)]
    initial = get_parameters(SmallCNN(32))
    _, history = run_simulation(clients, FedAvg(), 1, initial_parameters=initial)
    p = sum(a.size for a in initial)
    up, down = round_bytes(p, 3)
    assert (history.rounds[-1]["bytes_received"], history.rounds[-1]["bytes_sent"]) == (up, down)
    assert down == 3 * nbytes(initial)


def test_compressed_payloads_have_the_counted_sizes_and_rebuild_the_update():
    rng = np.random.default_rng(1)
    u = rng.normal(size=500).astype(np.float32)
    idx, val = top_k(u, 20)
    assert idx.nbytes + val.nbytes == round_bytes(500, 1, "topk", k=20)[0]
    assert set(idx.tolist()) == set(np.argsort(-np.abs(u))[:20].tolist())
    dense = from_top_k(idx, val, 500)
    assert np.array_equal(dense[idx], u[idx]) and np.count_nonzero(dense) == 20
    codes, scale = quantize_int8(u)
    assert codes.nbytes + np.asarray(scale).nbytes == round_bytes(500, 1, "int8")[0]
    assert np.max(np.abs(dequantize_int8(codes, scale) - u)) <= scale / 2 + 1e-7  # rounding error at most half a step


def test_round_bytes_rejects_bad_input():
    with pytest.raises(ValueError, match="compression"):
        round_bytes(10, 2, "zip")
    with pytest.raises(ValueError, match="k"):
        round_bytes(10, 2, "topk")
    with pytest.raises(ValueError, match="k"):
        round_bytes(10, 2, "topk", k=11)
    with pytest.raises(ValueError, match="num_params"):
        round_bytes(0, 2)
