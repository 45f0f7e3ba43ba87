"""Properties of the Kubernetes value types: quantities and label selectors.

Quantities: printing and parsing back gives the same value; order and `+`, `-`, `* int`
agree with exact fractions. Selectors: the string form, its re-printed form and the
LabelSelector object form of one generated selector select the same generated label
sets, as an independent model of upstream's semantics says. Invalid inputs raise only
QuantityError or SelectorError, with a message; the name validators never raise.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kuberules.k8s.labels import Requirement, SelectorError, parse_selector, selector_from_label_selector
from kuberules.k8s.names import (
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_label_value,
)
from kuberules.k8s.quantity import Format, Quantity, QuantityError

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def exact(q: Quantity) -> Fraction:
    return Fraction(q.unscaled) * Fraction(10) ** q.exponent


def sign(x: Fraction | int) -> int:
    return (x > 0) - (x < 0)


# --- quantity strategies --------------------------------------------------------------------

SUFFIXES = ["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
digits = st.text("0123456789", max_size=22)
MODERATE_EXPONENTS = st.integers(-40, 40)
ANY_INT32 = st.integers(-(2**31), 2**31 - 1)


@st.composite
def quantity_texts(draw, exponents=MODERATE_EXPONENTS) -> str:
    """Valid text forms: [sign] digits [. digits] (SI or binary suffix | e[sign]n)."""
    whole, fraction = draw(digits), draw(st.none() | digits)
    if not whole and not fraction:
        whole = draw(st.sampled_from(["0", "1", "7"]))
    exponent = draw(exponents)
    suffix = draw(
        st.sampled_from(SUFFIXES)
        | st.sampled_from(["e", "E"]).map(lambda e: f"{e}{exponent}")
        | st.sampled_from(["e+", "E+"]).map(lambda e: f"{e}{abs(exponent)}")
    )
    number = whole + ("" if fraction is None else "." + fraction)
    return draw(st.sampled_from(["", "-", "+"])) + number + suffix


@st.composite
def triples(draw) -> Quantity:
    """A quantity from (unscaled, exponent, format), in either of upstream's forms.

    Exponents stay at nano or above: parsing rounds finer amounts up to nano.
    """
    u, e = draw(st.integers(-(10**30), 10**30)), draw(st.integers(-9, 30))
    fmt = draw(st.sampled_from(list(Format)))
    int64 = INT64_MIN <= u <= INT64_MAX and draw(st.booleans())
    return Quantity(u, e, fmt, int64)


def json_fuzzer_quantities() -> st.SearchStrategy[Quantity]:
    """The shapes quantity_test.go's fuzzer gives TestJSON (inf.Dec amounts)."""
    int63 = st.integers(0, INT64_MAX)
    binary = st.one_of(
        int63.map(lambda v: Quantity(v, 0, Format.BINARY_SI, False)),
        st.builds(lambda v, k: Quantity(v << (10 * k), 0, Format.BINARY_SI, False), st.integers(0, 1023),
                  st.integers(0, 4)),
    )
    decimal_formats = st.sampled_from([Format.DECIMAL_SI, Format.DECIMAL_EXPONENT])
    decimal = st.one_of(
        st.builds(lambda v, s, f: Quantity(v, -s, f, False), int63, st.integers(0, 3), decimal_formats),
        st.builds(lambda v, s, f: Quantity(v, -(3 - s), f, False), st.integers(0, 999), st.integers(0, 14),
                  decimal_formats),
    )
    return binary | decimal


quantities = st.one_of(quantity_texts().map(Quantity.parse), triples())
int64s = st.integers(INT64_MIN, INT64_MAX)


# --- quantity properties --------------------------------------------------------------------


@given(quantity_texts(exponents=ANY_INT32 | MODERATE_EXPONENTS))
def test_parsed_text_round_trips(text: str) -> None:
    q = Quantity.parse(text)
    again = Quantity.parse(str(q))
    assert again == q
    assert str(again) == str(q)


