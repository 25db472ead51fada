"""Who sees what under each technique: the threat models of the orientation lesson, as data.

Several hospitals want a model of their patients' records, and each technique decides who handles
what on the way (``00_orientation`` states the scenario in full):

* **HE**: the key holder encrypts the records; a server computes the model on ciphertexts and
  returns it encrypted; the key holder decrypts it.
* **SMPC**: the records are split into shares among computing parties, which compute on shares and
  open only the final model.
* **FL**: each client trains on its own records and sends its update to the server (no secure
  aggregation), which averages the updates into the model it sends back to every client.
* **DP** (central): the hospitals give their records to a trusted curator, which computes the model
  and publishes it with noise to the analyst.

:func:`what_party_sees` lists, for one technique and one party, everything of the computation that
party holds in the clear or receives, other than its own inputs, in the words of :data:`VOCABULARY`.
"""

from __future__ import annotations

VOCABULARY: tuple[str, ...] = (
    "raw records",  # other parties' records in the clear
    "ciphertexts",
    "shares",
    "individual updates",  # each client's own model update
    "aggregate update",  # only the sum of the clients' updates
    "exact result",  # the model itself, computed without noise
    "noisy result",  # the model published with DP noise
)

_SEES: dict[tuple[str, str], frozenset[str]] = {
    ("HE", "server"): frozenset({"ciphertexts"}),
    ("HE", "key holder"): frozenset({"ciphertexts", "exact result"}),
    ("SMPC", "computing party"): frozenset({"shares", "exact result"}),
    ("FL", "server"): frozenset({"individual updates", "exact result"}),
    ("FL", "client"): frozenset({"exact result"}),
    ("DP", "curator"): frozenset({"raw records", "exact result", "noisy result"}),
    ("DP", "analyst"): frozenset({"noisy result"}),
}

TECHNIQUES: tuple[str, ...] = ("HE", "SMPC", "FL", "DP")
PARTIES: dict[str, tuple[str, ...]] = {t: tuple(p for (t2, p) in _SEES if t2 == t) for t in TECHNIQUES}


def what_party_sees(technique: str, party: str) -> set[str]:
    """What ``party`` sees under ``technique`` (items of :data:`VOCABULARY`), as a new set.

    Raises ``ValueError`` naming ``technique`` when it is not one of :data:`TECHNIQUES`, and naming
    ``party`` when that technique has no such party (:data:`PARTIES`).
    """
    if technique not in PARTIES:
        raise ValueError(f"technique must be one of {TECHNIQUES}, got {technique!r}")
    if party not in PARTIES[technique]:
        raise ValueError(f"party must be one of {PARTIES[technique]} for {technique}, got {party!r}")
    return set(_SEES[(technique, party)])
