"""size() and the list functions of the Kubernetes CEL library."""

from __future__ import annotations

from itertools import pairwise

from ..errors import EvalError
from ..runtime.values import add, compare, equal, no_overload
from . import function, method


@function("size", ("string|list|map",), "int")
def size(value: object) -> int:
    if type(value) in (str, list, dict):
        return len(value)
    raise no_overload("size", value)


for _receiver in ("string", "list", "map"):
    method("size", _receiver, (), "int")(size)


@method("sum", "list", (), "dyn")
def list_sum(items: list) -> object:
    if not items:
        return 0
    total = items[0]
    for item in items[1:]:
        total = add(total, item)
    return total


@method("min", "list", (), "dyn")
def list_min(items: list) -> object:
    if not items:
        raise EvalError("invalid_argument", "min() of an empty list")
    best = items[0]
    for item in items[1:]:
        if compare(item, best) < 0:
            best = item
    return best


@method("max", "list", (), "dyn")
def list_max(items: list) -> object:
    if not items:
        raise EvalError("invalid_argument", "max() of an empty list")
    best = items[0]
    for item in items[1:]:
        if compare(item, best) > 0:
            best = item
    return best


@method("isSorted", "list", (), "bool")
def is_sorted(items: list) -> bool:
    return all(compare(a, b) <= 0 for a, b in pairwise(items))


@method("keys", "map", (), "list")
def keys(mapping: dict) -> list:
    return list(mapping)


@method("values", "map", (), "list")
def values(mapping: dict) -> list:
    return list(mapping.values())


@method("indexOf", "list", ("dyn",), "int")
def list_index_of(items: list, value: object) -> int:
    for i, item in enumerate(items):
        if equal(item, value):
            return i
    return -1
