"""The two-bank SMPC lesson grades full, zero and partial marks with the real nbgrader CLI, refuses
delegation and insecure protocols (graded on what they reveal, not only on their result), and accepts
other correct answers.

Every submission answers every exercise with one variant (a plausible mistake, a cheat or another
correct answer), so one grading run of eight notebooks covers them all; a few more cheats run
against the same graded cells in this process.
"""

import re

import pytest
from corpus_04_two_bank_fraud import (
    ADDITIVE_BLIND_PSI,
    ALWAYS_EQUAL_BLIND_PSI,
    BANK_OBJECTS_PSI,
    BOTH_HALF_STEP,
    DEALER_TRUNCATE,
    DELEGATING_PROTOCOL,
    DELEGATING_PSI,
    DELEGATING_SCORES,
    DELEGATING_STEP,
    DELEGATING_TRUNCATE,
    FUSED_SHIFT_STEP,
    INLINE_BEAVER_STEP,
    LOCAL_RECONSTRUCTION,
    NO_TRUNCATION_STEP,
    ONE_KEY_PSI,
    OPENS_SCORES_STEP,
    READS_OTHER_SHARE,
    REHASHING_PSI,
    REUSED_TRIPLE_STEP,
    SECRETS_KEY_PSI,
    SEEDED_KEY_PSI,
    SINGLY_BLINDED_PSI,
    SORTED_BLIND_PSI,
    TRUNCATE_FIRST_STEP,
    UNBLINDED_PSI,
)

from autograder.testing import (
    autograde_variants,
    notebook_with_answers,
    release_notebook,
    solution_answers,
    source_notebook,
)

A = "04_two_bank_fraud"
CELLS = {
    "test_beaver_local": 2.0,
    "test_beaver_protocol": 2.0,
    "test_beaver_rounds": 1.0,
    "test_triple_reuse": 1.0,
    "test_local_truncate": 2.0,
    "test_secure_lr_step": 2.0,
    "test_secure_lr_rounds": 1.0,
    "test_batched": 2.0,
    "test_psi_blind": 1.0,
    "test_psi_protocol": 2.0,
}
MANUAL = "interview_two_banks"  # the written answer, graded by hand
ANSWERS = ("beaver_local", "beaver_protocol", "triple_reuse", "local_truncate", "secure_lr_step", "batched", "psi_blind")

# --- beaver_local_share: plausible mistakes ------------------------------------------------------
# Forgets the public d*e term.
NO_DE_LOCAL = '''
def beaver_local_share(d, e, a_i, b_i, c_i, party):
    return c_i + d * b_i + e * a_i
'''
# Both banks add d*e: the product carries it twice.
BOTH_ADD_LOCAL = '''
def beaver_local_share(d, e, a_i, b_i, c_i, party):
    return c_i + d * b_i + e * a_i + d * e
'''
# Pairs each opened value with the wrong triple share (d with a, e with b).
SWAPPED_LOCAL = '''
def beaver_local_share(d, e, a_i, b_i, c_i, party):
    z = c_i + d * a_i + e * b_i
    if party == 0:
        z = z + d * e
    return z
'''
# --- beaver_local_share: a cheat -------------------------------------------------------------------
DELEGATING_LOCAL = '''
from ppml_lab.smpc.protocol import beaver_local_share as _kit_local

def beaver_local_share(d, e, a_i, b_i, c_i, party):
    return _kit_local(d, e, a_i, b_i, c_i, party)
'''
# --- beaver_local_share: other correct answers ---------------------------------------------------
TERNARY_LOCAL = '''
def beaver_local_share(d, e, a_i, b_i, c_i, party):
    return c_i + d * b_i + e * a_i + (d * e if party == 0 else np.zeros_like(d))
'''
PYTHON_INT_LOCAL = '''
def beaver_local_share(d, e, a_i, b_i, c_i, party):
    # Python integers, reduced mod 2^64 by hand
    flat = [(int(c) + int(dd) * int(b) + int(ee) * int(a) + (int(dd) * int(ee) if party == 0 else 0)) % 2**64
            for dd, ee, a, b, c in zip(d.ravel(), e.ravel(), a_i.ravel(), b_i.ravel(), c_i.ravel())]
    return np.array(flat, dtype=np.uint64).reshape(d.shape)
'''

