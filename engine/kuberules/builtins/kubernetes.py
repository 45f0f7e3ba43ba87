"""Kubernetes value types in the language: quantities and label selectors.

The semantics live in kuberules.k8s (ports of apimachinery); these are the
language's doors to them, named as in the Kubernetes CEL quantity library.
"""

from __future__ import annotations

from ..errors import EvalError
from ..k8s.labels import (
    Selector,
    SelectorError,
    label_selector_from_string,
    parse_selector,
    selector_from_label_selector,
)
from ..k8s.names import is_dns1123_label, is_dns1123_subdomain, is_qualified_name, is_valid_label_value
from ..k8s.quantity import Quantity, QuantityError
from ..runtime.values import no_overload
from . import function, method

_PARSED: dict = {}


@function("quantity", ("dyn",), "quantity")
def quantity(value: object) -> Quantity:
    t = type(value)
    try:
        if t is Quantity:
            return value
        if t is str:
            q = _PARSED.get(value)
            if q is None:
                if len(_PARSED) >= 4096:
                    _PARSED.clear()
                q = _PARSED[value] = Quantity.parse(value)
            return q
        if t is int or t is float:
            return Quantity.from_number(value)
    except QuantityError as err:
        raise EvalError("invalid_argument", str(err)) from None
    raise no_overload("quantity", value)


@function("isQuantity", ("dyn",), "bool")
def is_quantity(value: object) -> bool:
    if type(value) is not str:
        return type(value) is Quantity
    try:
        Quantity.parse(value)
    except QuantityError:
        return False
    return True


def _other(value: object, op: str) -> Quantity | int:
    """Quantity operations take a quantity or an int; Quantity itself treats
    an int the way the Kubernetes CEL library does (an exponent-format value)."""
    if type(value) is Quantity or type(value) is int:
        return value
    raise EvalError("no_such_overload", f"no such overload: quantity.{op} expects a quantity or int")


@method("isGreaterThan", "quantity", ("dyn",), "bool")
def is_greater_than(q: Quantity, other: object) -> bool:
    return q.compare(_other(other, "isGreaterThan")) > 0


@method("isLessThan", "quantity", ("dyn",), "bool")
def is_less_than(q: Quantity, other: object) -> bool:
    return q.compare(_other(other, "isLessThan")) < 0


@method("compareTo", "quantity", ("dyn",), "int")
def compare_to(q: Quantity, other: object) -> int:
    return q.compare(_other(other, "compareTo"))


@method("add", "quantity", ("dyn",), "quantity")
def quantity_add(q: Quantity, other: object) -> Quantity:
    return q + _other(other, "add")


@method("sub", "quantity", ("dyn",), "quantity")
def quantity_sub(q: Quantity, other: object) -> Quantity:
    return q - _other(other, "sub")


@method("asInteger", "quantity", (), "int")
def as_integer(q: Quantity) -> int:
    try:
        return q.as_integer()
    except QuantityError as err:
        raise EvalError("invalid_argument", str(err)) from None


@method("asApproximateFloat", "quantity", (), "double")
def as_approximate_float(q: Quantity) -> float:
    return q.as_approximate_float()


@method("value", "quantity", (), "int")
def value(q: Quantity) -> int:
    """Quantity.Value: the value rounded up to an integer, exactly (no float on the way)."""
    try:
        return q.value()
    except QuantityError as err:
        raise EvalError("invalid_argument", str(err)) from None


@method("milliValue", "quantity", (), "int")
def milli_value(q: Quantity) -> int:
    """Quantity.MilliValue: the value in thousandths rounded up, exactly; what LimitRanger and
    validation compare."""
    try:
        return q.milli_value()
    except QuantityError as err:
        raise EvalError("invalid_argument", str(err)) from None


@method("isInteger", "quantity", (), "bool")
def is_integer(q: Quantity) -> bool:
    return q.is_integer()


@method("sign", "quantity", (), "int")
def sign(q: Quantity) -> int:
    return q.sign()


@function("selector", ("dyn",), "selector")
def selector(value: object) -> Selector:
    """A selector from its string form or from a LabelSelector object.

    An absent (null) LabelSelector selects nothing and `{}` selects
    everything, as LabelSelectorAsSelector decides.
    """
    try:
        if type(value) is Selector:
            return value
        if type(value) is str:
            return parse_selector(value)
        if value is None or type(value) is dict:
            return selector_from_label_selector(value)
    except SelectorError as err:
        raise EvalError("invalid_argument", str(err)) from None
    raise no_overload("selector", value)


@function("selectorErrors", ("dyn",), "list")
def selector_errors(value: object) -> list[str]:
    """Why a selector (string or LabelSelector object) is invalid, in
    upstream's words; empty when it is valid."""
    try:
        selector(value)
    except EvalError as err:
        return [err.message]
    return []


@function("labelSelector", ("dyn",), "map")
def label_selector(value: object) -> dict:
    """The LabelSelector object of a selector string (ParseToLabelSelector)."""
    if type(value) is Selector:
        value = str(value)
    if type(value) is not str:
        raise no_overload("labelSelector", value)
    try:
        return label_selector_from_string(value)
    except SelectorError as err:
        raise EvalError("invalid_argument", str(err)) from None


@method("matches", "selector", ("dyn",), "bool")
def selector_matches(sel: Selector, labels: object) -> bool:
    if labels is None:
        labels = {}
    if type(labels) is not dict:
        raise EvalError("no_such_overload", "selector.matches() expects a map of labels")
    return sel.matches(labels)


_NAME_CHECKS = {
    "dns1123-label": is_dns1123_label,
    "dns1123-subdomain": is_dns1123_subdomain,
    "qualified-name": is_qualified_name,
    "label-value": is_valid_label_value,
}


@function("nameErrors", ("string", "string"), "list")
def name_errors(kind: str, value: str) -> list[str]:
    """Upstream's messages for `value` as a Kubernetes name of `kind`
    (dns1123-label, dns1123-subdomain, qualified-name, label-value); empty
    when valid."""
    check = _NAME_CHECKS.get(kind) if type(kind) is str else None
    if check is None:
        raise EvalError("invalid_argument", f"nameErrors: kind must be one of {', '.join(_NAME_CHECKS)}")
    if type(value) is not str:
        raise EvalError("no_such_overload", "nameErrors: the name must be a string")
    return check(value)


@function("isDNS1123Label", ("string",), "bool")
def is_dns_label(value: str) -> bool:
    return not name_errors("dns1123-label", value)


@function("isDNS1123Subdomain", ("string",), "bool")
def is_dns_subdomain(value: str) -> bool:
    return not name_errors("dns1123-subdomain", value)


@function("isQualifiedName", ("string",), "bool")
def is_qualified(value: str) -> bool:
    return not name_errors("qualified-name", value)


@function("isLabelValue", ("string",), "bool")
def is_label_value(value: str) -> bool:
    return not name_errors("label-value", value)
