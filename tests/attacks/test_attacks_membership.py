"""Membership inference: the statistics by hand, LiRA on known Gaussians, and the attacks on real targets.

Fixed seeds throughout. The overfit target (an MLP memorizing 500 records with a one-hot ZIP code)
leaks: loss-threshold AUC 0.77 at seed 0, asserted above 0.7. LiRA's per-record calibration
finds confident members the global loss threshold cannot: TPR at 1% FPR 0.15 against 0.004.
DP-SGD at epsilon 1 leaves the loss attack at chance (0.50, asserted below 0.56).
"""

import math

import numpy as np
import pytest
from scipy.stats import norm

from ppml_lab.attacks import (
    DPSGDRecipe,
    MLPRecipe,
    balanced_masks,
    example_losses,
    lira_attack,
    lira_scores,
    logit_confidence,
    logit_losses,
    loss_attack,
    loss_threshold_attack,
    membership_population,
    play_membership_game,
    roc_auc,
    shadow_model_attack,
    softmax,
)


def test_losses_and_the_threshold_decision_by_hand():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5], [1.0, 0.0]])
    labels = np.array([0, 0, 1, 1])
    losses = example_losses(probs, labels)
    assert losses[:3] == pytest.approx([-math.log(0.9), -math.log(0.2), math.log(2)])
    assert np.isfinite(losses[3]) and losses[3] > 600  # p = 0 floored, never inf
    assert loss_threshold_attack(probs, labels, 0.7).tolist() == [True, False, True, False]


def test_logit_statistics_agree_with_probabilities_and_never_saturate():
    rng = np.random.default_rng(0)
    z = rng.normal(0, 2, (50, 3))
    y = rng.integers(0, 3, 50)
    p = softmax(z)
    p_y = p[np.arange(50), y]
    assert logit_confidence(z, y) == pytest.approx(np.log(p_y / (1 - p_y)))
    assert logit_losses(z, y) == pytest.approx(example_losses(p, y))
    # a memorized record: its probability rounds to 1, its confidence and loss still rank it
    big = np.array([[0.0, 60.0], [0.0, 50.0]])
    assert logit_confidence(big, np.array([1, 1])) == pytest.approx([60.0, 50.0])
    assert 0 < logit_losses(big, np.array([1, 1]))[0] < logit_losses(big, np.array([1, 1]))[1]
    # shadows' logits (K, N, C) share the labels
    stacked = np.stack([z, z + 1.0])
    assert logit_confidence(stacked, y).shape == (2, 50)


def test_balanced_masks_put_every_record_in_half_the_models():
    masks = balanced_masks(16, 300, 0)
    assert masks.shape == (16, 300)
    assert (masks.sum(axis=0) == 8).all()
    assert (masks.sum(axis=1) == 150).all()
    assert not (masks[0] == masks[2]).all()  # the pairs differ
    single = balanced_masks(1, 301, 0)
    assert single.sum() == 150


def test_lira_calibrates_per_record_on_known_gaussians():
    # Each record has its own difficulty mu_i; training on it adds 1 to its confidence.
    rng = np.random.default_rng(3)
    n, k = 4000, 32
    mu = rng.normal(0, 4, n)
    shadow_in = balanced_masks(k, n, rng)
    shadow_phi = mu + shadow_in + rng.normal(0, 1, (k, n))
    member = rng.random(n) < 0.5
    target_phi = mu + member + rng.normal(0, 1, n)
    # with the OUT mean known exactly the offline test's AUC is Phi(1 / sqrt 2) = 0.760
    lira = roc_auc(lira_scores(target_phi, shadow_phi, shadow_in), member)
    assert lira == pytest.approx(norm.cdf(1 / math.sqrt(2)), abs=0.025)
    online = roc_auc(lira_scores(target_phi, shadow_phi, shadow_in, online=True), member)
    assert online == pytest.approx(lira, abs=0.02)  # equal variances: the same test
    # a global threshold on phi drowns in the spread of difficulties
    assert roc_auc(target_phi, member) < 0.6


def test_stacked_training_is_training_each_model_alone():
    X, y = membership_population(100, seed=4)
    masks = balanced_masks(3, 100, 0)
    other = masks.copy()
    other[1:] = ~other[1:]
    recipe = MLPRecipe(hidden=8, steps=40)
    a = recipe.train(X, y, masks, seed=5)
    b = recipe.train(X, y, other, seed=5)
    assert a.shape == (3, 100, 2)
    assert np.allclose(a[0], b[0], atol=1e-5)  # model 0 never sees the others' data
    assert not np.allclose(a[1], b[1], atol=1e-2)


@pytest.fixture(scope="module")
def overfit_game():
    X, y = membership_population(1000, seed=0)
    return play_membership_game(X, y, MLPRecipe(), n_shadows=16, seed=0)


def test_the_overfit_target_leaks_membership(overfit_game):
    train_acc, test_acc = overfit_game.target_accuracy()
    assert train_acc == 1.0 and test_acc < 0.8  # memorized, generalizes no better than the features allow
    loss = loss_attack(overfit_game)
    assert loss.auc > 0.7
    assert shadow_model_attack(overfit_game).auc > 0.7


def test_lira_beats_the_loss_threshold_at_low_fpr(overfit_game):
    loss, lira = loss_attack(overfit_game), lira_attack(overfit_game)
    assert lira.tpr_at(0.01) > loss.tpr_at(0.01) + 0.05
    assert lira.tpr_at(0.01) > 0.08  # 8 times what a coin achieves at 1% FPR
    assert lira_attack(overfit_game, online=True).auc > lira.auc


def test_dp_sgd_at_epsilon_one_defeats_the_loss_attack():
    X, y = membership_population(1000, seed=0)
    game = play_membership_game(X, y, DPSGDRecipe(epsilon=1.0, noise_seed=0), n_shadows=0, seed=0)
    train_acc, test_acc = game.target_accuracy()
    assert abs(train_acc - test_acc) < 0.05
    assert loss_attack(game).auc < 0.56


def test_dp_recipe_calibrates_noise_to_its_epsilon():
    small, large = DPSGDRecipe(epsilon=1.0), DPSGDRecipe(epsilon=2.0)
    assert small.noise_multiplier(500) > large.noise_multiplier(500) > 0


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda: example_losses([[0.5, 0.5]], [2]), "labels"),
        (lambda: example_losses([[0.5, 0.6]], [0]), "probs"),
        (lambda: loss_threshold_attack([[0.5, 0.5]], [0], -1.0), "threshold"),
        (lambda: MLPRecipe(hidden=0), "hidden"),
        (lambda: MLPRecipe(weight_decay=-1.0), "weight_decay"),
        (lambda: DPSGDRecipe(epsilon=0.0), "epsilon"),
        (
            lambda: play_membership_game(np.zeros((10, 2)), np.zeros(10, int), MLPRecipe(), n_shadows=1),
            "n_shadows",
        ),
        (lambda: play_membership_game(np.zeros((10, 2)), np.zeros(10, int), object()), "recipe"),
        (lambda: lira_scores(np.zeros(5), np.zeros((4, 6)), np.zeros((4, 6), bool)), "shadow_phi"),
        (lambda: MLPRecipe().train(np.zeros((4, 2)), np.zeros(4, int), np.ones((2, 3), bool)), "masks"),
    ],
)
def test_bad_arguments_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
