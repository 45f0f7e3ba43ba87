"""Type conversions: int(), double(), string(), bool(), type(), dyn()."""

from __future__ import annotations

import math
import re

from ..errors import EvalError
from ..goformat import format_float
from ..k8s.labels import Selector
from ..k8s.quantity import Quantity
from ..runtime.values import INT64_MAX, INT64_MIN, CelType, cel_type, no_overload
from . import function

_INT_TEXT = re.compile(r"[+-]?[0-9]+\Z")


@function("int", ("dyn",), "int")
def to_int(value: object) -> int:
    t = type(value)
    if t is int:
        return value
    if t is float:
        if not math.isfinite(value) or not (INT64_MIN <= value < 2.0**63):
            raise EvalError("overflow", f"int({value}) is out of range")
        return int(value)
    if t is str:
        if not _INT_TEXT.match(value):
            raise EvalError("invalid_argument", f"cannot convert {value!r} to int")
        result = int(value)
        if not INT64_MIN <= result <= INT64_MAX:
            raise EvalError("overflow", f"int({value!r}) is out of range")
        return result
    raise no_overload("int", value)


@function("double", ("dyn",), "double")
def to_double(value: object) -> float:
    t = type(value)
    if t is float:
        return value
    if t is int:
        return float(value)
    if t is str:
        return _parse_float(value)
    raise no_overload("double", value)


_DECIMAL_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")
_HEX_FLOAT = re.compile(r"[+-]?0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+\Z")
_SPECIAL_FLOATS = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "infinity": math.inf,
                   "+infinity": math.inf, "-infinity": -math.inf, "nan": math.nan}


def _parse_float(text: str) -> float:
    """strconv.ParseFloat(text, 64), as cel-go's double(string): no spaces,
    no underscores, no non-ASCII digits; out of range is an error."""
    special = _SPECIAL_FLOATS.get(text.lower())
    if special is not None:
        return special
    if _DECIMAL_FLOAT.match(text):
        value = float(text)
    elif _HEX_FLOAT.match(text):
        value = float.fromhex(text)
    else:
        raise EvalError("invalid_argument", f"cannot convert {text!r} to double")
    if math.isinf(value):
        raise EvalError("overflow", f"double({text!r}) is out of range")
    return value


@function("string", ("dyn",), "string")
def to_string(value: object) -> str:
    t = type(value)
    if t is str:
        return value
    if t is bool:
        return "true" if value else "false"
    if t is int:
        return str(value)
    if t is float:
        return format_float(value)
    if t is Quantity or t is Selector:
        return str(value)
    if t is CelType:
        return value.name
    raise no_overload("string", value)


_BOOL_TEXT = {
    "1": True, "t": True, "true": True, "TRUE": True, "True": True,
    "0": False, "f": False, "false": False, "FALSE": False, "False": False,
}


@function("bool", ("dyn",), "bool")
def to_bool(value: object) -> bool:
    if type(value) is bool:
        return value
    if type(value) is str and value in _BOOL_TEXT:
        return _BOOL_TEXT[value]
    raise EvalError("invalid_argument", f"cannot convert {value!r} to bool")


@function("type", ("dyn",), "type")
def type_of(value: object) -> CelType:
    return cel_type(value)


@function("dyn", ("dyn",), "dyn")
def dyn(value: object) -> object:
    return value

