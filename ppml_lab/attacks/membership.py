"""Membership inference: was this record in the training set?

The game (:func:`play_membership_game`): a pool of candidate records; the target model trains on a
random half (the members). The attacker sees the target's outputs on every candidate, knows the
training recipe and the pool (not which half), and may train **shadow models** on halves of its own
choosing. Three attacks, from the simplest to the strongest:

* **Loss threshold** (Yeom et al. 2018): members have lower loss. Score ``-loss``; as a decision,
  "member" when the loss is at most a threshold such as the mean training loss.
* **Shadow models** (Shokri et al. 2017): train models like the target on known halves, learn from
  their outputs what a member's output looks like (one attack classifier per class), apply it to
  the target's outputs.
* **LiRA** (Carlini et al. 2022): some records are hard for every model, so a global threshold
  confuses "hard" with "not a member". For each record, fit a Gaussian to its logit-scaled
  confidence ``phi = log(p_y / (1 - p_y))`` under shadow models that did *not* train on it (OUT);
  the **offline** score is how far above that distribution the target's ``phi`` lies. The
  **online** variant also fits the IN distribution and scores the likelihood ratio.

Each attack returns an :class:`~ppml_lab.attacks.metrics.AttackResult` (ROC, AUC, TPR at low FPR).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from ppml_lab._checks import check_choice, check_float, check_int
from ppml_lab.attacks.metrics import AttackResult
from ppml_lab.attacks.targets import balanced_masks

# --- per-example statistics ----------------------------------------------------------------------


def _check_probs(probs, labels) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(probs, dtype=np.float64)
    y = np.asarray(labels)
    if p.ndim != 2:
        raise ValueError(f"probs must be 2-D (records x classes), got shape {p.shape}")
    if y.shape != (len(p),):
        raise ValueError(f"labels must hold one class per row of probs ({len(p)}), got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer) or (y < 0).any() or (y >= p.shape[1]).any():
        raise ValueError(f"labels must be class indices in [0, {p.shape[1]})")
    if (p < 0).any() or not np.allclose(p.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("probs must be probabilities: non-negative rows summing to 1")
    return p, y


def example_losses(probs, labels) -> np.ndarray:
    """Each record's cross-entropy loss ``-log p[label]`` (probabilities floored at 1e-300)."""
    p, y = _check_probs(probs, labels)
    return -np.log(np.maximum(p[np.arange(len(y)), y], 1e-300))


def loss_threshold_attack(probs, labels, threshold: float) -> np.ndarray:
    """Yeom et al.'s attack: guess "member" (True) when the record's loss is at most ``threshold``.

    Yeom et al. take the mean training loss as the threshold (the attacker is assumed to know it).
    """
    threshold = check_float("threshold", threshold, minimum=0.0)
    return example_losses(probs, labels) <= threshold


