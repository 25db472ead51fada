"""Who holds which key: the key owner keeps the secret key; the server gets a public context.

The :class:`KeyOwner` (the data owner — here the applicants' side or a bank's data office) creates
the context, encrypts, decrypts and refreshes ciphertexts. It hands the :class:`Server` a
serialized context *without* the secret key, and ciphertexts as bytes, so the server can compute
on ciphertexts but never decrypt them. Decryption works on a copy: a ciphertext object the server
holds is never relinked to the key owner's context, so it stays undecryptable after any call.
"""

from __future__ import annotations

from collections.abc import Sequence

import tenseal as ts
import tenseal.sealapi as sealapi

from ppml_lab.he.params import CKKSParameters, get_parameters, make_context


class KeyOwner:
    """Holds the secret key: encrypts, decrypts, and refreshes ciphertexts that ran out of depth."""

    def __init__(self, params: str | CKKSParameters = "n8192_depth4", *, symmetric: bool = True) -> None:
        self.params = get_parameters(params)
        # The key owner does all encryption itself, so secret-key (symmetric) encryption, about twice
        # as fast, is the default; pass symmetric=False if other parties must encrypt too.
        self.symmetric = symmetric
        self._context = make_context(self.params, symmetric=symmetric)
        self._public: bytes | None = None

    def public_context(self) -> bytes:
        """The context with evaluation keys (relinearization, Galois) and, if any, the public
        encryption key: never the secret key.

        Serialized once and kept: the keys never change, and at N = 8192 the Galois keys alone
        take tens of megabytes and seconds to serialize."""
        if self._public is None:
            self._public = self._context.serialize(
                save_public_key=not self.symmetric,
                save_secret_key=False,
                save_galois_keys=True,
                save_relin_keys=True,
            )
        return self._public

    def seal_secret_key(self) -> tuple[sealapi.SEALContext, sealapi.SecretKey]:
        """The raw SEAL context and secret key, for building an encryptor or decryptor on the key
        owner's side of a raw-SEAL protocol (``tenseal.sealapi``). Never hand them to the server."""
        return self._context.seal_context().data, self._context.secret_key().data

    def encrypt(self, values: Sequence[float]) -> ts.CKKSVector:
        """A ciphertext under this owner's key (send ``.serialize()`` to the server)."""
        return ts.ckks_vector(self._context, list(map(float, values)))

    def decrypt(self, vector: ts.CKKSVector | bytes) -> list[float]:
        """Decrypt a vector (or its serialized bytes) produced under this owner's key.

        Works on a private copy: the caller's object keeps its own (public) context. Raw CKKS
        decryptions carry the encryption noise, which leaks the secret key if they go back to the
        evaluator (IND-CPA-D, Li and Micciancio 2021): release them to no one who computed on them.
        """
        if isinstance(vector, ts.CKKSVector):
            vector = vector.serialize()
        if not isinstance(vector, bytes | bytearray):
            raise TypeError(f"vector must be a CKKSVector or its serialized bytes, got {type(vector).__name__}")
        return ts.ckks_vector_from(self._context, bytes(vector)).decrypt()

    def refresh(self, vector: ts.CKKSVector | bytes, replicate: int | None = None) -> bytes:
        """Decrypt and re-encrypt (full depth again), as bytes for the server; optionally replicate
        slot 0 ``replicate`` times.

        TenSEAL has no bootstrapping, so this is where a long computation is refreshed; the key owner
        sees the refreshed values, which is part of the threat model of the protocol that asks for it.
        """
        values = self.decrypt(vector)
        return self.encrypt([values[0]] * replicate if replicate else values).serialize()


class Server:
    """Computes on ciphertexts with a public context; cannot decrypt."""

    def __init__(self, public_context: bytes) -> None:
        if not isinstance(public_context, bytes | bytearray):
            raise TypeError(
                f"public_context must be the bytes of KeyOwner.public_context(), got {type(public_context).__name__}"
            )
        self.context = ts.context_from(bytes(public_context))
        if self.context.is_private():
            raise ValueError("public_context must not contain the secret key")

    def load(self, ciphertext: bytes) -> ts.CKKSVector:
        """A ciphertext received as bytes (``vector.serialize()``), on this server's public context."""
        if not isinstance(ciphertext, bytes | bytearray):
            raise TypeError(
                "ciphertext must be the serialized bytes the key owner sends (vector.serialize()), "
                f"got {type(ciphertext).__name__}: a live object may still be linked to the secret key"
            )
        return ts.ckks_vector_from(self.context, bytes(ciphertext))