# --- beaver_multiply_shares: plausible mistakes (each computes its shares inline) ----------------
# Right result, but d and e are opened in two rounds.
TWO_ROUNDS = '''
def beaver_multiply_shares(x_shares, y_shares, triple, transport):
    dd = transport.exchange([x_shares[i] - triple.a[i] for i in range(2)])
    ee = transport.exchange([y_shares[i] - triple.b[i] for i in range(2)])
    d, e = dd[0] + dd[1], ee[0] + ee[1]
    z = [triple.c[i] + d * triple.b[i] + e * triple.a[i] for i in range(2)]
    z[0] = z[0] + d * e
    return z
'''
# Takes party 0's message for the opened value, forgetting to add party 1's.
ONE_MESSAGE = '''
def beaver_multiply_shares(x_shares, y_shares, triple, transport):
    n = x_shares[0].size
    opened = transport.exchange([np.concatenate([(x_shares[i] - triple.a[i]).ravel(),
                                                 (y_shares[i] - triple.b[i]).ravel()]) for i in range(2)])
    d, e = opened[0][:n].reshape(x_shares[0].shape), opened[0][n:].reshape(x_shares[0].shape)
    z = [triple.c[i] + d * triple.b[i] + e * triple.a[i] for i in range(2)]
    z[0] = z[0] + d * e
    return z
'''
# Opens d, but each bank uses its own y_i - b_i for e.
E_NOT_OPENED = '''
def beaver_multiply_shares(x_shares, y_shares, triple, transport):
    opened = transport.exchange([x_shares[i] - triple.a[i] for i in range(2)])
    d = opened[0] + opened[1]
    z = []
    for i in range(2):
        e = y_shares[i] - triple.b[i]
        z.append(triple.c[i] + d * triple.b[i] + e * triple.a[i] + (d * e if i == 0 else 0))
    return z
'''
# --- beaver_multiply_shares: an insecure protocol ------------------------------------------------
# Opens x and y in one round, multiplies in the clear, re-shares: right result, one round.
OPENS_INPUTS = '''
def beaver_multiply_shares(x_shares, y_shares, triple, transport):
    n = x_shares[0].size
    opened = transport.exchange([np.concatenate([x_shares[i].ravel(), y_shares[i].ravel()]) for i in range(2)])
    both = opened[0] + opened[1]
    z = (both[:n] * both[n:]).reshape(x_shares[0].shape)
    mask = np.random.default_rng().integers(0, 2**64, z.shape, dtype=np.uint64, endpoint=False)
    return [z - mask, mask]
'''
# --- beaver_multiply_shares: other correct answers -----------------------------------------------
PER_PARTY = '''
def beaver_multiply_shares(x_shares, y_shares, triple, transport):
    # each bank's own code, run for both banks by the transport (as over a real network)
    def bank(p, channel):
        mine = np.concatenate([(x_shares[p] - triple.a[p]).ravel(), (y_shares[p] - triple.b[p]).ravel()])
        both = mine + channel.exchange(mine)
        n = x_shares[p].size
        d, e = both[:n].reshape(x_shares[p].shape), both[n:].reshape(x_shares[p].shape)
        return beaver_local_share(d, e, triple.a[p], triple.b[p], triple.c[p], p)
    return transport.run(bank)
'''
STACKED = '''
def beaver_multiply_shares(x_shares, y_shares, triple, transport):
    opened = transport.exchange([np.stack([x_shares[i] - triple.a[i], y_shares[i] - triple.b[i]]) for i in range(2)])
    d, e = opened[0] + opened[1]
    shares = []
    for i in range(2):
        z = triple.c[i] + d * triple.b[i] + e * triple.a[i]
        shares.append(z + d * e if i == 0 else z)
    return shares
'''

