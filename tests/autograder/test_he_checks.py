"""Server-side HE answers are refused when they decrypt, reach for the secret key or encrypt afresh."""

import math

import numpy as np
import pytest
import tenseal as ts

from autograder.checks import DelegationError, assert_own_implementation
from autograder.he_checks import DEPTH_TOPICS, ServerDecrypts, levels_left, run_on_server, server_ciphertext
from ppml_lab.he import KeyOwner, Server, polynomial_levels, score_encrypted

X = np.random.default_rng(0).normal(size=(8, 3))


@pytest.fixture(scope="module")
def parties():
    owner = KeyOwner("n4096_depth1")
    server = Server(owner.public_context())
    columns = [server.load(owner.encrypt(X[:, j]).serialize()) for j in range(3)]
    return owner, server, columns


def honest(columns, weights, bias):
    total = columns[0] * float(weights[0])
    for col, w in zip(columns[1:], weights[1:], strict=True):
        total = total + col * float(w)
    return total + float(bias)


def test_honest_server_answer_passes(parties):
    owner, _, columns = parties
    got = server_ciphertext(run_on_server(honest, score_encrypted, columns, [0.5, -1.0, 2.0], 0.1), ts.CKKSVector)
    assert levels_left(got) == levels_left(columns[0]) - 1
    assert np.allclose(np.array(owner.decrypt(got))[:8], X @ [0.5, -1.0, 2.0] + 0.1, atol=1e-3)


def test_decrypting_with_the_owners_context_is_refused_with_its_name(parties):
    owner, _, columns = parties

    def relink(columns, weights, bias):  # loads the bytes on the key owner's context and decrypts
        plain = np.column_stack([ts.ckks_vector_from(owner._context, c.serialize()).decrypt() for c in columns])
        return honest(columns, weights, bias) + 0.0 * float(plain.sum())

    with pytest.raises(ServerDecrypts, match=r"CKKSVector.decrypt.*the server never decrypts"):
        run_on_server(relink, score_encrypted, columns, [1.0, 1.0, 1.0], 0.0)


def test_fresh_encryption_of_a_plaintext_result_is_refused(parties):
    owner, _, columns = parties

    def fresh(columns, weights, bias):
        return ts.ckks_vector(owner._context, list(X @ np.asarray(weights) + bias))

    with pytest.raises(ServerDecrypts, match=r"tenseal.ckks_vector"):
        run_on_server(fresh, score_encrypted, columns, [1.0, 1.0, 1.0], 0.0)
    # even built without the forbidden call, the result sits on a context with the secret key
    made = ts.CKKSVector(owner._context, list(X @ np.ones(3)))
    with pytest.raises(ServerDecrypts, match="holds the secret key"):
        server_ciphertext(made, ts.CKKSVector)


def test_a_ciphertext_subclass_is_refused_before_decrypting(parties):
    _, _, columns = parties

    # named like TenSEAL's class (its data setter looks the name up), comparing equal to anything
    AnyVector = type("CKKSVector", (ts.CKKSVector,), {"__eq__": lambda self, other: True})
    disguised = AnyVector.__new__(AnyVector)
    disguised.data = columns[0].data
    with pytest.raises(AssertionError, match="must be a tenseal.tensors.ckksvector.CKKSVector"):
        server_ciphertext(disguised, ts.CKKSVector)
    with pytest.raises(AssertionError, match="tenseal"):
        server_ciphertext([columns[0]], ts.CKKSVector)


def test_depth_counted_by_tenseal_polyval_is_refused():
    owner = KeyOwner("n4096_depth1")
    vector = owner.encrypt([0.5])

    def measured(degree):  # lets TenSEAL evaluate a polynomial and counts the primes it used
        if degree < 1:
            raise ValueError("degree")
        before = levels_left(vector)
        try:
            after = levels_left(vector.polyval([0.0, 1.0]))
        except ValueError:
            after = 0
        return 1 + (before - after) * math.ceil(math.log2(degree + 1))

    with pytest.raises(DelegationError, match="polyval"):
        assert_own_implementation(measured, polynomial_levels, 1, forbid=DEPTH_TOPICS)


def test_a_sibling_kit_function_is_named_as_decryption(parties):
    owner, _, columns = parties

    def via_refresh(columns, weights, bias):
        return owner.refresh(honest(columns, weights, bias))

    with pytest.raises(ServerDecrypts, match="ppml_lab.he.KeyOwner"):
        run_on_server(via_refresh, score_encrypted, columns, [1.0, 1.0, 1.0], 0.0)


def test_slot_sums_that_rotate_for_the_learner_are_refused_and_the_kit_rotate_is_allowed(parties):
    from autograder.he_checks import SLOT_SUM_TOPICS
    from ppml_lab.he import rotate, rotation_sum

    owner, server, _ = parties
    vector = server.load(owner.encrypt([1.0, 2.0, 3.0, 4.0] + [0.0] * (owner.params.slots - 4)).serialize())

    def own(vector, n):
        total, step = vector, 1
        while step < n:
            total = total + rotate(total, step)
            step *= 2
        return total

    got = run_on_server(own, rotation_sum, vector, 4, allowed=[rotate], forbid=SLOT_SUM_TOPICS)
    assert abs(owner.decrypt(got)[0] - 10.0) < 1e-3
    for cheat in (lambda v, n: v.sum(), lambda v, n: v.dot([1.0] * n), lambda v, n: v.matmul([[1.0]] * n)):
        with pytest.raises(DelegationError, match="tenseal"):
            run_on_server(cheat, rotation_sum, vector, 4, allowed=[rotate], forbid=SLOT_SUM_TOPICS)
    with pytest.raises(DelegationError):  # a rotation helper that is not allowed: the kit's own sum
        run_on_server(own, rotation_sum, vector, 4, forbid=SLOT_SUM_TOPICS)
