"""Secrecy checks for SMPC exercises: a protocol is graded on what it reveals, not only on its result.

An answer that opens x and y, multiplies in the clear and re-shares the product gets the right
result in the right number of rounds; only the messages tell it apart from Beaver. The checks here
read the SMPC channels' transcripts (``record=True``) and fail with :class:`SecrecyError`, naming
the secret that leaked and the round that leaked it:

* :func:`recording` collects the messages both parties send while a block runs (a
  :class:`~ppml_lab.smpc.transport.Transport` or an ``MPCSession``'s transport).
* :func:`assert_reveals_nothing` takes two or more runs of the answer on the **same** secret inputs
  with fresh randomness (fresh shares, fresh dealer material) and asserts that

  - every message a party sends, and every value a round opens (both parties' messages of the
    round added up, or a one-way message plus what the receiver already holds of each input),
    changes between the runs: a value that does not is a deterministic function of the inputs;
  - nothing sent or opened looks unmasked: uniformly random ring elements are almost never small,
    while fixed-point data and their products are (fewer than 2^44 in magnitude);
  - nothing sent or opened equals a secret, a multiple k * s of one (k a ring constant), or a
    secret plus or minus a public constant (c + s, c - s), elementwise in any order or layout.

* :func:`assert_beaver_shares_local` checks that each party's share of a Beaver product depends
  only on what that party holds and what was opened (its output does not move when the other
  party's secrets move under the same openings): an answer that adds up both parties' shares in
  one process and re-shares the product fails it.
* :func:`assert_shares_local` checks a local protocol step (local truncation, say), which sends
  nothing: each party's output must be a deterministic function of that party's own share, so an
  answer that adds up both shares, works on the reconstructed value and re-shares it fails it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SMALL_BITS = 44  # |signed value| below 2^44: not a uniformly random ring element (p = 2^-19 each)
MIN_MATCHES = 3  # element pairs that must agree on one relation before it is called a leak


class SecrecyError(AssertionError):
    """Raised when a protocol answer sends or opens something that depends on its secret inputs."""


@dataclass
class Run:
    """One run of an answer: every message either party sent, and each party's share of each input."""

    messages: list[Any] = field(default_factory=list)
    holdings: dict[str, Sequence[np.ndarray]] = field(default_factory=dict)


def _channels(transport: Any) -> Sequence[Any]:
    transport = getattr(transport, "transport", transport)  # an MPCSession
    channels = getattr(transport, "channels", None)
    if channels is None:
        raise TypeError(f"transport must be a Transport or an MPCSession, got {type(transport).__name__}")
    return channels


@contextmanager
def recording(transport: Any) -> Iterator[list[Any]]:
    """Record the messages both parties send inside the ``with`` block; the list is filled on exit."""
    channels = _channels(transport)
    start = [len(ch.transcript) for ch in channels]
    for ch in channels:
        ch.record = True
    out: list[Any] = []
    try:
        yield out
    finally:
        for ch, k in zip(channels, start, strict=True):
            out.extend(m for m in ch.transcript[k:] if m.sender == ch.party)


def _where(m: Any) -> str:
    return f"{m.phase} round {m.round}"


def _opened(run: Run) -> list[tuple[str, np.ndarray]]:
    """What each round made public to a party: the sum of an exchange, or a one-way message plus the
    receiver's share of each input of the same size."""
    by_round: dict[tuple[str, int], dict[int, Any]] = {}
    for m in run.messages:
        by_round.setdefault((m.phase, m.round), {})[m.sender] = m
    out = []
    for (phase, rnd), msgs in sorted(by_round.items()):
        if len(msgs) == 2 and msgs[0].value.size == msgs[1].value.size:
            with np.errstate(over="ignore"):
                total = msgs[0].value.ravel() + msgs[1].value.ravel()
            out.append((f"the value opened in {phase} round {rnd} (both parties' messages added)", total))
            continue
        for sender, m in msgs.items():
            receiver = 1 - sender
            for name, shares in run.holdings.items():
                held = np.asarray(shares[receiver], dtype=np.uint64)
                for layout in (held, held.T):
                    if layout.size == m.value.size:
                        with np.errstate(over="ignore"):
                            seen = m.value.ravel() + layout.ravel()
                        out.append((f"what party {receiver} learns in {phase} round {rnd} (party {sender}'s "
                                    f"message plus party {receiver}'s share of {name})", seen))
    return out