@given(triples())
def test_built_quantity_round_trips(q: Quantity) -> None:
    # ParseQuantity caps BinarySI at MaxInt64 (upstream issue #140674), so "8Ei" cannot come back.
    assume(q.format is not Format.BINARY_SI or abs(exact(q)) <= INT64_MAX)
    assert Quantity.parse(str(q)) == q


@given(json_fuzzer_quantities())
def test_json_fuzzer_shapes_round_trip(q: Quantity) -> None:
    # TestJSON: Marshal writes String(), Unmarshal parses it back.
    assert Quantity.from_number(str(q)) == q


@given(quantities, quantities)
def test_order_agrees_with_fractions(a: Quantity, b: Quantity) -> None:
    expected = sign(exact(a) - exact(b))
    assert a.compare(b) == expected
    assert (a < b, a <= b, a == b, a >= b, a > b) == (
        expected < 0, expected <= 0, expected == 0, expected >= 0, expected > 0,
    )
    if expected == 0:
        assert hash(a) == hash(b)
    assert a.sign() == sign(exact(a))


@given(quantities, quantities, int64s)
def test_arithmetic_is_exact(a: Quantity, b: Quantity, n: int) -> None:
    assert exact(a + b) == exact(a) + exact(b)
    assert exact(a - b) == exact(a) - exact(b)
    assert exact(a * n) == exact(a) * n
    assert exact(a + n) == exact(a) + n
    assert exact(a - n) == exact(a) - n
    assert exact(-a) == -exact(a)
    negated = -a
    assert -negated == a  # TestNegateRoundTrip


@given(st.lists(st.tuples(st.integers(0, INT64_MAX), st.integers(-10, 10)), max_size=30))
def test_adding_then_subtracting_cancels(terms: list[tuple[int, int]]) -> None:
    # TestAddSubRoundTrip and TestAddSubRoundTripAcrossScales.
    total = Quantity(0, 0)
    for value, scale in terms:
        total += Quantity(value, scale)
    assert exact(total) == sum((Fraction(v) * Fraction(10) ** s for v, s in terms), Fraction(0))
    for value, scale in terms:
        total -= Quantity(value, scale)
    assert total.sign() == 0
    assert str(total) == "0"


quantityish = st.text(alphabet="0123456789.+-eEinumkKMGTP \t\x00\u0663\u00a0x", max_size=30)


@given(quantityish | st.text(st.characters(blacklist_categories=()), max_size=30))
def test_bad_quantity_text_raises_only_quantity_error(text: str) -> None:
    try:
        q = Quantity.parse(text)
    except QuantityError as err:
        assert str(err)
    else:
        assert Quantity.parse(str(q)) == q


@given(st.one_of(st.none(), st.booleans(), st.integers(-(10**40), 10**40), st.floats(), st.text(max_size=20)))
def test_json_values_raise_only_quantity_error(value: object) -> None:
    try:
        Quantity.from_number(value)
    except QuantityError as err:
        assert str(err)
    except TypeError:
        assert value is None  # null is no quantity value; the caller decides what it means


# --- selector strategies ----------------------------------------------------------------------

KEYS = ["a", "b", "app", "example.com/tier", "k8s.io/x-y_z.1"]
VALUES = ["", "x", "y", "web", "db-1", "in", "notin"]
INTS = ["0", "1", "5", "12"]  # gt/lt operands; "-3" is no valid label value, so only labels hold it
keys, values = st.sampled_from(KEYS), st.sampled_from(VALUES)
label_sets = st.dictionaries(keys, st.sampled_from([*VALUES, *INTS, "-3", "+7", "z.z"]), max_size=len(KEYS))

# (key, operator, values) in upstream's selection.Operator spelling
# Distinct values: upstream's parser rejects "(,,)", where the second comma is taken as a separator.
value_lists = st.lists(values, min_size=1, max_size=3, unique=True)
set_requirements = st.tuples(keys, st.sampled_from(["in", "notin"]), value_lists)
equality_requirements = st.tuples(keys, st.sampled_from(["=", "==", "!="]), values.map(lambda v: [v]))
existence_requirements = st.tuples(keys, st.sampled_from(["exists", "!"]), st.just([]))
order_requirements = st.tuples(keys, st.sampled_from(["gt", "lt"]), st.sampled_from(INTS).map(lambda v: [v]))
object_requirements = set_requirements | equality_requirements | existence_requirements
any_requirements = object_requirements | order_requirements

