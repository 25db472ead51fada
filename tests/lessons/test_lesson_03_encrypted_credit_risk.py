"""The encrypted credit-risk lesson grades right from wrong with the real nbgrader CLI.

Eight notebooks in one grading run: the solution, the blank release and six submissions, each
answering every exercise with one variant (a plausible mistake, a cheat, or another correct answer),
so the run does not grow with the number of exercises. Cheats on the server's side decrypt or encrypt
afresh with the key owner's context; the others hand the work to the kit.
"""

import pytest
from corpus_03_encrypted_credit_risk import (
    BIAS_EACH,
    BITS_DEPTH,
    DECRYPTING_GRADIENT,
    DECRYPTING_PAILLIER,
    DOT_GRADIENT,
    DOUBLE_FIRST,
    ERROR_ONLY,
    FIRST_PRIMES,
    FLOOR_DEPTH,
    FLOOR_ROUNDS,
    FRACTION_PRECISION,
    FRESH_SCORES,
    HALVING_ROTATIONS,
    INPLACE_GRADIENT,
    KIT_DEPTH,
    KIT_PACK,
    KIT_PRECISION,
    LINEAR_DEPTH,
    LINEAR_ROTATIONS,
    LOG_DEGREE_DEPTH,
    LOG_PRECISION,
    LOOP_DEPTH,
    LOOP_PACK,
    METHOD_SCORES,
    N_MINUS_ONE,
    NO_BIAS,
    NO_CHECK_PACK,
    NO_PADDING,
    NO_SUM,
    ONE_TOTAL,
    PAD_PACK,
    RECURSIVE_ROTATIONS,
    REDUCE_PAILLIER,
    RIGHT_SHIFTS,
    ROW_MAJOR,
    SHIFTED,
    SUM_SCORES,
    SUMMED_DEVIATIONS,
    TENSEAL_SUM,
    TIMES_N,
    WITH_SPECIAL,
    ZERO_START_PAILLIER,
)
from corpus_03_sigmoid import (
    GAUSS_SIGMOID,
    HALF_INTERVAL_SIGMOID,
    POLYFIT_SIGMOID,
    SCALED_LSTSQ_SIGMOID,
    SHORT_VANDER_SIGMOID,
    TAYLOR_SIGMOID,
)
from written_answers import assert_written_answer_graded_by_hand

from autograder.testing import (
    autograde_variants,
    notebook_with_answers,
    release_notebook,
    solution_answers,
    source_notebook,
)

A = "03_encrypted_credit_risk"

SUBMISSIONS = ("wrong1", "wrong2", "wrong3", "cheat", "alt1", "alt2")
# answer cell: its test cells, then one (code, marks of each test cell) per submission, in that order
ANSWERS = {
    "depth": (("test_depth",), [(LINEAR_DEPTH, 0), (FLOOR_DEPTH, 0), (LOG_DEGREE_DEPTH, 0), (KIT_DEPTH, 0),
                                (BITS_DEPTH, 2), (LOOP_DEPTH, 2)]),
    "sigmoid": (("test_sigmoid",), [(TAYLOR_SIGMOID, 0), (HALF_INTERVAL_SIGMOID, 0), (SHORT_VANDER_SIGMOID, 0),
                                    (POLYFIT_SIGMOID, 0), (SCALED_LSTSQ_SIGMOID, 2), (GAUSS_SIGMOID, 2)]),
    "precision": (("test_precision",), [(FIRST_PRIMES, 0), (WITH_SPECIAL, 0), (SUMMED_DEVIATIONS, 0),
                                        (KIT_PRECISION, 0), (FRACTION_PRECISION, 2), (LOG_PRECISION, 2)]),
    "scores": (("test_scores",), [(NO_BIAS, 0), (BIAS_EACH, 0), (SHIFTED, 0), (FRESH_SCORES, 0),
                                  (SUM_SCORES, 3), (METHOD_SCORES, 3)]),
    "pack": (("test_pack",), [(ROW_MAJOR, 0), (NO_PADDING, 0), (NO_CHECK_PACK, 0), (KIT_PACK, 0),
                              (LOOP_PACK, 2), (PAD_PACK, 2)]),
    "gradient": (("test_gradient",), [(ERROR_ONLY, 0), (NO_SUM, 0), (ONE_TOTAL, 0), (DECRYPTING_GRADIENT, 0),
                                      (DOT_GRADIENT, 3), (INPLACE_GRADIENT, 3)]),
    "rotsum": (("test_rotsum",), [(LINEAR_ROTATIONS, 0), (RIGHT_SHIFTS, 0), (FLOOR_ROUNDS, 0), (TENSEAL_SUM, 0),
                                  (HALVING_ROTATIONS, 2), (RECURSIVE_ROTATIONS, 2)]),
    "paillier": (("test_paillier_total", "test_paillier_mean"),
                 [(DOUBLE_FIRST, (0, 0)), (N_MINUS_ONE, (1, 0)), (TIMES_N, (1, 0)), (DECRYPTING_PAILLIER, (0, 0)),
                  (REDUCE_PAILLIER, (1, 1)), (ZERO_START_PAILLIER, (1, 1))]),
}
# what the cheat's message must name, per test cell (the slot-sum cheat, TENSEAL_SUM, rotates nothing: it
# fails the visible rotation count before the hidden test names AbstractTensor.sum, see test_he_checks)
CHEAT_NAMES = {
    "test_depth": ("ppml_lab.he.polynomial_levels",),
    "test_sigmoid": ("numpy.polynomial.polynomial.polyfit",),
    "test_precision": ("ppml_lab.he.CKKSParameters",),
    "test_scores": ("the server never decrypts", "ppml_lab.he.KeyOwner.decrypt"),
    "test_pack": ("ppml_lab.he.packing.PackedLayout",),
    "test_gradient": ("the server never decrypts", "Context.secret_key"),
    "test_paillier_total": ("the server never decrypts", "PaillierPrivateKey.decrypt"),
    "test_paillier_mean": ("the server never decrypts", "PaillierPrivateKey.decrypt"),
}
POINTS = 18
MANUAL = "interview_he_tradeoffs"  # the written answer, graded by hand (3 points)
VARIANTS = {name: {cell: variants[i] for cell, (_, variants) in ANSWERS.items()} for i, name in enumerate(SUBMISSIONS)}
TESTS = {cell: tests for cell, (tests, _) in ANSWERS.items()}


