"""Who holds which OpenFHE key: the key owner (secret key) and the server (evaluation keys only).

The key owner generates every key. It keeps the secret key and hands the server a
:class:`PublicKeys` bundle: the crypto context, whose key store holds the relinearization, rotation
and bootstrapping keys, and the public key. Those let the server multiply, rotate and refresh
ciphertexts (bootstrapping needs no secret) and encrypt, but not decrypt. OpenFHE keeps evaluation
keys in a per-process store, so a server in another process would load them from the key owner's
serialized files; within one process the two parties share the context object and the server simply
never receives the secret key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import openfhe as ofhe

from ppml_lab._checks import check_int
from ppml_lab.he.openfhe.params import (
    DEFAULT_PRESET,
    OpenFHEParameters,
    get_parameters,
    make_crypto_context,
)


@dataclass(frozen=True)
class PublicKeys:
    """What the server receives: the context (with evaluation keys) and the public key."""

    context: ofhe.CryptoContext
    public_key: ofhe.PublicKey
    params: OpenFHEParameters
    bootstrap_slots: int | None


class KeyOwner:
    """Holds the secret key; encrypts, decrypts, and issues the server's evaluation keys.

    ``rotations``: the rotation steps the server may apply; ``bootstrap_slots``: the (power of two)
    number of slots of the ciphertexts the server may bootstrap, or ``None`` for no bootstrapping.
    ``decryptions`` counts every decryption, so a protocol can show how often the key owner took part.
    """

    def __init__(
        self,
        params: str | OpenFHEParameters = DEFAULT_PRESET,
        *,
        rotations: Sequence[int] = (),
        bootstrap_slots: int | None = None,
        allow_insecure_for_teaching: bool = False,
    ) -> None:
        self.params = get_parameters(params)
        if bootstrap_slots is not None:
            check_int("bootstrap_slots", bootstrap_slots, minimum=2, maximum=self.params.slots)
            if bootstrap_slots & (bootstrap_slots - 1):
                raise ValueError(f"bootstrap_slots must be a power of two, got {bootstrap_slots}")
        steps = sorted({check_int("rotations", int(r)) for r in rotations})
        if any(abs(r) >= self.params.slots or r == 0 for r in steps):
            raise ValueError(f"rotations must be nonzero and below {self.params.slots} in size, got {steps}")
        cc = make_crypto_context(self.params, allow_insecure_for_teaching=allow_insecure_for_teaching)
        if bootstrap_slots is not None:
            cc.EvalBootstrapSetup(list(self.params.level_budget), [0, 0], bootstrap_slots)
        keys = cc.KeyGen()  # OpenFHE draws key material from the OS entropy source
        cc.EvalMultKeyGen(keys.secretKey)
        if steps:
            cc.EvalRotateKeyGen(keys.secretKey, steps)
        if bootstrap_slots is not None:
            cc.EvalBootstrapKeyGen(keys.secretKey, bootstrap_slots)
        self._context, self._secret_key, self._public_key = cc, keys.secretKey, keys.publicKey
        self.rotations, self.bootstrap_slots = steps, bootstrap_slots
        self.counts: Counter = Counter()

    @property
    def fresh_level(self) -> int:
        """The level a bootstrap leaves a ciphertext at; fresh encryptions start there too, so
        that every ciphertext of a computation has the same ``levels_after_bootstrap`` levels."""
        return self.params.depth - self.params.levels_after_bootstrap - 1

    def public_keys(self) -> PublicKeys:
        """The server's bundle: context with evaluation keys, public key, no secret key."""
        return PublicKeys(self._context, self._public_key, self.params, self.bootstrap_slots)

    def encrypt(self, values, *, slots: int | None = None, level: int | None = None) -> ofhe.Ciphertext:
        """Encrypt a real vector (``slots`` < N/2 makes a sparse ciphertext) at ``level``."""
        values = np.asarray(values, dtype=float).reshape(-1)
        slots = self.params.slots if slots is None else slots
        if len(values) > slots:
            raise ValueError(f"values: {len(values)} entries do not fit in {slots} slots")
        level = self.fresh_level if level is None else level
        plain = self._context.MakeCKKSPackedPlaintext(values.tolist(), 1, level, None, slots)
        self.counts["encryptions"] += 1
        return self._context.Encrypt(self._public_key, plain)

    def decrypt(self, cipher: ofhe.Ciphertext, length: int | None = None) -> np.ndarray:
        """The real parts of the first ``length`` slots (all the ciphertext's slots by default)."""
        plain = self._context.Decrypt(self._secret_key, cipher)
        plain.SetLength(cipher.GetSlots() if length is None else length)
        self.counts["decryptions"] += 1
        return np.asarray(plain.GetRealPackedValue())