SPACES = st.sampled_from(["", " ", "  ", "\t"])


def render(requirement: tuple[str, str, list[str]], space: str) -> str:
    """The string form of one requirement, with `space` where the grammar allows whitespace."""
    key, op, vals = requirement
    if op == "exists":
        return key
    if op == "!":
        return f"!{space}{key}"
    symbol = {"gt": ">", "lt": "<"}.get(op, op)
    if op in ("in", "notin"):
        inner = f"{space},{space}".join(vals)
        return f"{key} {space}{op}{space} ({space}{inner}{space})"
    return f"{key}{space}{symbol}{space}{vals[0]}" if vals[0] else f"{key}{space}{symbol}"


@st.composite
def selector_texts(draw, requirements=any_requirements) -> tuple[str, list]:
    reqs = draw(st.lists(requirements, max_size=4))
    parts = [render(r, draw(SPACES)) for r in reqs]
    return draw(SPACES) + ",".join(parts) + draw(SPACES), reqs


def as_label_selector(reqs: list) -> dict:
    """The LabelSelector object form: equality in matchLabels where the map allows it."""
    match_labels: dict[str, str] = {}
    expressions = []
    for key, op, vals in reqs:
        if op in ("=", "==") and key not in match_labels:
            match_labels[key] = vals[0]
            continue
        name = {"in": "In", "=": "In", "==": "In", "notin": "NotIn", "!=": "NotIn",
                "exists": "Exists", "!": "DoesNotExist"}[op]
        expressions.append({"key": key, "operator": name, **({"values": vals} if vals else {})})
    return {"matchLabels": match_labels, "matchExpressions": expressions}


def model(reqs: list, labels: dict[str, str]) -> bool:
    """Upstream's Requirement.Matches, written independently: a missing key satisfies only
    notin, != and !; gt/lt compare both sides as int64."""
    for key, op, vals in reqs:
        present = key in labels
        if op in ("in", "=", "=="):
            ok = present and labels[key] in vals
        elif op in ("notin", "!="):
            ok = not present or labels[key] not in vals
        elif op == "exists":
            ok = present
        elif op == "!":
            ok = not present
        else:
            have = labels.get(key)
            ok = have is not None and have.lstrip("+-").isdigit() and (
                int(have) > int(vals[0]) if op == "gt" else int(have) < int(vals[0])
            )
        if not ok:
            return False
    return True


# --- selector properties ----------------------------------------------------------------------


@given(selector_texts(), st.lists(label_sets, max_size=8))
def test_string_form_reparses_to_the_same_selector(generated: tuple[str, list], sets: list[dict]) -> None:
    text, reqs = generated
    selector = parse_selector(text)
    again = parse_selector(str(selector))
    assert str(again) == str(selector)
    for labels in sets:
        assert selector.matches(labels) == again.matches(labels) == model(reqs, labels), (text, labels)


@given(selector_texts(object_requirements), st.lists(label_sets, max_size=8))
def test_string_and_object_forms_agree(generated: tuple[str, list], sets: list[dict]) -> None:
    text, reqs = generated
    from_string = parse_selector(text)
    from_object = selector_from_label_selector(as_label_selector(reqs))
    for labels in sets:
        expected = model(reqs, labels)
        assert from_string.matches(labels) == expected, (text, labels)
        assert from_object.matches(labels) == expected, (as_label_selector(reqs), labels)