def _expected(variant):
    out = {}
    for cell, (_, marks) in variant.items():
        marks = marks if isinstance(marks, tuple) else (marks,)
        out.update({name: float(m) for name, m in zip(TESTS[cell], marks, strict=True)})
    return out


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    answers = solution_answers(A)
    assert set(answers) == {*ANSWERS, MANUAL}
    notebooks = {"solution": notebook_with_answers(A, answers), "blank": release_notebook(A)}
    for name, variant in VARIANTS.items():
        notebooks[name] = notebook_with_answers(A, {cell: code for cell, (code, _) in variant.items()})
    assert len(notebooks) <= 8
    return autograde_variants(A, notebooks, tmp_path_factory.mktemp("grading"), timeout=2400)


@pytest.mark.timeout(2400)
def test_solution_full_and_blank_zero(results):
    full = results["solution"]
    assert full.max_score == POINTS and full.score == POINTS, full.cells
    assert results["blank"].score == 0 and results["blank"].max_score == POINTS, results["blank"].cells
    assert MANUAL not in full.cells and MANUAL not in results["blank"].cells


@pytest.mark.timeout(2400)
def test_the_written_answer_waits_for_the_instructor(results):
    assert_written_answer_graded_by_hand(results, MANUAL, 3, POINTS, ("blank", *SUBMISSIONS))


def test_the_rubric_is_the_instructors_only():
    master = next(c for c in source_notebook(A).cells if c.metadata.get("nbgrader", {}).get("grade_id") == MANUAL)
    released = next(c for c in release_notebook(A).cells if c.metadata.get("nbgrader", {}).get("grade_id") == MANUAL)
    meta = master.metadata["nbgrader"]
    assert master.cell_type == "markdown" and meta["points"] == 3
    assert meta["solution"] and meta["grade"] and not meta["task"] and not meta["locked"]
    assert "Rubric (3 points" in master.source and master.source.count("### BEGIN SOLUTION") == 1
    assert released.source == "YOUR ANSWER HERE"


@pytest.mark.timeout(2400)
def test_wrong_answers_lose_cheats_earn_nothing_alternatives_earn_full(results):
    expected = {name: _expected(variant) for name, variant in VARIANTS.items()}
    marks = {name: {c: results[name].cells[c][0] for c in expected[name]} for name in VARIANTS}
    assert marks == expected


@pytest.mark.timeout(2400)
def test_cheats_are_named(results):
    for cell, names in CHEAT_NAMES.items():
        text = results["cheat"].outputs_text(cell)
        assert all(n in text for n in names), (cell, names, text[-600:])
