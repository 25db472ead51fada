"""ROC, AUC and TPR at low FPR: against scikit-learn and worked by hand."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve as sk_roc_curve

from ppml_lab.attacks import AttackResult, roc_auc, roc_curve, tpr_at_fpr


def test_roc_and_auc_match_scikit_learn_with_ties():
    rng = np.random.default_rng(0)
    member = rng.random(500) < 0.5
    scores = np.round(rng.normal(member * 0.7, 1.0), 1)  # rounding makes many ties
    fpr, tpr, thr = roc_curve(scores, member)
    sk_fpr, sk_tpr, _ = sk_roc_curve(member, scores, drop_intermediate=False)
    assert np.allclose(fpr, sk_fpr) and np.allclose(tpr, sk_tpr)
    assert thr[0] == np.inf and np.all(np.diff(thr[1:]) < 0)
    assert roc_auc(scores, member) == pytest.approx(roc_auc_score(member, scores), abs=1e-12)


def test_tpr_at_fpr_by_hand():
    # members score 9, 8, 3; non-members 7, 2, 1, 0: above 7 the attack catches 2 of 3 members
    scores = [9, 8, 3, 7, 2, 1, 0]
    member = [1, 1, 1, 0, 0, 0, 0]
    assert tpr_at_fpr(scores, member, 0.0) == pytest.approx(2 / 3)
    assert tpr_at_fpr(scores, member, 0.25) == pytest.approx(1.0)
    assert roc_auc(scores, member) == pytest.approx(11 / 12)
    result = AttackResult("toy", np.array(scores, float), np.array(member, bool))
    assert result.tpr_at(0.001) == pytest.approx(2 / 3)
    assert result.advantage == pytest.approx(1.0 - 0.25)
    assert result.summary()["AUC"] == pytest.approx(11 / 12)


def test_a_useless_attack_has_auc_one_half():
    rng = np.random.default_rng(1)
    member = rng.random(20_000) < 0.5
    auc = roc_auc(rng.random(20_000), member)
    assert abs(auc - 0.5) < 0.015  # 3.5 standard errors of the AUC at this size


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda: roc_curve([1.0, 2.0], [True, True]), "is_member"),
        (lambda: roc_curve([1.0, 2.0, 3.0], [True, False]), "is_member"),
        (lambda: roc_curve([[1.0, 2.0]], [True, False]), "scores"),
        (lambda: roc_curve([np.nan, 2.0], [True, False]), "scores"),
        (lambda: tpr_at_fpr([1.0, 2.0], [True, False], 1.5), "max_fpr"),
    ],
)
def test_bad_arguments_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
