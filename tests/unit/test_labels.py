"""Tests for kuberules.k8s.labels (pkg/labels/selector.go) and kuberules.k8s.names.

Upstream's test tables (selector_test.go, helpers_test.go and validation_test.go) live as
data in specs/conformance/labels/ and specs/conformance/names/ and run in
tests/conformance/. What stays here is API behaviour that is not table data.
"""

from __future__ import annotations

import pytest

from kuberules.k8s.labels import (
    Operator,
    Requirement,
    Selector,
    SelectorError,
    parse_selector,
    selector_from_label_selector,
)


def test_deterministic_parse() -> None:
    # TestDeterministicParse
    assert str(parse_selector("x=a,a=x")) == str(parse_selector("a=x,x=a"))


def test_everything_and_nothing() -> None:
    # TestEverything, TestSetIsEmpty, and Nothing() from selector.go.
    assert Selector.everything().matches({"x": "y"})
    assert Selector.everything().empty()
    assert parse_selector("").empty()
    assert parse_selector("") == Selector.everything()
    assert not Selector.nothing().matches({})
    assert not Selector.nothing().empty()
    assert str(Selector.nothing()) == str(Selector.everything()) == ""
    assert Selector.nothing() != Selector.everything()
    assert Selector.nothing().add(Requirement.new("x", Operator.EXISTS)) == Selector.nothing()


def test_selector_values_are_immutable_and_hashable() -> None:
    selector = parse_selector("x in (b,a),y")
    assert selector == parse_selector("y,x in (a,b)")
    assert hash(selector) == hash(parse_selector("y,x in (a,b)"))
    with pytest.raises(AttributeError):
        selector.requirements = ()  # type: ignore[misc]


def test_add_returns_a_new_selector() -> None:
    base = parse_selector("b=1")
    added = base.add(Requirement.new("a", Operator.EXISTS))
    assert str(base) == "b=1"
    assert str(added) == "a,b=1"


def test_requirement_values_must_be_a_sequence() -> None:
    with pytest.raises(TypeError):
        Requirement.new("x", Operator.IN, "ab")
    assert Requirement.new("x", Operator.IN, ("a",)).values == ("a",)


def test_label_values_of_other_types_match_nothing() -> None:
    # Loosely typed YAML can give a label an int; it equals no string and is no integer text.
    assert not parse_selector("x=1").matches({"x": 1})
    assert parse_selector("x!=1").matches({"x": 1})
    assert not parse_selector("x>0").matches({"x": 1})


def test_label_selector_rejects_wrong_json_types() -> None:
    with pytest.raises(SelectorError, match="matchExpressions: expected list"):
        selector_from_label_selector({"matchExpressions": {"key": "a"}})
    with pytest.raises(SelectorError, match=r"matchExpressions\[0\].values\[0\]: expected str"):
        selector_from_label_selector({"matchExpressions": [{"key": "a", "operator": "In", "values": [1]}]})
