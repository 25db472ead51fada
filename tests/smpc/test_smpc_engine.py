"""SMPC engine: ring arithmetic, sharing, Beaver products, truncation, secure LR, PSI, counters."""

import ast
import os
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from ppml_lab import datasets as ds
from ppml_lab.smpc import (
    FRAC_BITS,
    ROUNDS_PER_ITERATION,
    WAN,
    MPCSession,
    SecureLogisticRegression,
    TrustedDealer,
    beaver_matmul,
    beaver_multiply,
    decode,
    encode,
    private_set_intersection,
    reconstruct,
    share,
    sigmoid_poly,
    sigmoid_poly_plain,
    train_plaintext_poly_lr,
    truncate,
)
from ppml_lab.smpc.psi import _hash_to_point
from ppml_lab.smpc.transport import Transport

ULP = 2.0**-FRAC_BITS


def test_ring_wraps_modulo_2_64():
    a = np.array([2**64 - 1, 2**63], dtype=np.uint64)
    assert list(a + np.uint64(1)) == [0, 2**63 + 1]
    assert list(np.array([0], dtype=np.uint64) - np.uint64(1)) == [2**64 - 1]
    assert decode(encode(-1.0) + encode(1.0))[()] == 0.0


EDGES = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    ULP,
    -ULP,
    123456.789,
    -98765.4321,
    2.0 ** (62 - FRAC_BITS),
    -(2.0 ** (62 - FRAC_BITS)),
]


def test_reconstruct_of_share_is_identity_on_random_and_edge_values():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(0, 1000, 1000), EDGES])
    for n in (2, 3, 5):
        back = decode(reconstruct(share(encode(values), n)))
        assert np.allclose(back, np.round(values * 2**FRAC_BITS) / 2**FRAC_BITS, rtol=0, atol=0)
    with pytest.raises(ValueError, match="x must"):
        encode([2.0 ** (63 - FRAC_BITS)])


def test_one_share_alone_is_independent_of_the_secret():
    # seeded dealer only in tests: the same randomness for two different secrets
    secret_a, secret_b = np.zeros(20_000), np.full(20_000, 1e6)
    s_a = share(encode(secret_a), 2, np.random.default_rng(1))[1]
    s_b = share(encode(secret_b), 2, np.random.default_rng(2))[1]
    # the party-1 share is uniform on the ring whatever the secret: compare top bytes with uniform
    for s in (s_a, s_b):
        top = (s >> np.uint64(56)).astype(int)
        assert stats.chisquare(np.bincount(top, minlength=256)).pvalue > 1e-3
    assert (
        stats.ks_2samp((s_a >> np.uint64(11)).astype(float), (s_b >> np.uint64(11)).astype(float)).pvalue
        > 1e-3
    )


def test_shares_come_from_the_os_csprng(monkeypatch):
    calls = []
    real = os.urandom
    monkeypatch.setattr(os, "urandom", lambda k: calls.append(k) or real(k))
    np.random.seed(0)
    first = share(encode([1.0, 2.0]), 2)[0]
    np.random.seed(0)
    second = share(encode([1.0, 2.0]), 2)[0]
    assert calls and not np.array_equal(first, second)


def test_beaver_products_match_plaintext_in_the_ring():
    t = Transport()
    dealer = TrustedDealer(2, t)
    rng = np.random.default_rng(3)
    x, y = rng.integers(0, 2**64, (4, 5), dtype=np.uint64), rng.integers(0, 2**64, (4, 5), dtype=np.uint64)
    z = beaver_multiply(share(x), share(y), dealer.elementwise_triple((4, 5)), t)
    assert np.array_equal(reconstruct(z), x * y)
    m = rng.integers(0, 2**64, (5, 3), dtype=np.uint64)
    zm = beaver_matmul(share(x), share(m), dealer.matmul_triple((4, 5), (5, 3)), t)
    assert np.array_equal(reconstruct(zm), x @ m)
    assert t.total_rounds("online") == 2  # one round per product, however large


@pytest.mark.parametrize("value", [3.25, -3.25, -1e-4, 1234.5, -1234.5, -ULP])
def test_truncation_error_is_at_most_one_ulp_including_negatives(value):
    rng = np.random.default_rng(4)
    for _ in range(200):
        product = np.array([round(value * 2**FRAC_BITS) * 2**FRAC_BITS], dtype=np.int64).view(np.uint64)
        shares = share(product, 2, rng)
        t = Transport()
        got = decode(reconstruct(truncate(shares, TrustedDealer(2, t), t)))[0]
        assert t.total_rounds() == 1  # one opening of the masked value
        assert abs(got - value) <= ULP + ULP / 2, (value, got)


def test_shared_tensor_behaves_like_an_array():
    s = MPCSession()
    x = np.array([[1.5, -2.25, 0.5], [3.0, 0.125, -7.0]])
    y = np.array([[-0.5, 4.0, 1.0], [2.0, -1.0, 0.25]])
    X, Y = s.share(x), s.share(y, owner=1)
    tol = 4 * ULP * 10
    assert np.allclose((X + Y).reveal(), x + y, atol=tol)
    assert np.allclose((X - 2.0).reveal(), x - 2.0, atol=tol)
    assert np.allclose((X * Y).reveal(), x * y, atol=tol)
    assert np.allclose((X * 0.3).reveal(), x * 0.3, atol=tol)
    assert np.allclose((X @ Y.T).reveal(), x @ y.T, atol=tol)
    assert np.allclose(X.sum(axis=1).reveal(), x.sum(axis=1), atol=tol)
    assert np.allclose(X[1, :2].reveal(), x[1, :2]) and X.reshape(3, 2).shape == (3, 2)
    assert np.allclose((x[:, :2] @ Y[:2, :]).reveal(), x[:, :2] @ y[:2, :], atol=tol)