@given(keys, values, value_lists, label_sets)
def test_absent_key_semantics(key: str, value: str, vals: list[str], labels: dict[str, str]) -> None:
    labels = {k: v for k, v in labels.items() if k != key}
    listed = ",".join(vals)
    for text in (f"!{key}", f"{key} notin ({listed})", f"{key}!={value}"):
        assert parse_selector(text).matches(labels), text
    for text in (f"{key} in ({listed})", f"{key}={value}", f"{key}=={value}", key):
        assert not parse_selector(text).matches(labels), text
    expressions = [
        {"key": key, "operator": "NotIn", "values": vals},
        {"key": key, "operator": "DoesNotExist"},
    ]
    assert selector_from_label_selector({"matchExpressions": expressions}).matches(labels)
    for operator in ("In", "Exists"):
        expression = {"key": key, "operator": operator, **({"values": vals} if operator == "In" else {})}
        assert not selector_from_label_selector({"matchExpressions": [expression]}).matches(labels)


def raises_only_selector_error(call) -> None:
    try:
        call()
    except SelectorError as err:
        assert str(err)


selectorish = st.text(alphabet=" \t\r\n\x00\x0b!=<>(),abxyz/.-_0123456789inotéA\u00a0", max_size=40)
any_text = st.text(st.characters(blacklist_categories=()), max_size=40)  # lone surrogates too


@given(selectorish | any_text | selector_texts().map(lambda g: g[0] + "(,"))
def test_garbage_selectors_raise_only_selector_error(text: str) -> None:
    def parse() -> None:
        selector = parse_selector(text)
        assert str(parse_selector(str(selector))) == str(selector)

    raises_only_selector_error(parse)


name_chars = st.sampled_from("abcxyz0123456789")
long_name_parts = st.text(name_chars, min_size=64, max_size=100)
long_prefixes = st.lists(st.text(name_chars, min_size=50, max_size=63), min_size=5, max_size=8).map(".".join)
bad_unicode = st.text(st.characters(blacklist_categories=("L", "N", "P", "Z", "S")) | st.sampled_from(
    ["é", "\u00a0", "\ud800", "\udfff", "Ω", "\U0001f600"]), min_size=1, max_size=5)


@given(long_name_parts, long_prefixes, st.text(name_chars, min_size=64, max_size=80), bad_unicode)
def test_overlong_and_non_ascii_keys_and_values_are_selector_errors(
    name: str, prefix: str, long_value: str, strange: str
) -> None:
    assert len(prefix) > 253
    bad_keys = [name, f"{prefix}/a", f"a{strange}", f"{strange}/a", f"a/{strange}"]
    bad_values = [long_value, f"a{strange}b", strange]
    for key in bad_keys:
        calls = [
            lambda k=key: Requirement.new(k, "exists"),
            lambda k=key: selector_from_label_selector({"matchLabels": {k: "v"}}),
            lambda k=key: selector_from_label_selector({"matchExpressions": [{"key": k, "operator": "In",
                                                                              "values": ["v"]}]}),
        ]
        if not any(c in " \t\r\n\0" for c in key):  # the lexer splits at those, as upstream's does
            calls.append(lambda k=key: parse_selector(f"{k}=v"))
        for call in calls:
            with pytest.raises(SelectorError) as err:
                call()
            assert str(err.value)
    for value in bad_values:
        for call in (
            lambda v=value: Requirement.new("a", "in", [v]),
            lambda v=value: selector_from_label_selector({"matchLabels": {"a": v}}),
        ):
            with pytest.raises(SelectorError) as err:
                call()
            assert str(err.value)
        raises_only_selector_error(lambda v=value: parse_selector(f"a in ({v})"))
    # At the limits themselves everything is accepted.
    assert Requirement.new("p" * 253 + "/" + "n" * 63, "in", ["v" * 63]).values == ("v" * 63,)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.characters(blacklist_categories=()), max_size=300) | st.text("ab.-_/", max_size=300))
def test_name_validators_return_lists_of_strings(value: str) -> None:
    for check in (is_qualified_name, is_valid_label_value, is_dns1123_label, is_dns1123_subdomain):
        errors = check(value)
        assert isinstance(errors, list)
        assert all(isinstance(e, str) and e for e in errors)


def test_gt_value_of_5000_digits_is_a_selector_error() -> None:
    raises_only_selector_error(lambda: parse_selector("x>" + "1" * 5000))
