"""Checks for homomorphic-encryption exercises: the server computes on ciphertexts and never decrypts.

A server-side answer is called with ciphertexts loaded on a context that holds no secret key (the
public context a :class:`ppml_lab.he.KeyOwner` hands out), made by a key owner that exists only in
the hidden test. ``run_on_server`` runs it under ``assert_own_implementation`` and also refuses, with
a message saying why, every way of reading the plaintext: decrypting (TenSEAL's ``decrypt``, the
kit's ``KeyOwner.decrypt``, Paillier's private key), reaching for a secret key or an encryptor, and
encrypting afresh (a fresh encryption of a result computed in the clear needed that plaintext).
``server_ciphertext`` then checks the answer is a ciphertext of exactly the expected type, still on
a public context, before the test decrypts it on the key owner's side.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from autograder.checks import DelegationError, as_plain, assert_own_implementation

SECRECY_TOPICS = ("he_secret_key",)
DEPTH_TOPICS = ("he_depth",)
SLOT_SUM_TOPICS = ("he_slot_sum",)
_SECRET_WORDS = ("decrypt", "secret_key", "encryptor", "ckks_vector", "ckks_tensor", "PrivateKey",
                 "seal_secret_key", "KeyOwner.encrypt", "KeyOwner.refresh")


class ServerDecrypts(DelegationError):
    """Raised when a server-side answer decrypts, uses the secret key or re-encrypts a plaintext."""


def run_on_server(
    student_fn: Callable[..., Any],
    reference_fn: Callable[..., Any],
    *args: Any,
    allowed: Iterable[Any] = (),
    forbid: Iterable[Any] = (),
    **kwargs: Any,
) -> Any:
    """``assert_own_implementation`` for the server's side of an HE protocol.

    Besides the kit and known equivalents, refuses decryption, the secret key, encryptors and fresh
    encryptions; such an answer fails with :class:`ServerDecrypts` naming what it called.
    """
    try:
        return assert_own_implementation(
            student_fn, reference_fn, *args, allowed=allowed, forbid=[*SECRECY_TOPICS, *forbid], **kwargs
        )
    except ServerDecrypts:
        raise
    except DelegationError as err:
        text = str(err)
        if any(word in text for word in _SECRET_WORDS):
            called = re.search(r"it calls (\S+?),", text)
            what = f"it calls {called.group(1)}" if called else "it reaches for the key owner's side"
            raise ServerDecrypts(
                f"No marks for this answer: {what}, but the server never decrypts and never sees the secret "
                "key. It holds only the public context, so decrypting, or encrypting a result computed in "
                "the clear (which needs the plaintext), is not a computation it can do; compute on the "
                "ciphertexts you are given."
            ) from None
        raise


def server_ciphertext(value: Any, kind: type, *, name: str = "the answer") -> Any:
    """``value`` if it is exactly a ``kind`` ciphertext on a context without the secret key.

    A ciphertext linked to a private context was encrypted (or relinked) with the key owner's key:
    the server has no such context, so the result did not come from the server's computation.
    """
    value = as_plain(value, kind, name=name)
    context = getattr(value, "context", None)
    if callable(context):
        ctx = context()
        if ctx.is_private() or ctx.has_secret_key():
            raise ServerDecrypts(
                f"{name} is linked to a context that holds the secret key: the server has only the public "
                "context, so this ciphertext was made or relinked with the key owner's key, not computed "
                "from the ciphertexts it was given"
            )
    return value


def server_ciphertexts(value: Any, kind: type, length: int, *, name: str = "the answer") -> list[Any]:
    """A list (or tuple) of exactly ``length`` ciphertexts, each checked by ``server_ciphertext``."""
    if type(value) not in (list, tuple):
        as_plain(value, kind, name=name)  # a clear message for a disguised value
        raise AssertionError(f"{name} must be a list of {length} ciphertexts; got {type(value).__name__}")
    if len(value) != length:
        raise AssertionError(f"{name} must hold {length} ciphertexts (one per feature); got {len(value)}")
    return [server_ciphertext(v, kind, name=f"{name}[{i}]") for i, v in enumerate(value)]


def levels_left(vector: Any) -> int:
    """Primes left in a TenSEAL vector's ciphertext (one fewer after each rescaled product)."""
    return int(vector.ciphertext()[0].coeff_modulus_size())