def _values(run: Run) -> list[tuple[str, np.ndarray]]:
    sent = [(f"party {m.sender}'s message in {_where(m)}", m.value.ravel()) for m in run.messages]
    return sent + _opened(run)


def _encoded(secret: Any) -> np.ndarray:
    arr = np.asarray(secret)
    if arr.dtype == np.uint64:
        return arr.ravel()
    from ppml_lab.smpc.ring import encode

    return encode(arr).ravel()


def _odd_inverse(s: np.ndarray) -> np.ndarray:
    """Inverses modulo 2^64 of odd ring elements (Newton's iteration doubles the correct bits)."""
    inv = s.copy()
    with np.errstate(over="ignore"):
        for _ in range(6):
            inv = inv * (np.uint64(2) - s * inv)
    return inv


def _most_common(values: np.ndarray) -> tuple[int, int]:
    if values.size == 0:
        return 0, 0
    uniq, counts = np.unique(values, return_counts=True)
    k = int(np.argmax(counts))
    return int(counts[k]), int(uniq[k])


def _relation(value: np.ndarray, secret: np.ndarray) -> str | None:
    """How ``value`` depends on ``secret`` elementwise (any order), or None."""
    s = np.unique(secret)
    if value.size == 0 or s.size == 0:
        return None
    need = min(MIN_MATCHES, value.size)
    o = value[:, None]
    with np.errstate(over="ignore"):
        if np.isin(value, s).sum() >= need:
            return "equals"
        n, c = _most_common((o - s[None, :]).ravel())
        if n >= need:
            return f"is it plus a public constant ({np.uint64(c).view(np.int64)})"
        n, c = _most_common((o + s[None, :]).ravel())
        if n >= need:
            return f"is a public constant ({np.uint64(c).view(np.int64)}) minus it"
        odd = s[(s & np.uint64(1)) == 1]
        if odd.size:
            n, k = _most_common((o * _odd_inverse(odd)[None, :]).ravel())
            if n >= need:
                return f"is a multiple of it (k = {np.uint64(k).view(np.int64)} in the ring)"
    return None


def _small(value: np.ndarray) -> int:
    signed = value.view(np.int64)
    return int(np.sum((signed < 2**SMALL_BITS) & (signed > -(2**SMALL_BITS))))


def _fail(what: str, detail: str) -> None:
    raise SecrecyError(
        f"No marks for this answer: the protocol is not secret. {what[0].upper()}{what[1:]} {detail}. "
        "In a secure protocol "
        "every value a party sends or opens is masked by fresh randomness: it changes from run to run "
        "and says nothing about the inputs."
    )


def assert_reveals_nothing(runs: Sequence[Run], secrets: Mapping[str, Any]) -> None:
    """Fail with :class:`SecrecyError` when the runs (same secret inputs, fresh randomness) send or
    open a value that does not change between runs, looks unmasked, or is a secret (see the module
    docstring). ``secrets`` maps names ("x", "X", "the labels y") to real arrays or ring elements."""
    if len(runs) < 2:
        raise ValueError(f"runs must hold at least two runs of the answer, got {len(runs)}")
    encoded = {name: _encoded(v) for name, v in secrets.items()}
    views = [_values(r) for r in runs]
    for what, value in views[0]:
        if value.size >= MIN_MATCHES:
            small = _small(value)
            if small >= MIN_MATCHES and small >= 0.05 * value.size:
                named = [n for n, s in encoded.items() if _relation(value, s)]
                leaked = f"it holds {', '.join(named)}" if named else "it is not masked"
                _fail(what, f"holds {small} of {value.size} values that are small fixed-point numbers: {leaked}")
        for name, s in encoded.items():
            rel = _relation(value, s)
            if rel is not None:
                _fail(what, f"{rel} {name}")
    first = dict(views[0])
    for view in views[1:]:
        if [w for w, _ in view] != [w for w, _ in views[0]]:
            _fail("Two runs on the same inputs", "sent different sequences of messages")
        for what, value in view:
            before = first[what]
            if before.shape == value.shape and value.size and np.any(before == value):
                j = int(np.flatnonzero(before == value)[0])
                _fail(what, f"is the same in two runs on the same inputs (element {j}): it is a deterministic "
                      "function of the secret inputs, not masked")