def _check_logits(logits, labels) -> tuple[np.ndarray, np.ndarray]:
    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(labels)
    if z.ndim < 2 or z.shape[-1] < 2:
        raise ValueError(f"logits must end with a class axis of size >= 2, got shape {z.shape}")
    if y.shape != (z.shape[-2],):
        raise ValueError(f"labels must hold one class per record ({z.shape[-2]}), got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer) or (y < 0).any() or (y >= z.shape[-1]).any():
        raise ValueError(f"labels must be class indices in [0, {z.shape[-1]})")
    return z, y


def logit_losses(logits, labels) -> np.ndarray:
    """Cross-entropy from logits (any leading axes), without rounding a memorized record's loss to zero.

    ``-log p_y = log(1 + exp(-phi))`` with ``phi`` from :func:`logit_confidence`.
    """
    return np.logaddexp(0.0, -logit_confidence(logits, labels))


def logit_confidence(logits, labels) -> np.ndarray:
    """LiRA's statistic ``phi = log p_y - log(1 - p_y)``, from logits so it never saturates.

    It is ``z_y - logsumexp(other logits)``; for two classes, the difference of the two logits.
    Its distribution over models is close to Gaussian, which is what LiRA fits.
    """
    z, y = _check_logits(logits, labels)
    onehot = np.arange(z.shape[-1]) == y[:, None]
    z_y = np.where(onehot, z, -np.inf).max(axis=-1)
    return z_y - logsumexp(np.where(onehot, -np.inf, z), axis=-1)


def softmax(logits) -> np.ndarray:
    """Class probabilities from logits (last axis)."""
    z = np.asarray(logits, dtype=np.float64)
    return np.exp(z - logsumexp(z, axis=-1, keepdims=True))


# --- the game ------------------------------------------------------------------------------------


@dataclass
class MembershipGame:
    """One target model and its shadows, trained by the same recipe on halves of the same pool.

    ``target_in`` marks the target's members; ``shadow_in[k]`` the records shadow ``k`` trained on.
    Logits have shape ``(N, C)`` for the target and ``(K, N, C)`` for the shadows.
    """

    X: np.ndarray
    y: np.ndarray
    recipe_name: str
    target_in: np.ndarray
    target_logits: np.ndarray
    shadow_in: np.ndarray
    shadow_logits: np.ndarray

    @property
    def n_shadows(self) -> int:
        return len(self.shadow_in)

    def target_accuracy(self) -> tuple[float, float]:
        """``(train, test)`` accuracy of the target: on its members and on the other records."""
        correct = self.target_logits.argmax(axis=1) == self.y
        return float(correct[self.target_in].mean()), float(correct[~self.target_in].mean())


def play_membership_game(
    X, y, recipe, *, n_shadows: int = 16, seed: int = 0, progress: bool = False
) -> MembershipGame:
    """Train a target on a random half of ``(X, y)`` and ``n_shadows`` shadows on balanced halves.

    ``recipe`` is an :class:`~ppml_lab.attacks.targets.MLPRecipe`, a
    :class:`~ppml_lab.attacks.targets.DPSGDRecipe` or anything with ``train(X, y, masks, seed)``
    returning logits ``(K, N, C)``. All models train in one call (a stacked recipe trains them
    together). Shadows need not be used: ``n_shadows=0`` suits the loss-threshold attack alone.
    """
    n_shadows = check_int("n_shadows", n_shadows, minimum=0)
    if n_shadows == 1:
        raise ValueError("n_shadows must be 0 or at least 2 (each record needs IN and OUT shadows)")
    seed = check_int("seed", seed, minimum=0)
    if not callable(getattr(recipe, "train", None)):
        raise ValueError(f"recipe must have a train(X, y, masks, seed) method, got {recipe!r}")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    target_in = balanced_masks(1, len(X), rng)
    shadow_in = balanced_masks(n_shadows, len(X), rng) if n_shadows else np.zeros((0, len(X)), dtype=bool)
    logits = recipe.train(X, y, np.vstack([target_in, shadow_in]), seed=seed, progress=progress)
    name = getattr(recipe, "name", type(recipe).__name__)
    return MembershipGame(X, y, name, target_in[0], logits[0], shadow_in, logits[1:])


# --- the attacks ---------------------------------------------------------------------------------


def loss_attack(game: MembershipGame) -> AttackResult:
    """Loss threshold over all thresholds: score ``-loss`` of the target on each record."""
    return AttackResult("loss threshold", -logit_losses(game.target_logits, game.y), game.target_in)


def _shadow_features(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """What the attack classifier sees of one output: phi, the top log-probabilities and the entropy."""
    log_p = logits - logsumexp(logits, axis=-1, keepdims=True)
    top = -np.sort(-log_p, axis=-1)[..., : min(3, log_p.shape[-1])]
    entropy = -(np.exp(log_p) * log_p).sum(axis=-1, keepdims=True)
    phi = logit_confidence(logits, y)[..., None]
    return np.concatenate([phi, top, entropy], axis=-1)


def shadow_model_attack(game: MembershipGame) -> AttackResult:
    """Shokri et al.'s attack: one classifier per class, trained on shadow outputs labelled IN/OUT.

    The classifier is a logistic regression on the output's features (:func:`_shadow_features`)
    and their pairwise products, so "members look like this" need not be a single threshold.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    if game.n_shadows < 2:
        raise ValueError("game must have at least 2 shadow models for the shadow-model attack")
    feats = _shadow_features(game.shadow_logits, game.y)  # (K, N, F)
    target = _shadow_features(game.target_logits, game.y)  # (N, F)
    scores = np.zeros(len(game.y))
    for c in np.unique(game.y):
        cls = game.y == c
        train_y = game.shadow_in[:, cls].reshape(-1)
        if train_y.all() or not train_y.any():
            continue  # no contrast to learn for this class: leave its scores at 0
        clf = make_pipeline(StandardScaler(), PolynomialFeatures(2), LogisticRegression(max_iter=1000))
        clf.fit(feats[:, cls].reshape(-1, feats.shape[-1]), train_y)
        scores[cls] = clf.decision_function(target[cls])
    return AttackResult("shadow models", scores, game.target_in)


def lira_scores(
    target_phi, shadow_phi, shadow_in, *, online: bool = False, global_variance: bool = True
) -> np.ndarray:
    """LiRA's per-record scores from the confidences ``phi`` of the target ``(N,)`` and shadows ``(K, N)``.

    Offline: ``(phi - mu_out) / sigma_out``, how many standard deviations the target's confidence
    lies above the record's OUT distribution (a one-sided Gaussian test; any monotone function of
    it gives the same ROC). Online: the log-likelihood ratio ``log N(phi; IN) - log N(phi; OUT)``.
    ``global_variance`` pools one variance over all records (Carlini et al.'s advice below ~64
    shadows: a per-record variance from a handful of models is too noisy).
    """
    phi = np.asarray(target_phi, dtype=np.float64)
    sphi = np.asarray(shadow_phi, dtype=np.float64)
    sin = np.asarray(shadow_in, dtype=bool)
    if phi.ndim != 1 or sphi.shape != (len(sin), len(phi)) or sin.shape != sphi.shape:
        raise ValueError(
            f"shadow_phi and shadow_in must have shape (K, {len(phi)}), got {sphi.shape} and {sin.shape}"
        )

    def gaussian(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        count = mask.sum(axis=0)
        if (count == 0).any():
            raise ValueError("shadow_in must leave every record with shadows both IN and OUT")
        mu = (sphi * mask).sum(axis=0) / count
        sq = ((sphi - mu) ** 2 * mask).sum(axis=0)
        if global_variance or (count < 2).any():
            var = np.full(len(mu), sq.sum() / max(mask.sum() - mask.shape[1], 1))
        else:
            var = sq / (count - 1)
        return mu, np.sqrt(np.maximum(var, 1e-12))

    mu_out, sd_out = gaussian(~sin)
    if not online:
        return (phi - mu_out) / sd_out
    mu_in, sd_in = gaussian(sin)
    z_in, z_out = (phi - mu_in) / sd_in, (phi - mu_out) / sd_out
    return -0.5 * z_in**2 - np.log(sd_in) + 0.5 * z_out**2 + np.log(sd_out)


def lira_attack(game: MembershipGame, *, online: bool = False, global_variance: bool = True) -> AttackResult:
    """The likelihood-ratio attack (offline by default) on a game's target, from its shadows."""
    if game.n_shadows < 2:
        raise ValueError("game must have at least 2 shadow models for LiRA")
    scores = lira_scores(
        logit_confidence(game.target_logits, game.y),
        logit_confidence(game.shadow_logits, game.y),
        game.shadow_in,
        online=online,
        global_variance=global_variance,
    )
    return AttackResult("LiRA (online)" if online else "LiRA (offline)", scores, game.target_in)


ATTACKS = ("loss", "shadow", "lira", "lira_online")


def run_attacks(
    game: MembershipGame, attacks: tuple[str, ...] = ("loss", "shadow", "lira")
) -> dict[str, AttackResult]:
    """Several attacks on one game, by name (``"loss"``, ``"shadow"``, ``"lira"``, ``"lira_online"``)."""
    out = {}
    for name in attacks:
        check_choice("attacks", name, ATTACKS)
        if name == "loss":
            out[name] = loss_attack(game)
        elif name == "shadow":
            out[name] = shadow_model_attack(game)
        else:
            out[name] = lira_attack(game, online=name == "lira_online")
    return out
