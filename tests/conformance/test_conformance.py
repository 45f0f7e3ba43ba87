"""Conformance with Kubernetes: upstream's test tables, kept as data under specs/conformance/.

Every YAML file there names a `function`; ADAPTERS below maps it to a small
adapter over the kuberules API (kuberules.k8s.quantity, labels and names).
Each row becomes one test, `<file>:<note>`. A row with `want` passes when the
adapter's result is `want`; a row with `want_error` passes when the adapter
raises QuantityError or SelectorError with exactly that message; a row with
neither only has to succeed. specs/conformance/README.md describes the value
shapes each function takes.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import jsonschema
import pytest
import yaml

from kuberules.k8s.labels import (
    Requirement,
    Selector,
    SelectorError,
    _Lexer,
    _Parser,
    _Token,
    label_selector_from_string,
    parse_selector,
    selector_from_label_selector,
)
from kuberules.k8s.names import (
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_label_value,
)
from kuberules.k8s.quantity import Format, Quantity, QuantityError, _split
from kuberules.k8s.yaml_loader import LoadError, load_stream
from kuberules.resources import specs_dir

from .kubernetes_rules import kubernetes_policy
from .limitrange_adapters import LIMITRANGE_ADAPTERS
from .netpol_adapters import NETPOL_ADAPTERS
from .quota_adapters import QUOTA_ADAPTERS
from .rbac_adapters import RBAC_ADAPTERS
from .validation_adapters import VALIDATION_ADAPTERS

ROOT = specs_dir() / "conformance"
SCHEMA = json.loads((ROOT / "case.schema.json").read_text(encoding="utf-8"))
class YamlScalarError(Exception):
    """A yaml/scalars.yaml row's LoadError, raised so that want_error compares its message."""


ERRORS = (QuantityError, SelectorError, YamlScalarError)
NO_WANT = object()


def _load() -> dict[str, dict[str, Any]]:
    files = {}
    for path in sorted(ROOT.rglob("*.yaml")):
        with path.open(encoding="utf-8") as f:
            files[path.relative_to(ROOT).as_posix()] = yaml.safe_load(f)
    return files


FILES = _load()


def _cases() -> list[Any]:
    params = []
    for name, doc in FILES.items():
        if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
            continue  # test_file_matches_schema reports it
        for case in doc["cases"]:
            note = case.get("note") if isinstance(case, dict) else None
            params.append(pytest.param(name, doc.get("function"), case, id=f"{name}:{note}"))
    return params


# --- quantity adapters ------------------------------------------------------------------


def quantity(spec: dict[str, Any]) -> Quantity:
    """{parse: text} | {dec: [unscaled, exponent]} | {int: [unscaled, exponent]}, with an optional format.

    `dec` is upstream's decQuantity (an inf.Dec amount), `int` its intQuantity
    (an int64Amount); the zero Quantity{} is {int: [0, 0]}.
    """
    if "parse" in spec:
        return Quantity.parse(spec["parse"])
    fmt = Format(spec.get("format", Format.DECIMAL_SI))
    form = "dec" if "dec" in spec else "int"
    unscaled, exponent = spec[form]
    return Quantity(unscaled, exponent, fmt, int64_backed=form == "int")


def _fraction(q: Quantity) -> Fraction:
    return Fraction(q.unscaled) * Fraction(10) ** q.exponent


def _same(got: Quantity, want: Quantity) -> None:
    """Upstream's e.Cmp(a) == 0 and e.Format == a.Format."""
    assert (str(got), got.format) == (str(want), want.format)
    assert got.compare(want) == 0


def _equal(got: object, want: object) -> None:
    if want is not NO_WANT:
        assert type(got) is type(want), f"{got!r} is a {type(got).__name__}, want a {type(want).__name__}"
        assert got == want


def _returns(compute: Callable[[Any], Any]) -> Callable[[Any, Any], None]:
    """An adapter whose result is compared with `want` as plain data."""
    return lambda value, want: _equal(compute(value), want)


def _parse(text: str, want: Any) -> None:
    # TestQuantityParse: each row as written, then with "-" and "+" in front.
    results = {sign: Quantity.parse(sign + text) for sign in ("", "-", "+")}
    # Decomposing with parseQuantityString and re-parsing gives the same value.
    positive, _, num, denom, suffix = _split(text)
    rebuilt = ("" if positive else "-") + num + ("." + denom if denom else "") + suffix
    assert Quantity.parse(rebuilt) == results[""]
    assert (results[""].sign() < 0) == (not positive)
    if want is not NO_WANT:
        expect = quantity(want)
        _same(results[""], expect)
        _same(results["+"], expect)
        assert results["-"] == -expect
        assert results["-"].format is expect.format


