"""Secure comparison against plaintext, and the MAC check against tampering."""

import ast
import inspect
import secrets

import numpy as np
import pytest

from ppml_lab.smpc import MPCSession, SharedTensor, comparison, network
from ppml_lab.smpc.authenticated import PRIME, AuthenticatedSharing, MACCheckError
from ppml_lab.smpc.comparison import RELU_ROUNDS, SIGN_ROUNDS, less_than, less_than_zero, relu

EDGES = np.array([0.0, -0.0, 2.0**-16, -(2.0**-16), 1.0, -1.0, 2.0**40, -(2.0**40), 12345.678, -12345.678])


def test_sign_relu_and_less_than_match_plaintext_exactly():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(0, 100, 500), EDGES])
    encoded = np.round(values * 2**16) / 2**16
    s = MPCSession()
    x = s.share(values)
    before = s.transport.total_rounds("online")
    ltz = less_than_zero(x)
    assert s.transport.total_rounds("online") - before == SIGN_ROUNDS  # for all 510 values at once
    assert np.array_equal(ltz.reveal(), (encoded < 0).astype(float))
    before = s.transport.total_rounds("online")
    r = relu(x)
    assert s.transport.total_rounds("online") - before == RELU_ROUNDS
    assert np.array_equal(r.reveal(), np.maximum(encoded, 0.0))
    y = s.share(rng.normal(0, 100, len(values)), owner=1)
    y_plain = y.reveal()
    assert np.array_equal(less_than(x, y).reveal(), (encoded < y_plain).astype(float))


def test_mac_check_accepts_honest_openings_and_linear_operations():
    auth = AuthenticatedSharing()
    a, b = auth.share(41), auth.share(PRIME - 1)  # -1 in the field
    assert auth.open(a) == 41
    assert auth.open(a + b) == 40
    assert auth.open(a.scale(3)) == 123


def test_mac_check_rejects_every_tampered_opening():
    auth = AuthenticatedSharing()
    detected = 0
    for trial in range(1000):
        x = auth.share(secrets.randbelow(PRIME))
        delta = 1 + secrets.randbelow(PRIME - 1)
        party = trial % 2
        if trial % 3 == 0:  # tamper with the value share only
            x.values[party] = (x.values[party] + delta) % PRIME
        else:  # or with both value and MAC, by a guessed key
            x.values[party] = (x.values[party] + delta) % PRIME
            x.macs[party] = (x.macs[party] + delta * secrets.randbelow(PRIME)) % PRIME
        with pytest.raises(MACCheckError):
            auth.open(x)
        detected += 1
    assert detected == 1000


def literal_shifts(source: str) -> list[int]:
    """Line numbers of the shifts in ``source`` by a literal number (instead of a named constant)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.LShift, ast.RShift)):
            amounts = [n for n in ast.walk(node.right) if isinstance(n, ast.Constant) and n.value == 16]
            lines += [n.lineno for n in amounts]
    return lines


def test_comparison_scales_by_frac_bits_not_a_literal_16():
    source = inspect.getsource(comparison)
    assert literal_shifts(source) == []
    body = inspect.getsource(comparison.less_than_zero)
    assert "FRAC_BITS" in {n.id for n in ast.walk(ast.parse(body)) if isinstance(n, ast.Name)}


def test_the_dealer_and_the_reach_of_reveal_to_are_documented():
    doc = " ".join(network.__doc__.split())
    assert "launcher" in doc and "trusted dealer" in doc  # who deals in the two-process run
    assert "hands each bank its own data" in doc  # and that the same process hands out the data
    reveal = " ".join(SharedTensor.reveal.__doc__.split())
    assert "``to`` decides which messages are sent" in reveal and "counters" in reveal
    assert "not an access control" in reveal