def assert_beaver_shares_local(
    student_fn: Callable[..., Any], shape: tuple[int, ...] = (6,), *, transport_factory: Callable[[], Any]
) -> None:
    """Each party's share of x*y must depend only on its own shares, its triple shares and the opened
    d, e: move the other party's secrets (and triple shares) so that d and e stay the same, and the
    party's output must not move. ``student_fn(x_shares, y_shares, triple, transport)``."""
    from ppml_lab.smpc.dealer import Triple
    from ppml_lab.smpc.randomness import random_ring_elements
    from ppml_lab.smpc.sharing import share

    x, y = random_ring_elements(shape), random_ring_elements(shape)
    a, b = random_ring_elements(shape), random_ring_elements(shape)
    xs, ys, a_s, b_s, c_s = share(x), share(y), share(a), share(b), share(a * b)
    base = [np.asarray(z, dtype=np.uint64) for z in student_fn(xs, ys, Triple(a_s, b_s, c_s), transport_factory())]
    for mine in (0, 1):
        other = 1 - mine
        delta, eps = random_ring_elements(shape), random_ring_elements(shape)
        with np.errstate(over="ignore"):
            xs2, ys2, a2, b2 = list(xs), list(ys), list(a_s), list(b_s)
            xs2[other], a2[other] = xs[other] + delta, a_s[other] + delta  # x - a unchanged
            ys2[other], b2[other] = ys[other] + eps, b_s[other] + eps
            c2 = list(c_s)
            c2[other] = (a + delta) * (b + eps) - c_s[mine]
        z = [np.asarray(v, dtype=np.uint64) for v in student_fn(xs2, ys2, Triple(a2, b2, c2), transport_factory())]
        if not np.array_equal(z[mine], base[mine]):
            raise SecrecyError(
                f"No marks for this answer: party {mine}'s share of x*y changed when only party {other}'s "
                f"secrets changed (party {mine}'s shares, its triple shares and the opened d, e stayed the "
                f"same). Each party must compute its share from what it holds and what was opened, not "
                f"from the other party's shares."
            )


def assert_beaver_protocol_secret(student_fn: Callable[..., Any], shape: tuple[int, ...] = (12,)) -> None:
    """Run ``student_fn(x_shares, y_shares, triple, transport)`` twice on the same random x, y with
    fresh shares and triples, check the transcripts (:func:`assert_reveals_nothing`, secrets x, y
    and x*y) and that each party's output share is its own (:func:`assert_beaver_shares_local`)."""
    from ppml_lab.smpc.dealer import TrustedDealer
    from ppml_lab.smpc.randomness import random_ring_elements
    from ppml_lab.smpc.sharing import share
    from ppml_lab.smpc.transport import Transport

    x, y = random_ring_elements(shape), random_ring_elements(shape)
    runs = []
    for _ in range(2):
        transport = Transport(record=True)
        xs, ys = share(x), share(y)
        with recording(transport) as messages:
            student_fn(xs, ys, TrustedDealer(2).elementwise_triple(shape), transport)
        runs.append(Run(messages, {"x": xs, "y": ys}))
    with np.errstate(over="ignore"):
        product = x * y
    assert_reveals_nothing(runs, {"x": x, "y": y, "the product x*y": product})
    assert_beaver_shares_local(student_fn, shape, transport_factory=Transport)


def assert_session_protocol_secret(
    student_fn: Callable[..., Any],
    inputs: Mapping[str, tuple[np.ndarray, int]],
    *extra_args: Any,
    derived: Mapping[str, np.ndarray] | None = None,
    runs: int = 2,
) -> list[Any]:
    """Run ``student_fn(*shared_inputs, *extra_args)`` ``runs`` times, each in a fresh recording
    ``MPCSession`` on the same real-valued ``inputs`` (name -> (array, owner party), in argument
    order), and check the transcripts with :func:`assert_reveals_nothing`. ``derived`` names further
    values that must stay secret (the true scores X @ w, say). Returns the answer's results."""
    from ppml_lab.smpc.tensor import MPCSession

    recorded, results = [], []
    for _ in range(runs):
        session = MPCSession(record=True)
        shared = [session.share(values, owner=owner) for values, owner in inputs.values()]
        with recording(session) as messages:
            results.append(student_fn(*shared, *extra_args))
        recorded.append(Run(messages, {name: t.shares for name, t in zip(inputs, shared, strict=True)}))
    secrets = {name: values for name, (values, _) in inputs.items()}
    secrets.update(derived or {})
    assert_reveals_nothing(recorded, secrets)
    return results