def _string(value: dict[str, Any], want: Any) -> None:
    # TestQuantityString: the canonical form, parsing it back, an alternate spelling, the negation.
    q = quantity(value["quantity"])
    assert str(q) == want
    assert str(Quantity.parse(want)) == want
    if "alternate" in value:
        assert str(Quantity.parse(value["alternate"])) == want
    if q.sign():
        assert str(-q) == "-" + want


def _parse_emit(text: str, want: Any) -> None:
    assert str(Quantity.parse(text)) == want
    negative = Quantity.parse("-" + text)
    if negative.sign():
        assert str(negative) == "-" + want


def _compare(pair: list[dict[str, Any]], want: Any) -> None:
    x, y = map(quantity, pair)
    _equal(x.compare(y), want)


def _compare_all_forms(pair: list[dict[str, Any]], want: Any) -> None:
    # TestQuantityCmpInt64AndDec: every combination of the two forms, both ways round.
    (au, ae), (bu, be) = pair[0]["int"], pair[1]["int"]
    for a_int in (True, False):
        for b_int in (True, False):
            a, b = Quantity(au, ae, int64_backed=a_int), Quantity(bu, be, int64_backed=b_int)
            assert (a.compare(b), b.compare(a)) == (want, -want)
            assert (a == b, a < b, a >= b) == (want == 0, want < 0, want >= 0)


def _negate_string(spec: dict[str, Any], want: Any) -> None:
    q = quantity(spec)
    assert str(-q) == want
    assert -q != q


def _negate(spec: dict[str, Any], want: Any) -> None:
    q = quantity(spec)
    _same(-q, quantity(want))


def _add(pair: list[dict[str, Any]], want: Any) -> None:
    a, b = map(quantity, pair)
    _same(a + b, quantity(want))


def _sub(pair: list[dict[str, Any]], want: Any) -> None:
    a, b = map(quantity, pair)
    _same(a - b, quantity(want))


def _mul(value: list[Any], want: Any) -> None:
    # TestMul; each row also runs with the operand in the other form, where `ok` must not change.
    spec, factor = value
    q = quantity(spec)
    for int64 in (q.int64_backed, not q.int64_backed):
        product = Quantity(q.unscaled, q.exponent, q.format, int64) * factor
        ok = product.int64_backed or -(2**63) <= product.unscaled < 2**63  # Mul's return value
        _same(product, quantity(want["product"]))
        assert ok is want["ok"]
        assert product.int64_backed is (int64 and ok)  # at scale 0 the int64 form holds every exact product


def _as_approximate_float(spec: dict[str, Any], want: Any) -> None:
    got = quantity(spec).as_approximate_float()
    assert got == want or (math.isnan(got) and math.isnan(want))


def _parse_quantity(text: str, want: Any) -> None:
    # TestParseQuantity: AsInt64, AsDec and the canonical string.
    q = Quantity.parse(text)
    if want["as_int64"] is None:
        assert not q.is_integer()
    else:
        assert (q.is_integer(), q.as_integer()) == (True, want["as_int64"])
    assert _fraction(q) == Fraction(Decimal(want["as_dec"]))
    assert str(q) == want.get("canonical", text)


def _scaled_value(scales: list[int], want: Any) -> None:
    # NewScaledQuantity(1, from).ScaledValue(to); kuberules exposes scales 0 and -3 as
    # value() and milli_value(), and the port of ScaledValue as _scaled_value.
    source, target = scales
    _equal(Quantity(1, source)._scaled_value(target), want)


def _new_scaled_quantity(value: list[int], want: Any) -> None:
    n, scale = value
    q = Quantity(n, scale)  # NewScaledQuantity: an int64Amount, DecimalSI
    assert str(q) == want
    assert Quantity.parse(str(q))._scaled_value(scale) == n


def _new_quantity(value: list[Any], want: Any) -> None:
    # TestNewSet runs NewQuantity as it is and after ToDec.
    n, fmt = value
    for int64 in (True, False):
        q = Quantity(n, 0, Format(fmt), int64)
        assert str(q) == want
        assert Quantity.parse(str(q)).value() == n


def _new_milli_quantity(value: dict[str, Any], want: Any) -> None:
    q = Quantity(value["value"], -3, Format(value["format"]))
    assert str(q) == want
    if value["exact"]:
        assert Quantity.parse(str(q)).milli_value() == value["value"]