# --- triple_reuse_leak: plausible mistakes ---------------------------------------------------------
# The differences the wrong way round: x' - x.
FLIPPED_REUSE = '''
def triple_reuse_leak(d, e, d_again, e_again):
    return d_again - d, e_again - e
'''
# Subtracts within one product (d - e) instead of across the two products.
WITHIN_REUSE = '''
def triple_reuse_leak(d, e, d_again, e_again):
    return d - e, d_again - e_again
'''
# Adds the openings: the masks do not cancel.
ADDED_REUSE = '''
def triple_reuse_leak(d, e, d_again, e_again):
    return d + d_again, e + e_again
'''
# --- triple_reuse_leak: a cheat -------------------------------------------------------------------
DELEGATING_REUSE = '''
from ppml_lab.smpc import triple_reuse_leak as _kit_leak

def triple_reuse_leak(d, e, d_again, e_again):
    return _kit_leak(d, e, d_again, e_again)
'''
# --- triple_reuse_leak: other correct answers -----------------------------------------------------
SUBTRACT_REUSE = '''
def triple_reuse_leak(d, e, d_again, e_again):
    return np.subtract(d, d_again), np.subtract(e, e_again)
'''
PYTHON_INT_REUSE = '''
def triple_reuse_leak(d, e, d_again, e_again):
    def diff(u, v):
        return np.array([(int(p) - int(q)) % 2**64 for p, q in zip(u.ravel(), v.ravel())],
                        dtype=np.uint64).reshape(u.shape)
    return diff(d, d_again), diff(e, e_again)
'''

# --- local_truncate: plausible mistakes -----------------------------------------------------------
# Both banks shift the same way (arithmetic shift of the signed share): always rounds down, and
# one unit below floor(x / 2^f) half the time.
SAME_SHIFT_TRUNCATE = '''
def local_truncate(shares, bits=FRAC_BITS):
    return [(s.view(np.int64) >> bits).view(np.uint64) for s in shares]
'''
# Forgets the ring modulus: shifts both unsigned shares, although x_0 + x_1 = x + 2^64.
NO_MODULUS_TRUNCATE = '''
def local_truncate(shares, bits=FRAC_BITS):
    return [s >> np.uint64(bits) for s in shares]
'''
# Bank 1 negates its share but forgets to negate back.
NO_NEGATE_BACK_TRUNCATE = '''
def local_truncate(shares, bits=FRAC_BITS):
    return [shares[0] >> np.uint64(bits), (-shares[1]) >> np.uint64(bits)]
'''
# --- local_truncate: an insecure protocol -----------------------------------------------------------
# Adds up both shares, truncates the reconstructed value, re-shares it: exactly right, and x seen.
RECONSTRUCTING_TRUNCATE = '''
def local_truncate(shares, bits=FRAC_BITS):
    x = (shares[0] + shares[1]).view(np.int64) >> bits
    mask = np.random.default_rng().integers(0, 2**64, x.shape, dtype=np.uint64, endpoint=False)
    return [x.view(np.uint64) - mask, mask]
'''
# --- local_truncate: other correct answers ----------------------------------------------------------
PYTHON_INT_TRUNCATE = '''
def local_truncate(shares, bits=FRAC_BITS):
    x0, x1 = shares
    z0 = [int(v) // 2**bits for v in x0.ravel()]
    z1 = [(2**64 - ((2**64 - int(v)) % 2**64) // 2**bits) % 2**64 for v in x1.ravel()]
    return [np.array(z0, dtype=np.uint64).reshape(x0.shape), np.array(z1, dtype=np.uint64).reshape(x1.shape)]
'''
FLOOR_DIVIDE_TRUNCATE = '''
def local_truncate(shares, bits=FRAC_BITS):
    scale, zero = np.uint64(2**bits), np.zeros_like(shares[1])
    return [shares[0] // scale, zero - (zero - shares[1]) // scale]
'''