class Server:
    """Computes on ciphertexts with the key owner's :class:`PublicKeys` only.

    Every homomorphic step is counted in ``counts`` (products, rotations, bootstraps), so a trainer
    can report what an epoch costs.
    """

    def __init__(self, keys: PublicKeys) -> None:
        if not isinstance(keys, PublicKeys):
            raise TypeError(f"keys must be the key owner's PublicKeys, got {type(keys).__name__}")
        if isinstance(keys.public_key, ofhe.PrivateKey):
            raise ValueError("keys must not hold the secret key")
        self.context, self.public_key = keys.context, keys.public_key
        self.params, self.bootstrap_slots = keys.params, keys.bootstrap_slots
        self.counts: Counter = Counter()

    def encode(self, values, level: int = 0) -> ofhe.Plaintext:
        """A public constant vector over all slots."""
        values = np.asarray(values, dtype=float).reshape(-1)
        return self.context.MakeCKKSPackedPlaintext(values.tolist(), 1, level, None, self.params.slots)

    def encrypt(self, values, *, slots: int | None = None, level: int = 0) -> ofhe.Ciphertext:
        """Anyone with the public key can encrypt (e.g. a server-side constant)."""
        values = np.asarray(values, dtype=float).reshape(-1)
        plain = self.context.MakeCKKSPackedPlaintext(
            values.tolist(), 1, level, None, self.params.slots if slots is None else slots
        )
        return self.context.Encrypt(self.public_key, plain)

    def multiply(self, a, b) -> ofhe.Ciphertext:
        """a * b (ciphertext or plaintext b); OpenFHE relinearizes and rescales on its own."""
        self.counts["plaintext products" if isinstance(b, ofhe.Plaintext) else "ciphertext products"] += 1
        return self.context.EvalMult(a, b)

    def add(self, a: ofhe.Ciphertext, b) -> ofhe.Ciphertext:
        return self.context.EvalAdd(a, b)

    def subtract(self, a: ofhe.Ciphertext, b) -> ofhe.Ciphertext:
        return self.context.EvalSub(a, b)

    def rotation_sum(self, cipher: ofhe.Ciphertext, step: int, count: int) -> ofhe.Ciphertext:
        """Slot i becomes sum_{j < count} slot(i + j * step); ``count`` a power of two."""
        check_int("count", count, minimum=1)
        if count & (count - 1):
            raise ValueError(f"count must be a power of two, got {count}")
        while count > 1:
            cipher = self.context.EvalAdd(cipher, self.context.EvalRotate(cipher, step))
            self.counts["rotations"] += 1
            step, count = step * 2, count // 2
        return cipher

    def bootstrap(self, cipher: ofhe.Ciphertext) -> ofhe.Ciphertext:
        """Refresh the levels of a ciphertext of ``bootstrap_slots`` slots, without any secret."""
        if self.bootstrap_slots is None:
            raise ValueError("the key owner issued no bootstrapping keys (bootstrap_slots=None)")
        cipher = cipher.Clone()
        cipher.SetSlots(self.bootstrap_slots)
        self.counts["bootstraps"] += 1
        return self.context.EvalBootstrap(cipher)