def _unmarshal_json(text: str) -> str:
    # json.Unmarshal of the raw text into a Quantity, then String(): from_number takes the decoded value.
    return str(Quantity.from_number(json.loads(text)))


def _zero(op: str) -> Callable[[str], list[str]]:
    def compute(text: str) -> list[str]:
        value, zero = Quantity.parse(text), Quantity.parse("0")
        if op == "+":
            return [str(value + zero), str(zero + value)]
        return [str(value - zero), str(zero - value)]

    return compute


def _arithmetic(value: dict[str, Any], want: Any) -> None:
    a = quantity(value["a"])
    b = value.get("b")
    b = quantity(b) if isinstance(b, dict) else b
    ops = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "neg": lambda: -a}
    q = ops[value["op"]]()
    observed = {
        "string": lambda: str(q), "format": lambda: str(q.format), "sign": q.sign,
        "as_int64": lambda: q.as_integer() if q.is_integer() else None,
        "int64_backed": lambda: q.int64_backed, "unscaled": lambda: q.unscaled,
        "exponent": lambda: q.exponent,
    }
    for key, expected in (want.items() if want is not NO_WANT else ()):
        if key == "equals":  # Cmp with the parsed text is 0
            assert q.compare(Quantity.parse(expected)) == 0
        else:
            assert observed[key]() == expected, key


def _value(text: str, want: Any) -> None:
    q = Quantity.parse(text)
    for key, method in (("value", q.value), ("milli_value", q.milli_value)):
        expected = want[key]
        if isinstance(expected, dict):
            with pytest.raises(QuantityError) as err:
                method()
            assert str(err.value) == expected["error"]
        else:
            assert method() == expected


# --- the CEL quantity library --------------------------------------------------------------

_CEL_TOKEN = re.compile(r'\s*(?:(?P<str>"[^"]*")|(?P<num>\d+)|(?P<id>[A-Za-z_]\w*)|(?P<op>==|&&|[-().,]))')
_CEL_FUNCTIONS: dict[str, Callable[..., Any]] = {"quantity": Quantity.parse}
_CEL_METHODS: dict[str, Callable[..., Any]] = {
    "isLessThan": lambda q, o: q < o, "isGreaterThan": lambda q, o: q > o, "compareTo": Quantity.compare,
    "add": lambda q, o: q + o, "sub": lambda q, o: q - o, "mul": lambda q, n: q * n,
    "asInteger": Quantity.as_integer, "isInteger": Quantity.is_integer,
    "asApproximateFloat": Quantity.as_approximate_float, "sign": Quantity.sign,
}


def _is_quantity(text: str) -> bool:
    try:
        Quantity.parse(text)
    except QuantityError:
        return False
    return True


_CEL_FUNCTIONS["isQuantity"] = _is_quantity


class _Cel:
    """Evaluates the quantity-library expressions of upstream's CEL test: calls, methods, ==, &&."""

    def __init__(self, text: str) -> None:
        self.tokens, pos = [], 0
        while pos < len(text.rstrip()):
            m = _CEL_TOKEN.match(text, pos)
            assert m, f"cannot read {text[pos:]!r}"
            self.tokens.append((m.lastgroup, m.group(m.lastgroup)))
            pos = m.end()
        self.tokens.append(("end", ""))
        self.pos = 0

    def evaluate(self) -> Any:
        value = self._and()
        assert self._take() == ("end", "")
        return value

    def _take(self) -> tuple[str, str]:
        self.pos += 1
        return self.tokens[self.pos - 1]

    def _peek(self) -> str:
        return self.tokens[self.pos][1]

    def _and(self) -> Any:
        values = [self._equals()]
        while self._peek() == "&&":
            self._take()
            values.append(self._equals())
        return all(values) if len(values) > 1 else values[0]

    def _equals(self) -> Any:
        left = self._postfix()
        if self._peek() == "==":
            self._take()
            return left == self._postfix()
        return left

    def _postfix(self) -> Any:
        value = self._primary()
        while self._peek() == ".":
            self._take()
            _, name = self._take()
            value = _CEL_METHODS[name](value, *self._arguments())
        return value

    def _primary(self) -> Any:
        kind, text = self._take()
        if kind == "str":
            return text[1:-1]
        if kind == "num":
            return int(text)
        if text == "-":
            return -self._primary()
        assert kind == "id", f"unexpected {text!r}"
        return _CEL_FUNCTIONS[text](*self._arguments())

    def _arguments(self) -> list[Any]:
        assert self._take() == ("op", "(")
        arguments = []
        while self._peek() != ")":
            arguments.append(self._and())
            if self._peek() == ",":
                self._take()
        self._take()
        return arguments


