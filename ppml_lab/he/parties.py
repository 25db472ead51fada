"""Who holds which key: the key owner keeps the secret key; the server gets a public context.

The :class:`KeyOwner` (the data owner — here the applicants' side or a bank's data office) creates
the context, encrypts, decrypts and refreshes ciphertexts. It hands the :class:`Server` a
serialized context *without* the secret key, so the server can compute on ciphertexts but never
decrypt them: there is no API through which the secret key leaves its owner.
"""

from __future__ import annotations

from collections.abc import Sequence

import tenseal as ts

from ppml_lab.he.params import CKKSParameters, get_parameters, make_context


class KeyOwner:
    """Holds the secret key: encrypts, decrypts, and refreshes ciphertexts that ran out of depth."""

    def __init__(self, params: str | CKKSParameters = "n8192_depth4", *, symmetric: bool = True) -> None:
        self.params = get_parameters(params)
        # The key owner does all encryption itself, so secret-key (symmetric) encryption, about twice
        # as fast, is the default; pass symmetric=False if other parties must encrypt too.
        self.symmetric = symmetric
        self._context = make_context(self.params, symmetric=symmetric)

    def public_context(self) -> bytes:
        """The context with evaluation keys (relinearization, Galois) and, if any, the public
        encryption key: never the secret key."""
        return self._context.serialize(
            save_public_key=not self.symmetric,
            save_secret_key=False,
            save_galois_keys=True,
            save_relin_keys=True,
        )

    def encrypt(self, values: Sequence[float]) -> ts.CKKSVector:
        return ts.ckks_vector(self._context, list(map(float, values)))

    def decrypt(self, vector: ts.CKKSVector | bytes) -> list[float]:
        """Decrypt a vector (or its serialized bytes) produced under this owner's key."""
        if isinstance(vector, bytes | bytearray):
            vector = ts.ckks_vector_from(self._context, vector)
        else:
            vector.link_context(self._context)
        return vector.decrypt()

    def refresh(self, vector: ts.CKKSVector, replicate: int | None = None) -> ts.CKKSVector:
        """Decrypt and re-encrypt (full depth again); optionally replicate slot 0 ``replicate`` times.

        TenSEAL has no bootstrapping, so this is where a long computation is refreshed; the key owner
        sees the refreshed values, which is part of the threat model of the protocol that asks for it.
        """
        values = self.decrypt(vector)
        return self.encrypt([values[0]] * replicate if replicate else values)


class Server:
    """Computes on ciphertexts with a public context; cannot decrypt."""

    def __init__(self, public_context: bytes) -> None:
        self.context = ts.context_from(public_context)
        if self.context.is_private():
            raise ValueError("public_context must not contain the secret key")

    def load(self, vector: ts.CKKSVector) -> ts.CKKSVector:
        """Attach a ciphertext received from the key owner to this server's public context."""
        received = ts.ckks_vector_from(self.context, vector.serialize())
        return received
