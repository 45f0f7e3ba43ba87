"""size() and the list functions of the Kubernetes CEL library."""

from __future__ import annotations

from itertools import pairwise

from ..errors import EvalError
from ..runtime.values import add, compare, equal, no_overload, type_name
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


@method("lastIndexOf", "list", ("dyn",), "int")
def list_last_index_of(items: list, value: object) -> int:
    for i in range(len(items) - 1, -1, -1):
        if equal(items[i], value):
            return i
    return -1


@method("indexOf", "list", ("dyn",), "int")
def list_index_of(items: list, value: object) -> int:
    for i, item in enumerate(items):
        if equal(item, value):
            return i
    return -1


def _merged(maps: list) -> dict:
    out: dict = {}
    for m in maps:
        if type(m) is not dict:
            raise EvalError("no_such_overload", f"merge() needs maps, not {type_name(m)}")
        for key, value in m.items():
            if type(key) in (int, bool) and key in out:
                same = next(k for k in out if k == key)
                if type(same) is not type(key):
                    raise EvalError("invalid_argument",
                                    f"map keys cannot mix int and bool: {_show(same)} and {_show(key)}")
            out[key] = value
    return out


@method("merge", "map", ("map",), "map")
def map_merge(mapping: dict, other: dict) -> dict:
    """The entries of both maps, other's winning where both have a key: the map
    building block CEL lacks (defaults applied under what is set, usage summed per key)."""
    return _merged([mapping, other])


@method("merge", "list", (), "map")
def list_merge(maps: list) -> dict:
    """The entries of a list of maps, later maps winning: `names.map(n, {n: f(n)}).merge()`."""
    return _merged(maps)


def _show(key: object) -> str:
    return str(key).lower() if type(key) is bool else str(key)


@method("sort", "list", (), "list")
def list_sort(items: list) -> list:
    """Ascending by `<` (cel-go's ext.Lists sort): elements must be mutually ordered."""
    return sorted(items, key=_Ordered)


@method("distinct", "list", (), "list")
def list_distinct(items: list) -> list:
    """The first of each group of equal elements, in order (cel-go's ext.Lists distinct)."""
    out: list = []
    for item in items:
        if not any(equal(item, seen) for seen in out):
            out.append(item)
    return out


class _Ordered:
    """A sort key comparing by CEL's `<` (an error for unordered pairs)."""

    __slots__ = ("value",)

    def __init__(self, value: object):
        self.value = value

    def __lt__(self, other: _Ordered) -> bool:
        return compare(self.value, other.value) < 0


@method("flatten", "list", (), "list")
def list_flatten(items: list) -> list:
    """One level of nesting removed (cel-go's ext.Lists flatten): [[1], [2, 3], 4] -> [1, 2, 3, 4]."""
    out: list = []
    for item in items:
        if type(item) is list:
            out.extend(item)
        else:
            out.append(item)
    return out


_RANGE_LIMIT = 100_000


@function("range", ("int",), "list")
def int_range(n: int) -> list:
    """[0, 1, ..., n-1] (cel-go's lists.range): positions, for what refers to an element by its index."""
    if type(n) is not int:
        raise EvalError("no_such_overload", f"range() needs an int, not {type_name(n)}")
    if n > _RANGE_LIMIT:
        raise EvalError("invalid_argument", f"range({n}) is longer than {_RANGE_LIMIT}")
    return list(range(max(n, 0)))