def _cel_quantity(expr: str, want: Any) -> None:
    got = _Cel(expr).evaluate()
    if isinstance(want, dict):
        assert isinstance(got, Quantity)
        assert got == Quantity.parse(want["quantity"])
    else:
        _equal(got, want)


# --- label adapters ------------------------------------------------------------------------

_TOKEN_NAMES = {t: "".join(p.title() for p in t.name.split("_")) + "Token" for t in _Token}


def requirement(spec: dict[str, Any]) -> Requirement:
    """{} is the zero Requirement{}; struct: true a Go struct literal; otherwise getRequirement."""
    if not spec:
        return Requirement("", "")
    values = spec.get("values") or []
    if spec.get("struct"):
        return Requirement(spec["key"], spec["operator"], tuple(values))
    return Requirement.new(spec["key"], spec["operator"], sorted(values))


def _requirement_data(r: Requirement) -> dict[str, Any]:
    return {"key": r.key, "operator": str(r.operator), "values": list(r.values)}


def _requirement_want(spec: dict[str, Any]) -> dict[str, Any]:
    values = spec.get("values") or []
    return {"key": spec.get("key", ""), "operator": spec.get("operator", ""), "values": values}


def _new_requirement(value: dict[str, Any], want: Any) -> None:
    got = Requirement.new(value["key"], value["operator"], value.get("values"))
    if want is not NO_WANT:
        assert _requirement_data(got) == _requirement_want(want)


def _parse_requirements(text: str, want: Any) -> None:
    got = [_requirement_data(r) for r in parse_selector(text).requirements]
    if want is not NO_WANT:
        assert got == [_requirement_want(r) for r in want]


def _selector_add(value: dict[str, Any], want: Any) -> None:
    base = Selector(tuple(requirement(r) for r in value["selector"]))
    got = base.add(requirement(value["add"]))
    assert [_requirement_data(r) for r in got.requirements] == [_requirement_want(r) for r in want]


def _sorted_values(values: list[str]) -> list[str]:
    r = Requirement("x", "in", tuple(values))
    printed = str(r)[len("x in (") : -1]
    assert r.values == tuple(values)  # printing sorted a copy
    return printed.split(",") if printed else []


def _scan(text: str) -> list[str]:
    parser = _Parser(text)
    names = [_TOKEN_NAMES[tok] for tok, _ in parser._items]
    while True:  # lookahead and consume agree on every item
        ahead = parser._peek()
        assert parser._next() == ahead
        if ahead[0] is _Token.END_OF_STRING:
            return names


def _lex_all(text: str) -> list[str]:
    lexer, names = _Lexer(text), []
    while (token := lexer.lex()[0]) is not _Token.END_OF_STRING:
        names.append(_TOKEN_NAMES[token])
    return names


def _name_check(check: Callable[[str], list[str]]) -> Callable[[str], bool]:
    def valid(value: str) -> bool:
        errors = check(value)
        assert isinstance(errors, list) and all(isinstance(e, str) and e for e in errors)
        return not errors

    return valid


_VALIDATORS = {
    f.__name__: f for f in (is_qualified_name, is_valid_label_value, is_dns1123_label, is_dns1123_subdomain)
}


def _yaml_scalar(given: Any, want: Any) -> None:
    """A scalar (or a mapping key) read the way sigs.k8s.io/yaml reads it."""
    as_key = isinstance(given, dict)
    text = f"m:\n  {given['key']}: x\n" if as_key else f"v: {given}\n"
    [doc] = load_stream(f"apiVersion: v1\nkind: T\n{text}".encode(), "row.yaml")
    if isinstance(doc, LoadError):
        raise YamlScalarError(doc.message)
    if as_key:
        _equal(doc.object["m"], {want: "x"})
    else:
        _equal(doc.object["v"], want)


def _pod_phase(value: dict[str, Any], want: Any) -> None:
    """getPhase(pod, statuses, podIsTerminal, podHasInitialized), answered by
    policies/kubernetes/lifecycle.rules. A row without featureGates has the same
    answer whether ContainerRestartRules is on or off: both are checked."""
    options = {k: value[k] for k in ("podIsTerminal", "podHasInitialized") if k in value}
    gate_sets = [value["featureGates"]] if "featureGates" in value else [
        {"ContainerRestartRules": True}, {"ContainerRestartRules": False}]
    for gates in gate_sets:
        got = kubernetes_policy().query(
            "kubernetes.lifecycle.phase_of", value["pod"], {**options, "featureGates": gates})
        _equal({"phase": got["phase"]}, want)


