"""Secure logistic regression as one party runs it (SecureML-style, on additive shares).

:func:`train_party` is the whole protocol of one bank: share its own data (``input`` phase), open
the masked design matrix X - A once (also ``input``: it never changes), then per iteration
(``online``):

1. u = X @ w: Beaver with the public X - A, opening only w - B_t (d values), then truncate (n);
2. the cubic sigmoid, ``SIGMOID_ROUNDS = 4`` rounds (n values each);
3. g = X^T @ (s - y): Beaver with the public (X - A)^T, opening only e - B'_t (n values);
4. w -= (learning_rate / n) * g: the public step is folded into g's truncation (d values).

``ROUNDS_PER_ITERATION = 8``, and each party sends 8 * (6n + 2d) bytes per iteration
(:func:`protocol_minimum_bytes`): d + n in step 1, 4n in step 2, n in step 3 and d in step 4.
The dealer's material comes from :func:`lr_material`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ppml_lab.smpc import protocol
from ppml_lab.smpc.channel import Channel
from ppml_lab.smpc.dealer import TrustedDealer
from ppml_lab.smpc.functions import SIGMOID_COEFFICIENTS, SIGMOID_ROUNDS, sigmoid_material
from ppml_lab.smpc.randomness import random_ring_elements
from ppml_lab.smpc.ring import FRAC_BITS, decode, encode, encode_public

ROUNDS_PER_ITERATION = 2 + SIGMOID_ROUNDS + 2
STEP_PRECISION_BITS = 10  # the step keeps 0.05%; the gradient |X^T e| may reach 2^19


def protocol_minimum_bytes(n: int, d: int) -> int:
    """Bytes one party must send per iteration: every value the protocol opens, 8 bytes each.

    w - B (d), u + r (n), u - a (n), u^2 + r' (n), u^2 - a' (n), s + r'' (n), e - B' (n) and
    g + r''' (d): 8 (6n + 2d). Opening X - A (``input``, once) and the weights (once) come on top.
    """
    return 8 * (6 * n + 2 * d)


@dataclass
class IterationMaterial:
    """One party's dealer material for one iteration (A_i, the same every iteration, comes once)."""

    forward: tuple  # (B_i, C_i = share of A @ B)
    trunc_u: tuple
    sigmoid: tuple
    backward: tuple  # (B'_i, C'_i = share of A^T @ B')
    trunc_g: tuple


def lr_material(dealer: TrustedDealer, n: int, d: int, n_iterations: int, learning_rate: float) -> list[tuple]:
    """The dealer's material for a whole training, per party: ``(A_p, [IterationMaterial, ...])``.

    With a transport, the dealer hands it over (and the channels count it) once, whole: the bytes
    counted are the same as when the launcher sends it to a bank's process.
    """
    _, step_bits = encode_public(learning_rate / n, STEP_PRECISION_BITS)
    maker = TrustedDealer(2, None, dealer._gen)  # makes the pieces; delivered below, once
    a = maker._rand((n, d))
    a_sh = maker._share(a)
    per_party: list[list[IterationMaterial]] = [[], []]
    for _ in range(n_iterations):
        b, b2 = maker._rand((d, 1)), maker._rand((n, 1))
        b_sh, c_sh = maker._share(b), maker._share(a @ b)
        b2_sh, c2_sh = maker._share(b2), maker._share(a.T @ b2)
        trunc_u = maker.truncation_pair((n, 1), FRAC_BITS)
        sig = sigmoid_material(maker, (n, 1))
        trunc_g = maker.truncation_pair((d, 1), FRAC_BITS + step_bits)
        for p in range(2):
            per_party[p].append(
                IterationMaterial(
                    (b_sh[p], c_sh[p]), trunc_u.part(p), sig[p], (b2_sh[p], c2_sh[p]), trunc_g.part(p),
                )
            )
    dealer.triples_made += maker.triples_made + 2 * n_iterations
    material = [(a_sh[p], per_party[p]) for p in range(2)]
    if dealer.transport is not None:
        dealer.transport.deliver(material)
    return material


def share_inputs(ch: Channel, X_own: np.ndarray, y_own: np.ndarray, layout: str, peer_shapes) -> tuple:
    """Input phase: secret-share my rows (horizontal) or columns (vertical) and my labels with the
    peer, in one full-duplex round each; returns my shares of the joint X (n, d) and y (n, 1)."""
    peer_X, peer_y = (tuple(s) for s in peer_shapes)
    with ch.in_phase("input"):
        parts = []
        for own, peer_shape in ((encode(X_own), peer_X), (encode(y_own), peer_y)):
            mask = random_ring_elements(own.shape)
            got = ch.exchange(own - mask, peer_shape)  # the peer keeps own - mask, I keep the mask
            parts.append((mask, got) if ch.party == 0 else (got, mask))
    (x0, x1), (y0, y1) = parts
    X = np.concatenate([x0, x1], axis=0 if layout == "horizontal" else 1)
    y = np.concatenate([y0, y1]) if layout == "horizontal" else y0  # party 0 holds the labels
    return X, y.reshape(-1, 1)


def train_party(
    ch: Channel,
    X_i: np.ndarray,
    y_i: np.ndarray,
    material,
    learning_rate: float,
    n_iterations: int,
) -> np.ndarray:
    """One party's training on its shares (X_i (n, d), y_i (n, 1)); returns its share of w (d, 1)."""
    a_i, iterations = material
    n, d = X_i.shape
    step_enc, step_bits = encode_public(learning_rate / n, STEP_PRECISION_BITS)
    with ch.in_phase("input"):
        masked_X = protocol.open_shares(ch, X_i - a_i)  # X - A, opened once for the whole training
    masked_XT, a_iT = masked_X.T.copy(), a_i.T.copy()
    w = np.zeros((d, 1), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for t in range(n_iterations):
            m = iterations[t]
            u = protocol.beaver(ch, None, w, (a_i, *m.forward), np.matmul, masked_X)
            u = protocol.truncate(ch, u, m.trunc_u)
            s = protocol.sigmoid(ch, u, m.sigmoid, SIGMOID_COEFFICIENTS)
            g = protocol.beaver(ch, None, s - y_i, (a_iT, *m.backward), np.matmul, masked_XT)
            w = w - protocol.truncate(ch, g * step_enc, m.trunc_g, FRAC_BITS + step_bits)
    return w


def reveal_party(ch: Channel, w_i: np.ndarray, to: tuple[int, ...]) -> np.ndarray | None:
    """Open the weights to the parties in ``to`` (one round); None for a party not in ``to``."""
    if set(to) == {0, 1}:
        return decode(protocol.open_shares(ch, w_i)).ravel()
    if ch.party in to:
        return decode(w_i + ch.recv(w_i.shape)).ravel()
    ch.send(w_i)
    return None
