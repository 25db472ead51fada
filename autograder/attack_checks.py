"""Checks for answers that are sets of words, and other shapes ``autograder.values`` does not cover.

``as_plain_set`` is ``as_plain`` for an exercise whose answer is a set of items from a stated
vocabulary (the orientation lesson's threat model): an exact ``set`` or ``frozenset`` of exact
``str``, every item from the vocabulary. Subclasses are refused, since they can override equality.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def as_plain_set(value: Any, vocabulary: Iterable[str], *, name: str = "the answer") -> frozenset[str]:
    """``value`` as a frozenset of vocabulary words, or an ``AssertionError`` saying what was expected."""
    if type(value) not in (set, frozenset):
        raise AssertionError(
            f"{name} must be a set (or frozenset) of strings; got {type(value).__name__} {value!r:.120}"
        )
    items = list(value)
    odd = [x for x in items if type(x) is not str]
    if odd:
        raise AssertionError(f"{name} must hold plain strings; got {type(odd[0]).__name__} {odd[0]!r:.80}")
    words = set(vocabulary)
    unknown = sorted(set(items) - words)
    if unknown:
        raise AssertionError(f"{name} holds {unknown}, which are not in the vocabulary {sorted(words)}")
    return frozenset(items)