def test_sigmoid_approximation_matches_its_plaintext_twin():
    s = MPCSession()
    z = np.linspace(-5, 5, 41)
    got = sigmoid_poly(s.share(z)).reveal()
    assert np.allclose(got, sigmoid_poly_plain(z), atol=1e-3)
    assert np.abs(sigmoid_poly_plain(z) - 1 / (1 + np.exp(-z))).max() < 0.062


def test_secure_horizontal_lr_matches_plaintext_and_counts_rounds():
    banks = ds.bank_transactions(n_a=1500, n_b=1000, seed=1)
    (XA, yA, _), (XB, yB, _) = (
        ds.fraud_design_matrix(banks["bank_a"]),
        ds.fraud_design_matrix(banks["bank_b"]),
    )
    X, y = np.vstack([XA, XB]), np.r_[yA, yB]
    mu, sd = X.mean(0), X.std(0)
    XA, XB, X = (XA - mu) / sd, (XB - mu) / sd, (X - mu) / sd
    model = SecureLogisticRegression(learning_rate=1.0, n_iterations=15).fit_horizontal([(XA, yA), (XB, yB)])
    w = train_plaintext_poly_lr(np.hstack([X, np.ones((len(X), 1))]), y, 1.0, 15)
    assert np.allclose(model.coef_, w, atol=0.02)
    plain_acc = ((np.hstack([X, np.ones((len(X), 1))]) @ w > 0) == y).mean()
    assert abs((model.predict(X) == y).mean() - plain_acc) <= 0.01
    t = model.session.transport
    assert t.total_rounds("online") == 15 * ROUNDS_PER_ITERATION + 1  # + the final reveal
    assert t.projected_seconds(WAN) > 15 * ROUNDS_PER_ITERATION * WAN.rtt_seconds


def test_secure_vertical_lr_after_psi_alignment():
    a, b = ds.bank_transactions_vertical(600, 500, 400, seed=2)
    shared_a, shared_b, _ = private_set_intersection(a["customer_id"], b["customer_id"])
    assert shared_a == shared_b == sorted(set(a["customer_id"]) & set(b["customer_id"]))
    A = a.set_index("customer_id").loc[shared_a]
    B = b.set_index("customer_id").loc[shared_b]
    XA = np.log1p(A[ds.VERTICAL_FEATURES_A].to_numpy(float))
    XB = np.log1p(B[ds.VERTICAL_FEATURES_B].to_numpy(float))
    XA, XB = (XA - XA.mean(0)) / XA.std(0), (XB - XB.mean(0)) / XB.std(0)
    y = A["is_fraud"].to_numpy()
    model = SecureLogisticRegression(learning_rate=1.0, n_iterations=10, reveal_to=(0,)).fit_vertical(
        XA, XB, y
    )
    Xfull = np.hstack([XA, np.ones((len(XA), 1)), XB])
    w = train_plaintext_poly_lr(Xfull, y, 1.0, 10)
    assert np.allclose(model.coef_, w, atol=0.02)
    assert abs((model.predict(np.hstack([XA, XB])) == y).mean() - ((Xfull @ w > 0) == y).mean()) <= 0.01


def test_psi_returns_exactly_the_intersection_and_hides_raw_identifiers():
    ids_a = [f"DE{i:012d}" for i in range(0, 300)]
    ids_b = [f"DE{i:012d}" for i in range(200, 450)]
    got_a, got_b, messages = private_set_intersection(ids_a, ids_b)
    expected = sorted(set(ids_a) & set(ids_b))
    assert got_a == expected and got_b == expected
    sent = b"".join(messages["a"])
    for ident in ids_a[:50]:
        assert ident.encode() not in sent
        assert _hash_to_point(ident) not in messages["a"]
    assert len(messages["a"]) == len(ids_a) + len(ids_b)  # blinded own set + re-blinded other set


@pytest.mark.parametrize(
    "call,argument",
    [
        (lambda: MPCSession(n_parties=3), "n_parties"),
        (lambda: MPCSession().share([1.0], owner=5), "owner"),
        (lambda: share(encode([1.0]), 1), "n_parties"),
        (lambda: encode([np.inf]), "finite"),
        (
            lambda: SecureLogisticRegression(n_iterations=0).fit_horizontal([(np.ones((2, 1)), [0, 1])] * 2),
            "n_iterations",
        ),
    ],
)
def test_bad_arguments_name_the_problem(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


def unused_protocol_steps(protocol_source: str, other_sources: list[str]) -> list[str]:
    """Public functions of the protocol core that no other module of the package calls or imports."""
    defined = {
        n.name for n in ast.parse(protocol_source).body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")
    }
    used: set[str] = set()
    for source in other_sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "protocol":
                used.add(node.attr)
            elif isinstance(node, ast.ImportFrom) and node.module == "ppml_lab.smpc.protocol":
                used.update(alias.name for alias in node.names)
    return sorted(defined - used)


def test_every_step_of_the_protocol_core_is_used():
    package = Path(__file__).resolve().parents[2] / "ppml_lab"
    core = package / "smpc" / "protocol.py"
    others = [p.read_text(encoding="utf-8") for p in sorted(package.rglob("*.py")) if p != core]
    assert unused_protocol_steps(core.read_text(encoding="utf-8"), others) == []
