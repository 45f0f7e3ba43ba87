"""The strategies a rule file's `property` blocks can draw from, by the name the language writes.

Each entry says which keyword arguments its strategy takes (with their rule-language types, so the
checker can reject a wrong argument before anything runs) and, in one line, what one drawn value is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis.strategies import SearchStrategy

from . import objects


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # rule-language type of the argument: "string" | "int" | "bool" | "list" | "map"
    required: bool = False


@dataclass(frozen=True)
class Generator:
    """A strategy the rule language's `property` blocks can draw from, by name."""

    name: str  # as written in a rule file: pods, limitranges, ...
    params: tuple[Param, ...]
    build: Callable[..., SearchStrategy[Any]]  # called with keyword arguments (only those given)
    yields: str  # one line for docs/errors: "a Pod", "the LimitRanges of one namespace (a list)"


NAMESPACE = (Param("namespace", "string"),)

GENERATORS: dict[str, Generator] = {
    g.name: g
    for g in (
        Generator("pods", NAMESPACE, objects.pods, "a Pod"),
        Generator("limitranges", NAMESPACE, objects.limitrange_lists,
                  "the LimitRanges of one namespace (a list of 0-2)"),
    )
}
