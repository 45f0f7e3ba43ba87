"""CEL values, equality, ordering and arithmetic.

Values are plain Python objects: int, float, str, bool, None, list, dict, plus
Quantity, Selector, CelType and ClusterView. Python's own operators are close
to CEL but not equal (True == 1, 1 + 1.5, unbounded ints, floor division),
so every operator the language exposes goes through a function here.
"""

from __future__ import annotations

import math

from ..errors import EvalError
from ..k8s.labels import Selector
from ..k8s.quantity import Quantity, QuantityError

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class CelType:
    """A type as a value: what `type(x)` returns and `int`, `string` ... denote."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


TYPES = {
    name: CelType(name)
    for name in (
        "int", "double", "string", "bool", "null_type", "list", "map", "type",
        "quantity", "selector", "cluster",
    )
}

_TYPE_OF = {
    int: "int", float: "double", str: "string", bool: "bool", type(None): "null_type",
    list: "list", dict: "map", CelType: "type", Quantity: "quantity", Selector: "selector",
}


def type_name(value: object) -> str:
    name = _TYPE_OF.get(type(value))
    if name is None:
        name = getattr(value, "cel_type_name", None)
        if name is None:
            raise EvalError("unsupported_value", f"unsupported value of Python type {type(value).__name__}")
    return name


def cel_type(value: object) -> CelType:
    return TYPES[type_name(value)]


def no_overload(op: str, *values: object) -> EvalError:
    kinds = ", ".join(type_name(v) for v in values)
    return EvalError("no_such_overload", f"no such overload: {op}({kinds})")


# ------------------------------------------------------------- equality


def equal(a: object, b: object) -> bool:
    """CEL heterogeneous equality: numbers compare by value across int and
    double, other types differ; lists and maps compare element-wise."""
    ta, tb = type(a), type(b)
    if ta is tb:
        if ta is list:
            return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
        if ta is dict:
            if len(a) != len(b):
                return False
            return all(_has_key(b, key) and equal(value, b[key]) for key, value in a.items())
        return a == b
    if ta in _NUMERIC and tb in _NUMERIC:
        return a == b
    if (ta is Quantity and tb in _NUMERIC) or (tb is Quantity and ta in _NUMERIC):
        return compare(a, b) == 0
    return False


_NUMERIC = (int, float)


def _has_key(mapping: dict, key: object) -> bool:
    """Key presence with CEL's typed keys (Python says True == 1)."""
    if type(key) is str:
        return key in mapping
    return key in mapping and any(type(k) is type(key) and k == key for k in mapping)


# ------------------------------------------------------------- ordering


def compare(a: object, b: object, op: str = "_<_") -> int:
    """-1, 0 or 1; raises no_such_overload for unordered pairs (and NaN is
    never ordered: callers treat it through `less` and friends)."""
    ta, tb = type(a), type(b)
    if ta is tb and ta in (int, float, str, bool):
        return (a > b) - (a < b)
    if ta in _NUMERIC and tb in _NUMERIC:
        return (a > b) - (a < b)
    if ta is Quantity or tb is Quantity:
        qa, qb = _as_quantity(a), _as_quantity(b)
        if qa is not None and qb is not None:
            return qa.compare(qb)
    raise no_overload(op, a, b)


def _as_quantity(value: object) -> Quantity | None:
    if type(value) is Quantity:
        return value
    if type(value) is int or (type(value) is float and math.isfinite(value)):
        return Quantity.from_number(value)
    return None


def _ordered(a, b, op: str) -> int | None:
    """compare(), or None when a NaN makes the pair unordered."""
    order = compare(a, b, op)  # rejects unordered types even next to a NaN
    if (type(a) is float and math.isnan(a)) or (type(b) is float and math.isnan(b)):
        return None
    return order


def less(a, b) -> bool:
    order = _ordered(a, b, "_<_")
    return order is not None and order < 0


def less_equal(a, b) -> bool:
    order = _ordered(a, b, "_<=_")
    return order is not None and order <= 0


def greater(a, b) -> bool:
    order = _ordered(a, b, "_>_")
    return order is not None and order > 0


def greater_equal(a, b) -> bool:
    order = _ordered(a, b, "_>=_")
    return order is not None and order >= 0


def contains(container: object, item: object) -> bool:
    """`item in container`: list membership by CEL equality, map key presence."""
    tc = type(container)
    if tc is list or tc is dict:
        # A str equals only a str, so Python's own `in` is exact; other values
        # need CEL equality (Python says True == 1).
        if type(item) is str:
            return item in container
        return any(equal(x, item) for x in container)
    raise no_overload("@in", item, container)


# ----------------------------------------------------------- arithmetic


def check_int(value: int, op: str) -> int:
    if INT64_MIN <= value <= INT64_MAX:
        return value
    raise EvalError("overflow", f"integer overflow in {op}")


def add(a, b):
    ta, tb = type(a), type(b)
    if ta is tb:
        if ta is int:
            return check_int(a + b, "_+_")
        if ta in (float, str, list):
            return a + b
        if ta is Quantity:
            return _exact(a.__add__, b)
    raise no_overload("_+_", a, b)


def subtract(a, b):
    ta, tb = type(a), type(b)
    if ta is tb:
        if ta is int:
            return check_int(a - b, "_-_")
        if ta is float:
            return a - b
        if ta is Quantity:
            return _exact(a.__sub__, b)
    raise no_overload("_-_", a, b)


def _exact(operation, other):
    """Quantity arithmetic refuses sums it cannot hold exactly (scales
    thousands of digits apart): that is an error value, not a crash."""
    try:
        return operation(other)
    except QuantityError as err:
        raise EvalError("invalid_argument", str(err)) from None


def multiply(a, b):
    ta, tb = type(a), type(b)
    if ta is tb and ta is int:
        return check_int(a * b, "_*_")
    if ta is tb and ta is float:
        return a * b
    if ta is Quantity and tb is int:
        return a * b
    if ta is int and tb is Quantity:
        return b * a
    raise no_overload("_*_", a, b)


def divide(a, b):
    ta, tb = type(a), type(b)
    if ta is tb and ta is int:
        if b == 0:
            raise EvalError("division_by_zero", "division by zero")
        q = abs(a) // abs(b)
        return check_int(q if (a < 0) == (b < 0) else -q, "_/_")
    if ta is tb and ta is float:
        if b == 0.0:
            if a == 0.0 or math.isnan(a):
                return math.nan
            return math.copysign(math.inf, a) * math.copysign(1.0, b)
        return a / b
    raise no_overload("_/_", a, b)


def modulo(a, b):
    if type(a) is int and type(b) is int:
        if b == 0:
            raise EvalError("modulus_by_zero", "modulus by zero")
        if a == INT64_MIN and b == -1:  # as cel-go: the quotient overflows
            raise EvalError("overflow", "integer overflow in _%_")
        r = abs(a) % abs(b)
        return -r if a < 0 else r
    raise no_overload("_%_", a, b)


def negate(a):
    ta = type(a)
    if ta is int:
        return check_int(-a, "-_")
    if ta is float or ta is Quantity:
        return -a
    raise no_overload("-_", a)


def logical_not(a):
    if type(a) is bool:
        return not a
    raise no_overload("!_", a)