# --- batched_scores: plausible mistakes ----------------------------------------------------------
# The unbatched loop the lab warns about.
LOOPED = '''
def batched_scores(X, w):
    from ppml_lab.smpc import SharedTensor
    parts = [(X[i] * w).sum() for i in range(X.shape[0])]
    return SharedTensor([np.array([p.shares[k] for p in parts]) for k in range(2)], X.session)
'''
# One product per feature: rounds grow with d.
PER_FEATURE = '''
def batched_scores(X, w):
    total = X[:, 0] * w[0]
    for j in range(1, X.shape[1]):
        total = total + X[:, j] * w[j]
    return total
'''
# Opens the scores: the right numbers, but revealed, where the next step needs them shared.
REVEALED = '''
def batched_scores(X, w):
    return (X @ w).reveal()
'''
# --- batched_scores: an insecure protocol --------------------------------------------------------
# Reveals X and multiplies the public matrix by the shared w: MUL_ROUNDS rounds, right scores.
REVEALS_X = '''
def batched_scores(X, w):
    return X.reveal() @ w
'''
# --- batched_scores: other correct answers -------------------------------------------------------
BROADCAST = '''
def batched_scores(X, w):
    return (X * w).sum(axis=1)
'''
COLUMN = '''
def batched_scores(X, w):
    return (X @ w.reshape(-1, 1)).reshape(-1)
'''

VARIANTS = {
    # name: answers in ANSWERS order, marks per cell in CELLS order
    "wrong1": ((NO_DE_LOCAL, TWO_ROUNDS, FLIPPED_REUSE, SAME_SHIFT_TRUNCATE, NO_TRUNCATION_STEP, LOOPED,
                UNBLINDED_PSI), (0, 2, 0, 0, 0, 0, 1, 0, 0, 0)),
    "wrong2": ((BOTH_ADD_LOCAL, ONE_MESSAGE, WITHIN_REUSE, NO_MODULUS_TRUNCATE, TRUNCATE_FIRST_STEP, PER_FEATURE,
                ONE_KEY_PSI), (0, 0, 1, 0, 0, 0, 1, 0, 1, 0)),
    "wrong3": ((SWAPPED_LOCAL, E_NOT_OPENED, ADDED_REUSE, NO_NEGATE_BACK_TRUNCATE, REUSED_TRIPLE_STEP, REVEALED,
                REHASHING_PSI), (0, 0, 1, 0, 0, 2, 0, 0, 0, 0)),
    "cheat": ((DELEGATING_LOCAL, OPENS_INPUTS, DELEGATING_REUSE, RECONSTRUCTING_TRUNCATE, OPENS_SCORES_STEP,
               REVEALS_X, DELEGATING_PSI), (0,) * 10),
    "alt1": ((TERNARY_LOCAL, PER_PARTY, SUBTRACT_REUSE, PYTHON_INT_TRUNCATE, FUSED_SHIFT_STEP, BROADCAST,
              SECRETS_KEY_PSI), (2, 2, 1, 1, 2, 2, 1, 2, 1, 2)),
    "alt2": ((PYTHON_INT_LOCAL, STACKED, PYTHON_INT_REUSE, FLOOR_DIVIDE_TRUNCATE, INLINE_BEAVER_STEP, COLUMN,
              BANK_OBJECTS_PSI), (2, 2, 1, 1, 2, 2, 1, 2, 1, 2)),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    answers = solution_answers(A)
    assert set(answers) == {*ANSWERS, MANUAL}
    notebooks = {"solution": notebook_with_answers(A, answers), "blank": release_notebook(A)}
    for name, (sources, _) in VARIANTS.items():
        notebooks[name] = notebook_with_answers(A, dict(zip(ANSWERS, sources, strict=True)))
    assert len(notebooks) <= 8
    return autograde_variants(A, notebooks, tmp_path_factory.mktemp("grade04"), timeout=1800)


@pytest.mark.timeout(1800)
def test_two_bank_lesson_grades_solution_full_and_blank_zero(graded):
    full, blank = graded["solution"], graded["blank"]
    assert full.cells == {k: (v, v) for k, v in CELLS.items()}, full.cells
    assert full.score == full.max_score == sum(CELLS.values())
    assert blank.score == 0 and blank.max_score == sum(CELLS.values()), blank.cells
    assert MANUAL not in full.cells and MANUAL not in blank.cells


@pytest.mark.timeout(1800)
def test_two_bank_lesson_written_answer_waits_for_the_instructor(graded):
    solution = graded["solution"]
    assert solution.manual == {MANUAL: (None, 3.0)} and solution.manual_pending == [MANUAL]
    assert solution.manual_max_score == 3 and solution.manual_score == 0
    for name in ("blank", *VARIANTS):  # left as released: nbgrader's automatic 0, nothing to mark
        assert graded[name].manual == {MANUAL: (0.0, 3.0)} and graded[name].manual_pending == [], name


def test_two_bank_lesson_rubric_is_the_instructors_only():
    def written(nb):
        return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == MANUAL)

    master, released = written(source_notebook(A)), written(release_notebook(A))
    meta = master.metadata["nbgrader"]
    assert master.cell_type == "markdown" and meta["points"] == 3
    assert meta["solution"] and meta["grade"] and not meta["task"] and not meta["locked"]
    assert "Rubric (3 points" in master.source and master.source.count("### BEGIN SOLUTION") == 1
    assert released.source == "YOUR ANSWER HERE"


