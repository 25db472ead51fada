"""The attacks lesson grades right from wrong with the real nbgrader CLI.

For each graded function: plausible wrong answers lose that function's marks, answers that hand the
work to the kit or to a library equivalent earn none of them (and say which function they called),
and other correct implementations (loops, ranks, NumPy scalars) earn all of them. The answers live in
``corpus_08_attacking_models``; six submissions each fill every answer with one of them (graded in one
nbgrader run with the solution and the blank notebook), and the answers that do not fit into six are
checked in-process against the same references.
"""

import pytest
from corpus_08_attacking_models import (
    CONFIDENCE,
    DELEGATING_ATTACK,
    DELEGATING_AUC,
    DELEGATING_LOSSES,
    EPS_CLIP,
    LOG2,
    LOOP_ATTACK,
    LOOP_AUC,
    LOOP_LOSSES,
    MIDRANK_NP,
    NO_LOG,
    NOT_GREATER,
    ORDINAL_RANKS,
    OWN_CURVE_TRAPZ,
    PREDICTED_CLASS,
    REVERSED,
    SIBLING_AUC,
    SKLEARN_AUC,
    STRICT,
    STRICT_AUC,
    TAKE_ALONG,
    TIES_WIN,
    WHERE_WARNS,
    ZERO_ONE,
)
from corpus_08_attacking_models_b import (
    ALPHA_NOT_HALVED,
    BETAINCINV,
    BINOMTEST_CP,
    DDOF0_LIRA,
    FORWARD_TPR,
    INTERPOLATED,
    ISF_NUMPY,
    KIT_CP,
    KIT_CURVE_TPR,
    KIT_LIRA,
    LOWER_LIMITS,
    NO_DELTA,
    NO_LOG_SIGMA,
    OFFLINE_LIRA,
    ONE_SIDED,
    POINT_ESTIMATE,
    POOLED_LIRA,
    QUANTILE,
    SCIPY_LIRA,
    SEARCHSORTED_TPR,
    SKLEARN_TPR,
    SPLIT_TIES,
    STATISTICS_LIRA,
    STRICT_FPR,
    UPSIDE_DOWN_LIRA,
    WALK_TPR,
)
from written_answers import (
    assert_rubric_for_the_learner_and_reference_for_the_instructor,
    assert_written_answer_graded_by_hand,
    code_answers,
)

from autograder.testing import (
    assert_cheats_named,
    autograde_variants,
    notebook_with_answers,
    release_notebook,
    solution_answers,
)

A = "08_attacking_models"
MANUAL = "interview_audit_bound"  # the written answer, graded by hand
MANUAL_POINTS = 3



