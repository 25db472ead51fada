"""CKKS with bootstrapping through OpenFHE: encrypted training with no key owner in the loop.

OpenFHE's wheels are built for CPython 3.10, so this engine runs in its own environment
(``.venv-openfhe``, kernel ``ppml-lab-openfhe``); the main kit drives it as a subprocess. In order:
parameters and security (:mod:`.params`), the two parties (:mod:`.parties`), the slot layout, level
schedule and plaintext twin (:mod:`.plan`, pure NumPy, importable in both environments), and the
bootstrapped trainer (:mod:`.trainer`). Names that need ``openfhe`` load on first use, so
``ppml_lab.he.openfhe.plan`` imports without it.
"""

from __future__ import annotations

import importlib

from ppml_lab.he.openfhe.plan import (
    LEVELS_PER_EPOCH,
    RowPackedLayout,
    bootstrap_schedule,
    train_plaintext_twin,
)

_LAZY = {
    "BootstrappedEncryptedLR": "trainer",
    "DEFAULT_PRESET": "params",
    "PRESETS": "params",
    "InsecureOpenFHEParametersError": "params",
    "OpenFHEParameters": "params",
    "get_parameters": "params",
    "make_crypto_context": "params",
    "KeyOwner": "parties",
    "PublicKeys": "parties",
    "Server": "parties",
}

__all__ = [
    "LEVELS_PER_EPOCH",
    "RowPackedLayout",
    "bootstrap_schedule",
    "train_plaintext_twin",
    "BootstrappedEncryptedLR",
    "DEFAULT_PRESET",
    "PRESETS",
    "InsecureOpenFHEParametersError",
    "OpenFHEParameters",
    "get_parameters",
    "make_crypto_context",
    "KeyOwner",
    "PublicKeys",
    "Server",
]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
