"""Slot rotations of TenSEAL CKKS vectors, and the rotate-and-sum that adds up n slots.

A CKKS ciphertext holds a vector of slots; a Galois key lets the server rotate it (slot i of the
result holds slot i + steps) without decrypting. Rotations consume no level, but each is a key
switch, the most expensive operation after a ciphertext product, so a sum of n slots is done with
ceil(log2 n) rotations by 1, 2, 4, ... slots, each added to the running total (the "rotate-and-sum"),
not with n - 1 rotations. TenSEAL's own ``CKKSVector.sum`` does the same internally.

``rotate`` counts its calls (``rotations_done``), so a lesson can check how many rotations an
encrypted sum used.
"""

from __future__ import annotations

import operator
import os
import tempfile

import tenseal as ts
import tenseal.sealapi as sealapi

_ROTATIONS = [0]


def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _with_ciphertext(serialized: bytes, cipher_bytes: bytes) -> bytes:
    """A serialized CKKSVector with its one ciphertext (protobuf field 2) replaced."""
    out, i = bytearray(), 0
    while i < len(serialized):
        start = i
        key, i = _varint(serialized, i)
        wire = key & 7
        if wire == 0:
            _, i = _varint(serialized, i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            length, i = _varint(serialized, i)
            i += length
            if key >> 3 == 2:
                out += _encode_varint(key) + _encode_varint(len(cipher_bytes)) + cipher_bytes
                continue
        else:
            raise ValueError(f"unexpected protobuf wire type {wire} in a serialized CKKSVector")
        out += serialized[start:i]
    return bytes(out)


def rotate(vector: ts.CKKSVector, steps: int) -> ts.CKKSVector:
    """A new ciphertext whose slot i holds slot ``i + steps`` of ``vector`` (cyclically over all slots).

    Needs the context's Galois keys, never the secret key: the server can rotate. ``steps`` may be
    negative (a rotation to the right). Each call is one rotation (see ``rotations_done``).
    """
    if not isinstance(vector, ts.CKKSVector):
        raise TypeError(f"vector must be a tenseal.CKKSVector, got {type(vector).__name__}")
    try:
        steps = operator.index(steps) if not isinstance(steps, bool) else None
    except TypeError:
        steps = None
    if steps is None:
        raise TypeError("steps must be an integer")
    context = vector.context()
    if not context.has_galois_keys():
        raise ValueError("vector's context has no Galois keys: the key owner must generate them to allow rotations")
    seal_context = context.seal_context().data
    steps %= seal_context.first_context_data().parms().poly_modulus_degree() // 2  # a full turn is no move
    _ROTATIONS[0] += 1
    if steps == 0:
        return vector.copy()
    cipher = vector.data.ciphertext()[0]
    sealapi.Evaluator(seal_context).rotate_vector_inplace(cipher, steps, context.galois_keys().data)
    with tempfile.TemporaryDirectory(prefix="ppml-lab-rotate-") as tmp:
        path = os.path.join(tmp, "ciphertext")
        cipher.save(path)
        with open(path, "rb") as fh:
            cipher_bytes = fh.read()
    return ts.ckks_vector_from(context, _with_ciphertext(vector.serialize(), cipher_bytes))


def rotations_done() -> int:
    """How many rotations ``rotate`` has done in this process."""
    return _ROTATIONS[0]


def rotation_sum(vector: ts.CKKSVector, n: int) -> ts.CKKSVector:
    """A ciphertext whose slot 0 holds the sum of slots 0..n-1 of ``vector``, in ceil(log2 n) rotations.

    The slots from n up to the next power of two must hold zeros (a vector of n values encrypted on
    its own does). The other slots of the result hold partial sums: only slot 0 is the answer.
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= vector.size():
        raise ValueError(f"n must be an integer between 1 and the vector's size {vector.size()}, got {n!r}")
    total, step = vector, 1
    while step < n:
        total = total + rotate(total, step)
        step *= 2
    return total