@pytest.mark.timeout(1800)
def test_two_bank_lesson_marks_wrong_answers_cheats_and_alternatives(graded):
    marks = {name: tuple(graded[name].cells[c][0] for c in CELLS) for name in VARIANTS}
    assert marks == {name: tuple(float(m) for m in want) for name, (_, want) in VARIANTS.items()}


@pytest.mark.timeout(1800)
def test_two_bank_lesson_says_what_leaked_and_what_was_called(graded):
    cheat = graded["cheat"]
    assert "the reference implementation it is graded against" in cheat.outputs_text("test_beaver_local")
    assert "a round opened x or y" in cheat.outputs_text("test_beaver_protocol")
    rounds = cheat.outputs_text("test_beaver_rounds")  # one round, but it opens x and y
    assert "the protocol is not secret" in rounds and "equals x" in rounds, rounds
    batched = cheat.outputs_text("test_batched")
    assert "the protocol is not secret" in batched and "it holds X" in batched, batched
    assert "2 rounds" in graded["wrong1"].outputs_text("test_beaver_rounds")
    assert "the reference implementation it is graded against" in cheat.outputs_text("test_triple_reuse")
    truncated = cheat.outputs_text("test_local_truncate")
    assert "two calls on the same shares gave different shares of x / 2^16" in truncated, truncated
    assert "came out neither floor(x / 2^bits) nor one unit above" in graded["wrong1"].outputs_text(
        "test_local_truncate"
    )
    assert "truncated on shares came out" in graded["wrong2"].outputs_text("test_local_truncate")
    # the plaintext step opens X, w and what follows from them; which of them the secrecy check names
    # first depends on the run's fresh shares, and every one of them gives the answer no marks
    step = cheat.outputs_text("test_secure_lr_step")
    assert "the protocol is not secret" in step, step
    assert any(f"it holds {what}" in step for what in ("the scores X @ w", "the errors", "X", "w", "y")), step
    assert "triples[0] masked X in 2 rounds" in graded["wrong3"].outputs_text("test_secure_lr_rounds")
    assert "the step differs from plaintext" in graded["wrong1"].outputs_text("test_secure_lr_step")
    assert "a dictionary attack recovers" in graded["wrong1"].outputs_text("test_psi_protocol")
    assert "psi_blind(...) must be a builtins.list; got set" in graded["wrong1"].outputs_text("test_psi_blind")
    assert "both banks used one key" in graded["wrong2"].outputs_text("test_psi_protocol")
    assert "the reference implementation it is graded against" in cheat.outputs_text("test_psi_blind")
    assert "ppml_lab.smpc.private_set_intersection" in cheat.outputs_text("test_psi_protocol")


