"""Secure LR between two real OS processes over loopback TCP; a dying party fails fast and clearly."""

import time

import numpy as np
import pytest

from ppml_lab import datasets as ds
from ppml_lab.smpc import ROUNDS_PER_ITERATION, train_plaintext_poly_lr
from ppml_lab.smpc.network import PeerFailure, run_secure_lr_two_processes


@pytest.fixture(scope="module")
def two_banks():
    banks = ds.bank_transactions(n_a=400, n_b=300, fraud_rate_a=0.05, fraud_rate_b=0.05, seed=3)
    (Xa, ya, _), (Xb, yb, _) = (
        ds.fraud_design_matrix(banks["bank_a"]),
        ds.fraud_design_matrix(banks["bank_b"]),
    )
    mu, sd = np.vstack([Xa, Xb]).mean(0), np.vstack([Xa, Xb]).std(0)
    bias = lambda X: np.hstack([(X - mu) / sd, np.ones((len(X), 1))])  # noqa: E731
    return (bias(Xa), ya), (bias(Xb), yb)


def test_two_processes_match_plaintext_lr_and_the_round_design(two_banks):
    (Xa, ya), (Xb, yb) = two_banks
    iters = 6
    w, parties = run_secure_lr_two_processes([(Xa, ya), (Xb, yb)], n_iterations=iters, learning_rate=1.0)
    X, y = np.vstack([Xa, Xb]), np.r_[ya, yb]
    plain = train_plaintext_poly_lr(X, y, 1.0, iters)
    assert np.allclose(w, plain, atol=0.02)
    assert abs(((X @ w > 0) == y).mean() - ((X @ plain > 0) == y).mean()) <= 0.01  # within 1 point
    for p in parties:
        assert p.rounds["online"] == iters * ROUNDS_PER_ITERATION + 1  # + revealing the weights
        assert p.rounds["input"] == 3  # features and labels shared once, X - A opened once


def test_vertical_layout_in_two_processes(two_banks):
    (Xa, ya), _ = two_banks
    left, right = Xa[:, :3], Xa[:, 3:]
    w, _ = run_secure_lr_two_processes([(left, ya), (right, np.zeros(0))], layout="vertical", n_iterations=4)
    assert np.allclose(w, train_plaintext_poly_lr(Xa, ya, 1.0, 4), atol=0.02)


def test_a_party_that_dies_mid_protocol_makes_the_other_fail_fast(two_banks):
    (Xa, ya), (Xb, yb) = two_banks
    start = time.monotonic()
    with pytest.raises(PeerFailure, match="party 0: PeerFailure"):
        run_secure_lr_two_processes([(Xa, ya), (Xb, yb)], n_iterations=6, die_after_rounds=9, timeout=5.0)
    assert time.monotonic() - start < 30


def test_bad_layout_is_refused():
    with pytest.raises(ValueError, match="layout"):
        run_secure_lr_two_processes([(np.ones((2, 1)), np.ones(2))] * 2, layout="diagonal")


def test_inputs_of_several_mib_each_way_do_not_deadlock_the_two_processes():
    # each bank shares 60,000 x 10 values (4.8 MB) while the other shares its own at the same time
    rng = np.random.default_rng(4)
    X = [np.hstack([rng.normal(size=(60_000, 9)), np.ones((60_000, 1))]) for _ in range(2)]
    y = [(x[:, 0] + rng.normal(0, 1, len(x)) > 0).astype(float) for x in X]
    w, parties = run_secure_lr_two_processes(list(zip(X, y, strict=True)), n_iterations=1, timeout=15.0)
    assert np.allclose(w, train_plaintext_poly_lr(np.vstack(X), np.r_[y[0], y[1]], 1.0, 1), atol=0.02)
    assert all(p.bytes_sent["input"] > 4_800_000 for p in parties)


def test_in_process_and_two_processes_run_the_same_protocol(two_banks):
    from ppml_lab.smpc import SecureLogisticRegression
    from ppml_lab.smpc.tcp import HEADER

    (Xa, ya), (Xb, yb) = two_banks
    iters = 3
    w_tcp, parties = run_secure_lr_two_processes([(Xa, ya), (Xb, yb)], n_iterations=iters)
    model = SecureLogisticRegression(n_iterations=iters).fit_horizontal([(Xa[:, :-1], ya), (Xb[:, :-1], yb)])
    assert np.allclose(model.coef_, w_tcp, atol=1e-3)
    for p, ch in enumerate(model.session.transport.channels):
        assert dict(ch.rounds) == parties[p].rounds
        two_d, one_d = HEADER.size + 16, HEADER.size + 8  # TCP frame headers; in process, payload only
        online = ch.bytes_sent["online"] + ch.rounds["online"] * two_d
        assert online == parties[p].bytes_sent["online"]
        assert ch.bytes_sent["input"] + 2 * two_d + one_d == parties[p].bytes_sent["input"]  # X, y, X - A
        # the dealer's material, each array once: A (n, d) for the whole training, then per iteration
        # B, C, B', C' (d + n + n + d), two truncation triples (3n + 3d), the sigmoid's a, a^2, a2,
        # a2 a (4n) and its two truncation triples (6n)
        n, d = len(Xa) + len(Xb), Xa.shape[1]
        assert ch.total_bytes("offline") == parties[p].offline_bytes == 8 * (n * d + iters * (15 * n + 5 * d))
