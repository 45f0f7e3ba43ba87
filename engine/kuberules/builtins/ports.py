"""Port sets, for rules that combine NetworkPolicy port ranges.

A port set is a list of `[protocol, first, last]` ranges. The rules decide
which ranges a policy admits; these two functions only do the set algebra, in
the normal form every answer is compared in: sorted by protocol and first
port, overlapping and adjacent ranges of a protocol merged.
"""

from __future__ import annotations

from ..errors import EvalError
from . import function


def _ranges(value: object, where: str) -> list[tuple[str, int, int]]:
    if type(value) is not list:
        raise EvalError("no_such_overload", f"{where}: a port set is a list of [protocol, first, last]")
    out = []
    for item in value:
        if (type(item) is not list or len(item) != 3 or type(item[0]) is not str
                or type(item[1]) is not int or type(item[2]) is not int):
            raise EvalError("invalid_argument", f"{where}: {item!r} is not [protocol, first, last]")
        if item[1] <= item[2]:
            out.append((item[0], item[1], item[2]))
    return out


def _normal(ranges: list[tuple[str, int, int]]) -> list[list]:
    out: list[list] = []
    for protocol, first, last in sorted(ranges):
        if out and out[-1][0] == protocol and first <= out[-1][2] + 1:
            out[-1][2] = max(out[-1][2], last)
        else:
            out.append([protocol, first, last])
    return out


@function("portsUnion", ("list",), "list")
def ports_union(sets: list) -> list:
    """The union of a list of port ranges (or of port sets, flattened first), in normal form."""
    return _normal(_ranges(sets, "portsUnion"))


@function("portsIntersect", ("list", "list"), "list")
def ports_intersect(a: list, b: list) -> list:
    """The ports in both sets, in normal form."""
    left, right = _normal(_ranges(a, "portsIntersect")), _normal(_ranges(b, "portsIntersect"))
    out, i, j = [], 0, 0
    while i < len(left) and j < len(right):
        (pa, fa, la), (pb, fb, lb) = left[i], right[j]
        if pa != pb:
            if pa < pb:
                i += 1
            else:
                j += 1
            continue
        if max(fa, fb) <= min(la, lb):
            out.append([pa, max(fa, fb), min(la, lb)])
        if la < lb:
            i += 1
        else:
            j += 1
    return out