# --- more cheats (corpus_04_two_bank_fraud), against the same graded cells in this process ------
@pytest.fixture(scope="module")
def lesson():
    sources = {
        c.metadata.get("nbgrader", {}).get("grade_id"): c.source
        for c in source_notebook(A).cells
        if c.cell_type == "code"
    }
    namespace: dict = {}
    exec(sources["setup"], namespace)
    exec("from ppml_lab.smpc import SharedTensor, Transport", namespace)  # imported by earlier graded cells
    exec(sources["beaver_local"], namespace)
    exec(sources["test_beaver_local"], namespace)  # defines the dealer the later cells use
    exec(sources["psi-helpers"], namespace)
    return sources, namespace


@pytest.mark.parametrize(
    ("answer_id", "cells", "answer", "message"),
    [  # each case names itself: its id travels with its parameters
        pytest.param("beaver_protocol", ("test_beaver_protocol", "test_beaver_rounds"), DELEGATING_PROTOCOL,
                     "the reference implementation", id="delegating-protocol"),
        pytest.param("beaver_protocol", ("test_beaver_protocol", "test_beaver_rounds"), LOCAL_RECONSTRUCTION,
                     "share of x*y changed when only party", id="local-reconstruction"),
        pytest.param("batched", ("test_batched",), DELEGATING_SCORES, "the reference implementation",
                     id="delegating-scores"),
        pytest.param("secure_lr_step", ("test_secure_lr_step",), DELEGATING_STEP, "the reference implementation",
                     id="delegating-step"),
        pytest.param("secure_lr_step", ("test_secure_lr_step",), BOTH_HALF_STEP, "the step differs from plaintext",
                     id="both-half-step"),
        pytest.param("psi_blind", ("test_psi_protocol",), SEEDED_KEY_PSI,
                     "never from a seeded or non-cryptographic generator", id="seeded-key-psi"),
        pytest.param("psi_blind", ("test_psi_protocol",), SINGLY_BLINDED_PSI, "the intersection is",
                     id="singly-blinded-psi"),
        pytest.param("psi_blind", ("test_psi_blind",), SORTED_BLIND_PSI, "for each point, in order",
                     id="sorted-blind-psi"),
        pytest.param("psi_blind", ("test_psi_blind",), ADDITIVE_BLIND_PSI, "for each point, in order",
                     id="additive-blind-psi"),
        pytest.param("psi_blind", ("test_psi_blind",), ALWAYS_EQUAL_BLIND_PSI,
                     "psi_blind(...) must be a builtins.list; got", id="always-equal-blind-psi"),
        pytest.param("local_truncate", ("test_local_truncate",), DELEGATING_TRUNCATE, "the reference implementation",
                     id="delegating-truncate"),
        pytest.param("local_truncate", ("test_local_truncate",), DEALER_TRUNCATE,
                     "it calls ppml_lab.smpc.TrustedDealer", id="dealer-truncate"),
        pytest.param("local_truncate", ("test_local_truncate",), READS_OTHER_SHARE,
                     "party 0's share of x / 2^16 changed when only party 1's share changed", id="reads-other-share"),
    ],
)
def test_graded_cells_refuse_more_cheats(lesson, answer_id, cells, answer, message):
    sources, base = lesson
    for cell in cells:
        namespace = dict(base)
        exec(answer, namespace)
        with pytest.raises(AssertionError, match=re.escape(message)):
            exec(sources[cell], namespace)


def test_each_of_the_more_cheats_is_named_after_its_answer():
    # a case's id is its answer's name in kebab case, so a report names the cheat that was run
    names = {value: name for name, value in globals().items() if name.isupper() and isinstance(value, str)}
    (mark,) = [m for m in test_graded_cells_refuse_more_cheats.pytestmark if m.name == "parametrize"]
    for case in mark.args[1]:
        answer = case.values[2]
        assert case.id == names[answer].lower().replace("_", "-"), (case.id, names[answer])
