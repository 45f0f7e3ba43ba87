"""The Lark parser, built once per process.

LALR(1) with the contextual lexer: linear time, and keywords of one clause do
not steal names elsewhere. `strict=True` (shift/reduce conflicts and terminal
collisions are errors) is checked by the test suite, which has `interegular`.
"""

from __future__ import annotations

from functools import cache

from lark import Lark

from ..resources import grammar_dir

START_RULES = ["start", "expr"]


@cache
def parser(strict: bool = False) -> Lark:
    text = (grammar_dir() / "kuberules.lark").read_text(encoding="utf-8")
    return Lark(
        text,
        parser="lalr",
        lexer="contextual",
        start=START_RULES,
        propagate_positions=True,
        maybe_placeholders=True,
        strict=strict,
        # Grammar analysis is cached in the temp directory, keyed by the
        # grammar's hash: a CLI call does not pay for it again.
        cache=not strict,
    )