def assert_shares_local(
    student_fn: Callable[..., Any], shares: Sequence[np.ndarray], *args: Any, what: str = "the result"
) -> None:
    """``student_fn(shares, *args)`` returns both parties' shares of ``what`` from both parties'
    shares, and each party must compute its own from its own share alone: the same call must give
    the same output, and party p's output must not move when only the other party's share moves."""
    from ppml_lab.smpc.randomness import random_ring_elements

    def run(pair: Sequence[np.ndarray]) -> list[np.ndarray]:
        return [np.asarray(z, dtype=np.uint64) for z in student_fn([np.array(v) for v in pair], *args)]

    base = run(shares)
    if any(not np.array_equal(z, b) for z, b in zip(run(shares), base, strict=True)):
        raise SecrecyError(
            f"No marks for this answer: two calls on the same shares gave different shares of {what}. "
            "A local step is a deterministic function of each party's own share; fresh randomness in the "
            "output means the value was re-shared, so some process saw it whole (the shares added up, "
            "the reconstructed value worked on and split again)."
        )
    for mine in (0, 1):
        other = 1 - mine
        moved = list(shares)
        moved[other] = random_ring_elements(np.shape(shares[other]))
        if not np.array_equal(run(moved)[mine], base[mine]):
            raise SecrecyError(
                f"No marks for this answer: party {mine}'s share of {what} changed when only party {other}'s "
                f"share changed. Each party must compute its share from its own share alone, with no "
                f"message; an answer that adds up both shares and works on the reconstructed value "
                f"reveals it to whoever runs that code."
            )


def assert_triples_used_once(
    messages: Sequence[Any], triples: Sequence[Any], operand: np.ndarray, name: str = "X"
) -> None:
    """Each Beaver triple must mask ``operand`` (a secret ring array that every product of the answer
    multiplies, such as the data X) in at most one round: a round opens ``operand - a`` or
    ``operand - b`` of the triple it uses, and a second round opening the same mask means the triple
    served two products, whose openings then subtract to a difference of secrets."""
    from ppml_lab.smpc.sharing import reconstruct

    secret = np.asarray(operand, dtype=np.uint64).ravel()
    opened = _opened(Run(list(messages), {}))
    for k, triple in enumerate(triples):
        masks = [np.asarray(reconstruct(part), dtype=np.uint64).ravel() for part in (triple.a, triple.b)]
        used = []
        for what, value in opened:
            with np.errstate(over="ignore"):
                if any(m.size == secret.size and np.isin(secret - m, value).mean() > 0.5 for m in masks):
                    used.append(what)
        if len(used) > 1:
            raise SecrecyError(
                f"No marks for this answer: triples[{k}] masked {name} in {len(used)} rounds ({used[0]}; "
                f"{used[1]}). A Beaver triple serves one product only: two openings under the same mask "
                f"subtract to a difference of secrets (exercise 2.3)."
            )


def assert_share_protocol_secret(
    student_fn: Callable[..., Any],
    inputs: Mapping[str, np.ndarray],
    make_args: Callable[[Any], Sequence[Any]],
    *,
    derived: Mapping[str, np.ndarray] | None = None,
    runs: int = 2,
) -> list[Any]:
    """Run ``student_fn(*shares, *make_args(transport))`` ``runs`` times on fresh shares of the same
    real-valued ``inputs`` (name -> array, fixed point, in argument order) with a fresh recording
    ``Transport`` (and whatever fresh dealer material ``make_args`` draws), and check the transcripts
    with :func:`assert_reveals_nothing`; ``derived`` names further values that must stay secret."""
    from ppml_lab.smpc.ring import encode
    from ppml_lab.smpc.sharing import share
    from ppml_lab.smpc.transport import Transport

    recorded, results = [], []
    for _ in range(runs):
        transport = Transport(record=True)
        shared = {name: share(encode(values)) for name, values in inputs.items()}
        with recording(transport) as messages:
            results.append(student_fn(*shared.values(), *make_args(transport)))
        recorded.append(Run(messages, shared))
    assert_reveals_nothing(recorded, {**inputs, **(derived or {})})
    return results