# Six packed submissions: each fills every answer with one variant and names the marks it must earn.
# None stands for the master's solution. A threshold attack that reuses ``example_losses`` sits with a
# correct ``example_losses``, so every cell's marks depend on one variant only.
CELLS = {
    "example_losses": {"test_example_losses": 2.0},
    "loss_threshold_attack": {"test_loss_threshold_attack": 1.0},
    "roc_auc": {"test_roc_auc": 1.0, "test_roc_auc_ties": 1.0},
    "tpr_at_fpr": {"test_tpr_at_fpr": 2.0},
    "lira_score": {"test_lira_score": 3.0},
    "audit_epsilon_bound": {"test_audit_epsilon_bound": 3.0},
}
SUBMISSIONS = {
    "wrong1": {"example_losses": (NO_LOG, 0), "loss_threshold_attack": (STRICT, 0), "roc_auc": (STRICT_AUC, 1),
               "tpr_at_fpr": (STRICT_FPR, 0), "lira_score": (DDOF0_LIRA, 0),
               "audit_epsilon_bound": (POINT_ESTIMATE, 0)},
    "wrong2": {"example_losses": (PREDICTED_CLASS, 0), "loss_threshold_attack": (REVERSED, 0),
               "roc_auc": (TIES_WIN, 1), "tpr_at_fpr": (QUANTILE, 0), "lira_score": (NO_LOG_SIGMA, 0),
               "audit_epsilon_bound": (ALPHA_NOT_HALVED, 0)},
    "wrong3": {"example_losses": (EPS_CLIP, 0), "loss_threshold_attack": (ZERO_ONE, 0),
               "roc_auc": (ORDINAL_RANKS, 1), "tpr_at_fpr": (SPLIT_TIES, 0), "lira_score": (POOLED_LIRA, 0),
               "audit_epsilon_bound": (ONE_SIDED, 0)},
    "cheat": {"example_losses": (DELEGATING_LOSSES, 0), "loss_threshold_attack": (DELEGATING_ATTACK, 0),
              "roc_auc": (SKLEARN_AUC, 0), "tpr_at_fpr": (SKLEARN_TPR, 0), "lira_score": (KIT_LIRA, 0),
              "audit_epsilon_bound": (KIT_CP, 0)},
    "alt1": {"example_losses": (LOOP_LOSSES, 2), "loss_threshold_attack": (LOOP_ATTACK, 1),
             "roc_auc": (LOOP_AUC, 2), "tpr_at_fpr": (SEARCHSORTED_TPR, 2), "lira_score": (STATISTICS_LIRA, 3),
             "audit_epsilon_bound": (BETAINCINV, 3)},
    "alt2": {"example_losses": (WHERE_WARNS, 2), "loss_threshold_attack": (NOT_GREATER, 1),
             "roc_auc": (MIDRANK_NP, 2), "tpr_at_fpr": (WALK_TPR, 2), "lira_score": (SCIPY_LIRA, 3),
             "audit_epsilon_bound": (ISF_NUMPY, 3)},
}
# Cheats: the submission, the cells that must say why, and the function the message must name.
CHEATS = [
    ("cheat", "example_losses", "logit_losses"),
    ("cheat", "loss_threshold_attack", "example_losses"),
    ("cheat", "roc_auc", "sklearn.metrics.roc_auc_score"),
    ("cheat", "tpr_at_fpr", "sklearn.metrics.roc_curve"),
    ("cheat", "lira_score", "lira_scores"),
    ("cheat", "audit_epsilon_bound", "clopper_pearson"),
]
# Variants beyond the six slots, checked in-process against the same references and forbid lists.
MORE = {
    "example_losses": {"wrong": [LOG2], "cheat": [], "correct": [TAKE_ALONG]},
    "loss_threshold_attack": {"wrong": [CONFIDENCE], "cheat": [], "correct": []},
    "roc_auc": {"wrong": [], "cheat": [(DELEGATING_AUC, "ppml_lab.attacks.roc_auc"), (SIBLING_AUC, "roc_curve"),
                                       (OWN_CURVE_TRAPZ, "trapezoid")], "correct": []},
    "tpr_at_fpr": {"wrong": [INTERPOLATED], "cheat": [(KIT_CURVE_TPR, "roc_curve"),
                                                      (FORWARD_TPR, "ppml_lab.attacks.tpr_at_fpr")], "correct": []},
    "lira_score": {"wrong": [OFFLINE_LIRA, UPSIDE_DOWN_LIRA], "cheat": [], "correct": []},
    "audit_epsilon_bound": {"wrong": [LOWER_LIMITS, NO_DELTA], "cheat": [(BINOMTEST_CP, "binomtest")],
                            "correct": []},
}
# The reference each answer is graded against, the arguments it takes, and the forbid list of its cell.
REFERENCES = {
    "example_losses": ("example_losses", {}, ()),
    "loss_threshold_attack": ("loss_threshold_attack", {}, ()),
    "roc_auc": ("roc_auc", {}, ("trapezoid",)),
    "tpr_at_fpr": ("tpr_at_fpr", {}, ()),
    "lira_score": ("lira_scores", {"online": True, "global_variance": False}, ()),
    "audit_epsilon_bound": ("epsilon_lower_bound_from_counts", {}, ("binomial_interval",)),
}

