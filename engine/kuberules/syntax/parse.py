"""Parse rule text into the AST, turning every Lark error into a Diagnostic.

Lark's exceptions never leave this module: each becomes a located
`RuleError` with a stable code and, for the mistakes people actually make
(`=` for `==`, a missing `)`, a reserved word used as a name, an unclosed
string), a message that says what to write instead.
"""

from __future__ import annotations

from lark import Tree
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from .. import ast
from ..errors import Diagnostic, RuleError
from ..source import SourceFile, Span
from .grammar import parser
from .to_ast import INT64_MAX, RESERVED, SyntaxProblem, ToAst

MAX_SOURCE_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 100


_TOKEN_WORDS = {
    "NAME": "a name",
    "STRING": "a string",
    "INT": "a number",
    "FLOAT": "a number",
    "UINT": "a number",
    "QUANTITY": "a quantity",
    "REL_OP": "a comparison",
    "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*', '/' or '%'",
    "META_KEY": "title, severity, rationale or fix",
    "EFFECT": "deny, warn or allow",
    "$END": "the end of the file",
}


def parse_module(source: SourceFile) -> ast.Module:
    return _parse(source, "start", 0)


def parse_expression(source: SourceFile) -> ast.Expr:
    return _parse(source, "expr", 0)


def _parse(source: SourceFile, start: str, offset: int, text: str | None = None):
    text = source.text if text is None else text
    if len(text) > MAX_SOURCE_BYTES:
        raise RuleError([Diagnostic(
            "source-too-large",
            f"rule text is {len(text)} characters; the limit is {MAX_SOURCE_BYTES}",
            Span(source, 0, 0),
        )])
    try:
        tree = parser().parse(text, start=start)
    except UnexpectedInput as err:
        raise RuleError([_diagnose(source, text, offset, err)]) from None
    _check_depth(source, tree, offset)

    def template_parser(sub_text: str, sub_offset: int) -> ast.Expr:
        return _parse(source, "expr", sub_offset, sub_text)

    try:
        node = ToAst(source, offset, template_parser).transform(tree)
    except VisitError as err:
        p = err.orig_exc
        if isinstance(p, RuleError):  # from an expression inside a message template
            raise p from None
        if not isinstance(p, SyntaxProblem):
            raise
        raise RuleError([Diagnostic(p.code, p.message, Span(source, p.start, p.end), p.hint)]) from None
    _check_int_literals(node)
    return node


def _check_depth(source: SourceFile, tree: Tree, offset: int) -> None:
    """Reject trees deeper than MAX_DEPTH before any recursive stage sees them."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            meta = node.meta
            start = offset + getattr(meta, "start_pos", 0)
            raise RuleError([Diagnostic(
                "too-deep",
                f"expression nests more than {MAX_DEPTH} levels deep",
                Span(source, start, offset + getattr(meta, "end_pos", start - offset)),
                "split it with let bindings or def functions",
            )])
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))


def _check_int_literals(node: ast.Node) -> None:
    for sub in node.walk():
        if isinstance(sub, ast.Literal) and sub.kind == "int" and sub.value > INT64_MAX:
            raise RuleError([Diagnostic(
                "int-overflow", f"integer literal {sub.value} does not fit in 64 bits", sub.span,
            )])


def _describe(name: str) -> str:
    if name in _TOKEN_WORDS:
        return _TOKEN_WORDS[name]
    try:
        pattern = parser().get_terminal(name).pattern
    except KeyError:
        return name.lower()
    if pattern.type == "str":
        return f"'{pattern.value}'"
    return name.lower()


def _diagnose(source: SourceFile, text: str, offset: int, err: UnexpectedInput) -> Diagnostic:
    if isinstance(err, UnexpectedCharacters):
        pos = err.pos_in_stream
        ch = text[pos]
        span = Span(source, offset + pos, offset + pos + 1)
        if ch in "\"'":
            return Diagnostic("unterminated-string", "string literal is not closed", span,
                              "close it with the same quote on its line, or use \"\"\" for several lines")
        if ch == "=" :
            return Diagnostic("assign-for-compare", "'=' is not an operator here; compare with '=='",
                              span)
        return Diagnostic("unexpected-character", f"unexpected character {ch!r}", span)

    if isinstance(err, UnexpectedEOF) or (
        isinstance(err, UnexpectedToken) and err.token.type == "$END"
    ):
        pos = len(text.rstrip())
        expected = sorted({_describe(t) for t in err.expected})
        span = Span(source, offset + max(pos - 1, 0), offset + pos)
        return Diagnostic("unexpected-end", "unexpected end of input; expected " + _or(expected), span)

    assert isinstance(err, UnexpectedToken)
    tok = err.token
    start = offset + tok.start_pos
    span = Span(source, start, start + max(len(str(tok)), 1))
    expected = set(err.expected)
    value = str(tok)
    if value == "=" and "REL_OP" in expected:
        return Diagnostic("assign-for-compare", "'=' is not an operator here; compare with '=='", span)
    if "NAME" in expected and value in RESERVED:
        return Diagnostic("reserved-word", f"'{value}' is a reserved word and cannot be used as a name",
                          span)
    if tok.type == "NAME" and value in ("and", "or", "not"):
        op = {"and": "&&", "or": "||", "not": "!"}[value]
        return Diagnostic("unexpected-token", f"unexpected '{value}'; CEL writes it as '{op}'", span)
    words = sorted({_describe(t) for t in expected})
    if len(words) > 8:
        words = [*words[:8], "..."]
    return Diagnostic("unexpected-token", f"unexpected {value!r}; expected " + _or(words), span)


def _or(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]
