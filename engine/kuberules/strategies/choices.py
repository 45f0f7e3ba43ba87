"""Choices drawn inside the object strategies, without building a strategy per choice.

Building a strategy object (and hypothesis validating it) costs more than drawing from it, and the object
strategies choose among lists made on the fly (a cluster's namespaces, a pod's labels) thousands of times.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from hypothesis import strategies as st

T = TypeVar("T")


def one_in(draw: st.DrawFn, n: int) -> bool:
    """True about once in `n` draws, and False once shrunk (so that what it guards shrinks away)."""
    return draw(st.integers(1, n)) == n


def pick(draw: st.DrawFn, options: Sequence[T]) -> T:
    """One of `options` (not empty); shrinks to the first."""
    return options[draw(st.integers(0, len(options) - 1))]


def some(draw: st.DrawFn, options: Sequence[T], most: int) -> list[T]:
    """At most `most` of `options`, each kept about one time in three, in their order; shrinks to none."""
    return [o for o in options if one_in(draw, 3)][:most]