# Eight gradings of the whole lesson in one run; on a shared machine the wall clock can be long.
SLOW = pytest.mark.timeout(2700)
NBGRADER_TIMEOUT = 2400  # seconds for the one nbgrader autograde run


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The solution, the blank notebook and the six submissions, graded in one nbgrader run."""
    answers = solution_answers(A)
    assert set(answers) == set(CELLS) | {MANUAL}
    notebooks = {"solution": notebook_with_answers(A, answers), "blank": release_notebook(A)}
    for student, rows in SUBMISSIONS.items():
        assert set(rows) == set(CELLS), student
        filled = {fn: answers[fn] if code is None else code for fn, (code, _) in rows.items()}
        notebooks[student] = notebook_with_answers(A, filled)
    assert len(notebooks) <= 8
    return autograde_variants(A, notebooks, tmp_path_factory.mktemp("grade08"), timeout=NBGRADER_TIMEOUT)


MAX_SCORE = sum(sum(cells.values()) for cells in CELLS.values())


@SLOW
def test_solution_earns_full_marks_and_blank_zero(graded):
    full, blank = graded["solution"], graded["blank"]
    assert set(full.cells) == {cell for cells in CELLS.values() for cell in cells}
    assert full.max_score == MAX_SCORE and full.score == MAX_SCORE, full.cells
    assert blank.score == 0 and blank.max_score == MAX_SCORE, blank.cells


@SLOW
def test_the_written_answer_waits_for_the_instructor(graded):
    # the solution's answer is pending in formgrader; the blank's and the submissions' untouched copies score 0
    assert_written_answer_graded_by_hand(graded, MANUAL, MANUAL_POINTS, MAX_SCORE, ("blank", *SUBMISSIONS))


def test_the_rubric_is_shown_and_the_reference_answer_kept():
    assert_rubric_for_the_learner_and_reference_for_the_instructor(A, MANUAL, MANUAL_POINTS, rubric_items=3)


@SLOW
def test_wrong_answers_lose_marks_cheats_earn_none_and_other_answers_earn_all(graded):
    for student, rows in SUBMISSIONS.items():
        got = graded[student].cells
        for fn, (_, marks) in rows.items():
            earned = sum(got[cell][0] for cell in CELLS[fn])
            assert earned == marks, (student, fn, {cell: got[cell] for cell in CELLS[fn]})
        assert graded[student].score == sum(m for _, m in rows.values()), (student, got)
    assert_cheats_named(graded, CHEATS, CELLS)


def _define(source, name, **extra):
    import math

    import numpy as np

    from ppml_lab import attacks

    namespace = {"math": math, "np": np, "attacks": attacks, **extra}
    exec(compile(source, f"<{name}>", "exec"), namespace)
    return namespace[name]


def _cases():
    """Inputs like the hidden tests' (ties, zero probabilities, thresholds equal to losses), per function."""
    import math

    import numpy as np

    from ppml_lab import attacks

    gen = np.random.default_rng(8)
    probs = gen.dirichlet(np.ones(3), size=200)
    probs[:20] = [1.0, 0.0, 0.0]
    probs[20:50] = [0.5, 0.25, 0.25]
    labels = gen.integers(0, 3, 200)
    member = gen.random(300) < 0.4
    tied = np.round(gen.normal(member * 0.5, 1.0))
    n_neg = int((~member).sum())
    mask = attacks.balanced_masks(8, 60, gen)
    shadows = np.where(mask, 2 + gen.normal(0, 0.5, (8, 60)), gen.normal(0, 1.5, (8, 60)))
    return {
        "example_losses": [(probs, labels)],
        "loss_threshold_attack": [(probs, labels, t) for t in (0.0, math.log(2), math.log(4), 0.8)],
        "roc_auc": [(gen.normal(member * 0.7, 1.0), member), (tied, member)],
        "tpr_at_fpr": [(tied, member, f) for f in (0.0, 1 / n_neg, 3 / n_neg, 0.05, 0.2)],
        "lira_score": [(gen.normal(1.0, 1.5, 60), shadows, mask)],
        "audit_epsilon_bound": [(0, 1000, 0, 1000, 1e-5, 0.05), (300, 1000, 20, 1000, 1e-5, 0.05),
                                (20, 1000, 300, 1000, 1e-3, 0.05)],
    }


def test_variants_beyond_the_packed_submissions_are_told_apart_in_process():
    import functools

    import numpy as np

    from autograder.checks import DelegationError, assert_own_implementation
    from ppml_lab import attacks

    cases = _cases()
    own_losses = _define(code_answers(A, MANUAL)["example_losses"], "example_losses")
    for fn, kinds in MORE.items():
        name, options, forbid = REFERENCES[fn]
        reference = functools.partial(getattr(attacks, name), **options)
        watched = getattr(attacks, name)
        for source in kinds["correct"]:
            answer = _define(source, fn, example_losses=own_losses)
            for args in cases[fn]:
                with np.errstate(divide="ignore", invalid="ignore"):
                    got = assert_own_implementation(answer, watched, *args, forbid=forbid)
                assert np.allclose(got, reference(*args), rtol=1e-9, atol=1e-12), (fn, source)
        for source in kinds["wrong"]:
            answer = _define(source, fn, example_losses=own_losses)
            differs = False
            for args in cases[fn]:
                try:
                    with np.errstate(divide="ignore", invalid="ignore"):
                        got, want = np.asarray(answer(*args)), np.asarray(reference(*args))
                    differs |= got.shape != want.shape or not np.allclose(got, want)
                except (ArithmeticError, ValueError):
                    differs = True
            assert differs, (fn, source)
        for source, called in kinds["cheat"]:
            answer = _define(source, fn, example_losses=own_losses)
            with pytest.raises(DelegationError, match=called):
                assert_own_implementation(answer, watched, *cases[fn][0], forbid=forbid)


def test_the_boundary_and_tie_cases_are_stated_in_the_exercises():
    # The hidden tests use thresholds equal to some losses and scores with ties: the text says so.
    source = "\n".join(c.source for c in release_notebook(A).cells if c.cell_type == "markdown")
    assert "*At most* includes\nequality" in source
    assert "a tied member/non-member pair counts one half" in source
    assert "`sklearn.metrics.roc_auc_score`" in source and "`np.trapezoid`" in source
    assert "**at most** `max_fpr` (equality counts)" in source and "Tied scores cannot be split" in source
    assert "the **sample** standard deviation\n(`ddof=1`" in source
    assert "quantile of $\\mathrm{Beta}(k + 1, n - k)$, and $1$ when $k = n$" in source
    assert "`scipy.stats.binomtest`" in source
