"""The packed trainer's epoch circuit on raw SEAL ciphertexts (``tenseal.sealapi``).

The key owner's side (:class:`_PackedKeyOwner`) encrypts at a chosen level and scale and decrypts;
the server's side (:class:`_PackedServer`) evaluates scores, the cubic sigmoid and the gradient with
a public context only. It sums ciphertext products before one relinearization, rescales before
relinearizing or rotating (key switching is cheaper with fewer primes), keeps each operand at the
level it is used at, and uses the exact scales of :class:`~ppml_lab.he.scales._ScalePlan`.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import tenseal.sealapi as sealapi

from ppml_lab.he.packing import PackedLayout
from ppml_lab.he.parties import KeyOwner, Server
from ppml_lab.he.scales import _chain, _same_scale, _ScalePlan


class _PackedKeyOwner:
    """The key owner's side of the packed trainer: encrypts at a chosen level and scale, decrypts.

    Built on the key owner's own context: the secret key never leaves this object.
    """

    def __init__(self, owner: KeyOwner) -> None:
        seal_context, secret_key = owner.seal_secret_key()  # used only on the key owner's side
        self.encoder = sealapi.CKKSEncoder(seal_context)
        self.encryptor = sealapi.Encryptor(seal_context, secret_key)
        self.decryptor = sealapi.Decryptor(seal_context, secret_key)
        self.primes, self.parms_ids = _chain(seal_context)
        self.counts: Counter = Counter()

    def encrypt(self, values: np.ndarray, level: int, scale: float) -> sealapi.Ciphertext:
        """Encrypt a slot vector at ``level`` (0 = top of the chain) and ``scale``."""
        plain, cipher = sealapi.Plaintext(), sealapi.Ciphertext()
        self.encoder.encode(np.asarray(values, dtype=float).tolist(), self.parms_ids[level], scale, plain)
        self.encryptor.encrypt_symmetric(plain, cipher)
        self.counts["encryptions"] += 1
        return cipher

    def decrypt(self, cipher: sealapi.Ciphertext) -> np.ndarray:
        plain = sealapi.Plaintext()
        self.decryptor.decrypt(cipher, plain)
        self.counts["decryptions"] += 1
        return np.asarray(self.encoder.decode_double(plain))


class _PackedServer:
    """The server's side: the epoch circuit on ciphertexts, with a public context only.

    The evaluator, the encoder of public constants and the evaluation keys all come from the
    :class:`~ppml_lab.he.parties.Server`'s context, deserialized from the key owner's
    ``public_context()`` bytes: nothing here can decrypt. Ciphertexts pass between the two sides as
    objects of this process; across a network they would be serialized — per epoch, one weight
    ciphertext per column block to the server and one gradient ciphertext per column block back.
    """

    def __init__(self, server: Server, layout: PackedLayout, scales: _ScalePlan, coefficients) -> None:
        context = server.context
        if context.is_private():
            raise ValueError("the server's context must not hold the secret key")
        seal_context = context.seal_context().data
        self.evaluator = sealapi.Evaluator(seal_context)
        self.relin_keys = context.relin_keys().data
        self.galois_keys = context.galois_keys().data
        self.layout, self.scales = layout, scales
        self.counts: Counter = Counter()
        c0, c1, c2, c3 = (float(c) for c in coefficients)
        if c2 != 0.0 or c1 == 0.0 or c3 == 0.0:
            raise ValueError("coefficients must describe an odd cubic with nonzero c1 and c3")
        encoder = sealapi.CKKSEncoder(seal_context)
        _, parms_ids = _chain(seal_context)
        top = len(parms_ids) - 5  # the circuit starts where four rescales are left
        # c3 and c1 multiply the scores (one level down); encoded once, they never change
        self.cubic, self.linear = sealapi.Plaintext(), sealapi.Plaintext()
        encoder.encode(c3, parms_ids[top + 1], scales.cubic_constant, self.cubic)
        encoder.encode(c1, parms_ids[top + 1], scales.linear_constant, self.linear)
        self.error_level = parms_ids[top + 3]

    # -- primitive steps, counted ------------------------------------------------------------------
    def _sum_of_products(self, pairs) -> sealapi.Ciphertext:
        """sum a_i * b_i with one relinearization (after rescaling: fewer primes, cheaper)."""
        ev, acc, tmp = self.evaluator, sealapi.Ciphertext(), sealapi.Ciphertext()
        for i, (a, b) in enumerate(pairs):
            ev.multiply(a, b, acc if i == 0 else tmp)
            if i:
                ev.add_inplace(acc, tmp)
            self.counts["ciphertext products"] += 1
        ev.rescale_to_next_inplace(acc)
        ev.relinearize_inplace(acc, self.relin_keys)
        self.counts["relinearizations"] += 1
        return acc

    def _rotation_sum(self, cipher: sealapi.Ciphertext, step: int, count: int) -> None:
        """In place: slot i becomes sum_{j < count} slot(i + j * step); ``count`` a power of two."""
        tmp = sealapi.Ciphertext()
        while count > 1:
            self.evaluator.rotate_vector(cipher, step, self.galois_keys, tmp)
            self.evaluator.add_inplace(cipher, tmp)
            self.counts["rotations"] += 1
            step, count = step * 2, count // 2

    # -- the epoch circuit -------------------------------------------------------------------------
    def scores(self, blocks: list[sealapi.Ciphertext], weights: list[sealapi.Ciphertext]):
        """Scores of one row block, replicated in every group of slots (level 1)."""
        z = self._sum_of_products(zip(blocks, weights, strict=True))
        self._rotation_sum(z, self.layout.block_rows, self.layout.block_columns)
        return z

    def error(self, z: sealapi.Ciphertext, shifted_labels: sealapi.Ciphertext) -> sealapi.Ciphertext:
        """c3 z^3 + c1 z + (c0 - y): the sigmoid polynomial minus the label (level 3)."""
        ev, s = self.evaluator, self.scales
        square = sealapi.Ciphertext()
        ev.square(z, square)
        ev.rescale_to_next_inplace(square)
        ev.relinearize_inplace(square, self.relin_keys)
        cubic_z = sealapi.Ciphertext()
        ev.multiply_plain(z, self.cubic, cubic_z)
        ev.rescale_to_next_inplace(cubic_z)
        error = sealapi.Ciphertext()
        ev.multiply(square, cubic_z, error)
        ev.rescale_to_next_inplace(error)
        ev.relinearize_inplace(error, self.relin_keys)
        linear = sealapi.Ciphertext()
        ev.multiply_plain(z, self.linear, linear)
        ev.rescale_to_next_inplace(linear)
        ev.mod_switch_to_inplace(linear, self.error_level)
        _same_scale(error, s.error)
        _same_scale(linear, s.error)
        ev.add_inplace(error, linear)
        ev.add_inplace(error, shifted_labels)
        self.counts["ciphertext products"] += 2
        self.counts["plaintext products"] += 2
        self.counts["relinearizations"] += 2
        return error

    def gradient(self, blocks: list[sealapi.Ciphertext], errors: list[sealapi.Ciphertext]):
        """X^T e for one column block (entry f at slot f * block_rows; level 4, the last)."""
        g = self._sum_of_products(zip(blocks, errors, strict=True))
        _same_scale(g, self.scales.gradient)
        self._rotation_sum(g, 1, self.layout.block_rows)
        return g
