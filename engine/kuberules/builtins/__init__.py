"""The builtin functions and methods, with their static signatures.

Builtins raise plain EvalError (or TypeError/ValueError); the compiled call
site adds the span, like OPA's handleBuiltinErr. Each group of functions
lives in its own module and registers itself here on import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Builtin:
    """A function `name(args)` or, with a receiver, a method `x.name(args)`.

    `params` are static types per argument ("dyn" accepts anything); the
    checker uses them to reject `size(1)` before anything runs.
    """

    name: str
    fn: Callable
    params: tuple[str, ...]
    result: str
    receiver: str | None = None
    optional: int = 0  # how many trailing params may be left out

    @property
    def arity(self) -> tuple[int, int]:
        return len(self.params) - self.optional, len(self.params)


FUNCTIONS: dict[str, list[Builtin]] = {}
METHODS: dict[str, list[Builtin]] = {}


def function(name: str, params: tuple[str, ...], result: str, optional: int = 0):
    def register(fn: Callable) -> Callable:
        FUNCTIONS.setdefault(name, []).append(Builtin(name, fn, params, result, None, optional))
        return fn

    return register


def method(name: str, receiver: str, params: tuple[str, ...], result: str, optional: int = 0):
    def register(fn: Callable) -> Callable:
        METHODS.setdefault(name, []).append(Builtin(name, fn, params, result, receiver, optional))
        return fn

    return register


def _load() -> None:
    from . import cluster, conversions, kubernetes, lists, network, ports, strings  # noqa: F401


_load()