ADAPTERS: dict[str, Callable[[Any, Any], None]] = {
    "yaml_scalar": _yaml_scalar,
    "pod_phase": _pod_phase,
    # quantity
    "parse": _parse,
    "parse_quantity_string": _returns(lambda text: list(_split(text))),
    "string": _string,
    "parse_emit": _parse_emit,
    "compare": _compare,
    "compare_all_forms": _compare_all_forms,
    "negate_string": _negate_string,
    "negate": _negate,
    "add": _add,
    "sub": _sub,
    "mul": _mul,
    "as_approximate_float": _as_approximate_float,
    "parse_as_approximate_float": _returns(lambda text: Quantity.parse(text).as_approximate_float()),
    "parse_quantity": _parse_quantity,
    "scaled_value": _scaled_value,
    "new_scaled_quantity": _new_scaled_quantity,
    "new_quantity": _new_quantity,
    "new_milli_quantity": _new_milli_quantity,
    "unmarshal_json": _returns(_unmarshal_json),
    "add_zero": _returns(_zero("+")),
    "sub_zero": _returns(_zero("-")),
    "arithmetic": _arithmetic,
    "cel_quantity": _cel_quantity,
    "canonical": _returns(lambda text: str(Quantity.parse(text))),
    "value": _value,
    "from_json_value": _returns(lambda value: str(Quantity.from_number(value))),
    "is_integer": _returns(lambda text: Quantity.parse(text).is_integer()),
    # labels
    "parse_selector": _returns(lambda text: str(parse_selector(text))),
    "parse_to_label_selector": _returns(label_selector_from_string),
    "selector_matches": _returns(lambda v: parse_selector(v["selector"]).matches(v["labels"])),
    "set_selector_matches": _returns(
        lambda v: selector_from_label_selector({"matchLabels": v["set"]}).matches(v["labels"])
    ),
    "lex": _returns(lambda text: [_TOKEN_NAMES[(item := _Lexer(text).lex())[0]], item[1]]),
    "lex_all": _returns(_lex_all),
    "scan": _returns(_scan),
    "new_requirement": _new_requirement,
    "selector_string": _returns(lambda specs: str(Selector(tuple(map(requirement, specs))))),
    "requirements_match": _returns(
        lambda v: Selector(tuple(map(requirement, v["requirements"]))).matches(v["labels"])
    ),
    "parse_requirements": _parse_requirements,
    "selector_add": _selector_add,
    "sorted_values": _returns(_sorted_values),
    "label_selector_as_selector": _returns(lambda obj: str(selector_from_label_selector(obj))),
    "label_selector_matches": _returns(
        lambda v: selector_from_label_selector(v["selector"]).matches(v["labels"])
    ),
    # names
    **{name: _returns(_name_check(check)) for name, check in _VALIDATORS.items()},
    "name_errors": _returns(lambda v: _VALIDATORS[v["validator"]](v["value"])),
    **LIMITRANGE_ADAPTERS,
    **NETPOL_ADAPTERS,
    **QUOTA_ADAPTERS,
    **RBAC_ADAPTERS,
    **VALIDATION_ADAPTERS,
}


# --- the tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case_file", sorted(FILES))
def test_file_matches_schema(case_file: str) -> None:
    jsonschema.validate(FILES[case_file], SCHEMA, cls=jsonschema.Draft202012Validator)
    notes = [case["note"] for case in FILES[case_file]["cases"]]
    assert len(notes) == len(set(notes)), "notes must be unique in a file"
    assert FILES[case_file]["function"] in ADAPTERS


def test_every_adapter_is_used() -> None:
    assert set(ADAPTERS) == {doc["function"] for doc in FILES.values()}


def test_readme_lists_every_file_with_its_row_count() -> None:
    # README.md's table: | `file` | upstream test | upstream rows | encoded | ... |
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([^`]+\.yaml)` \|[^|]*\|[^|]*\| (\d+) \|", readme, re.M)
    listed = {name: int(count) for name, count in rows}
    assert listed == {name: len(doc["cases"]) for name, doc in FILES.items()}


@pytest.mark.parametrize(("case_file", "function", "case"), _cases())
def test_case(case_file: str, function: str, case: dict[str, Any]) -> None:
    adapter = ADAPTERS[function]
    if "want_error" in case:
        with pytest.raises(ERRORS) as err:
            adapter(case["input"], NO_WANT)
        assert str(err.value) == case["want_error"]
    else:
        adapter(case["input"], case.get("want", NO_WANT))
