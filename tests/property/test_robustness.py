"""Whatever the input, the engine answers with a value or a documented
language error: never another exception, never a changed input, and the
same answer twice."""

from __future__ import annotations

import contextlib
import copy
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark

from kuberules import Engine, EvalError, RuleError
from kuberules.printer import format_expression
from kuberules.syntax.grammar import parser

from .strategies import expressions

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=5)),
    lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.sampled_from(
        ["spec", "name", "replicas", "labels", "containers", "image", "a", "b"]), c, max_size=3)),
    max_leaves=10,
)
ENGINE = Engine(step_limit=20_000)


def outcome(text: str, data: object):
    try:
        value = ENGINE.compile_expression(text)(data)
    except RuleError as err:
        return ("rule-error", tuple(d.code for d in err.diagnostics))
    except EvalError as err:
        assert err.span is not None
        return ("eval-error", err.code)
    return ("value", repr(value))


@given(expressions, json_values)
def test_generated_expressions_give_a_value_or_a_language_error(node, data):
    text = format_expression(node)
    before = copy.deepcopy(data)
    first = outcome(text, data)
    assert _same(data, before)
    assert outcome(text, data) == first  # deterministic


def _same(a, b) -> bool:
    """Equality that treats NaN as equal to itself (inputs may hold NaN)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


NAME = st.sampled_from(["a", "x", "object", "pod", "c", "size", "message"])
SPACE = st.sampled_from([" ", "\n", "  "])


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much], max_examples=150)
# The strict parser keeps its grammar object (a cached one does not), which from_lark reads.
@given(from_lark(parser(strict=True), start="start", explicit={"NAME": NAME, "WS": SPACE, "COMMENT": st.just("# c\n")}))
def test_grammar_generated_files_load_or_give_diagnostics(text):
    try:
        Engine().load_string(text, "gen.rules")
    except RuleError as err:
        assert all(d.code and d.message for d in err.diagnostics)


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=80))
def test_garbage_gives_diagnostics(text):
    try:
        Engine().load_string(text, "garbage.rules")
    except RuleError as err:
        for d in err.diagnostics:
            assert d.render()


@given(st.lists(st.sampled_from(["(", ")", "[", "]", "{", "}", "1", ",", "+", "a", ".", "?", ":", "!"]),
                max_size=60).map("".join))
def test_bracket_soup_gives_diagnostics(text):
    with contextlib.suppress(RuleError, EvalError):
        ENGINE.compile_expression(text)(None)


def test_huge_and_deep_inputs_are_refused_with_a_location():
    for text in ("[" * 5000 + "]" * 5000, "1" + " + 1" * 5000, "(" * 20000 + "1" + ")" * 20000,
                 "-" * 3000 + "1", "!" * 3000 + "true"):
        try:
            ENGINE.compile_expression(text)(None)
        except RuleError as err:
            assert err.diagnostics[0].code == "too-deep"
            assert err.diagnostics[0].span is not None
