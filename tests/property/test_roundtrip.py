"""`fmt` round-trips: for generated programs, parse(fmt(x)) == x and
fmt(fmt(x)) == fmt(x)."""

from __future__ import annotations

from hypothesis import given

from kuberules.printer import format_expression, format_module
from kuberules.source import SourceFile
from kuberules.syntax.parse import parse_expression, parse_module

from .strategies import expressions, modules


@given(expressions)
def test_expression_round_trip(node):
    text = format_expression(node)
    again = parse_expression(SourceFile("<gen>", text))
    assert again == node, text
    assert format_expression(again) == text


@given(modules)
def test_module_round_trip(module):
    text = format_module(module)
    source = SourceFile("<gen>", text)
    parsed = parse_module(source)
    assert parsed == module, text
    assert format_module(parsed, source) == text
