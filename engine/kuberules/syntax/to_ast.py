"""Lark parse tree -> typed AST (kuberules.ast), with spans on every node.

One method per grammar alternative; CEL's macros (`has`, `all`, `exists`,
`exists_one`, `map`, `filter`) become their own nodes here, so later stages
never look at call names to find them.
"""

from __future__ import annotations

from lark import Token, Transformer, v_args

from .. import ast
from ..source import SourceFile, Span
from .strings import StringLiteralError, decode, split_literal

MACROS = {"all": 2, "exists": 2, "exists_one": 2, "filter": 2, "map": (2, 3)}
INT64_MAX = 2**63 - 1
# CEL's reserved words: never names, even where the grammar could tell.
RESERVED = frozenset({
    "true", "false", "null", "in", "let", "as", "break", "const", "continue", "else",
    "for", "function", "if", "import", "loop", "package", "namespace", "return",
    "var", "void", "while",
})


class SyntaxProblem(Exception):
    """A problem found while building the AST; carries code and offsets."""

    def __init__(self, code: str, message: str, start: int, end: int, hint: str | None = None):
        super().__init__(message)
        self.code, self.message, self.start, self.end, self.hint = code, message, start, end, hint


@v_args(meta=True, inline=True)
class ToAst(Transformer):
    def __init__(self, source: SourceFile, offset: int = 0, template_parser=None):
        super().__init__(visit_tokens=False)
        self.source = source
        self.offset = offset
        self.template_parser = template_parser

    # -- helpers
    def _span(self, meta) -> Span:
        if meta.empty:  # an empty file: a module with nothing in it
            return Span(self.source, self.offset, self.offset)
        return Span(self.source, self.offset + meta.start_pos, self.offset + meta.end_pos)

    def _tspan(self, tok: Token) -> Span:
        return Span(self.source, self.offset + tok.start_pos, self.offset + tok.end_pos)

    def _problem(self, code: str, message: str, tok_or_meta, hint: str | None = None):
        start, end = tok_or_meta.start_pos, tok_or_meta.end_pos
        return SyntaxProblem(code, message, self.offset + start, self.offset + end, hint)

    def _name(self, tok: Token) -> str:
        if tok in RESERVED:
            raise self._problem(
                "reserved-word", f"'{tok}' is a reserved word and cannot be used as a name", tok,
            )
        return str(tok)

    def _string(self, tok: Token) -> str:
        body, raw, is_bytes, start, _ = split_literal(str(tok))
        if is_bytes:
            raise self._problem(
                "unsupported-literal", "bytes literals are not supported", tok,
                "Kubernetes objects hold strings; use a string literal",
            )
        try:
            return decode(body, raw)
        except StringLiteralError as err:
            at = self.offset + tok.start_pos + start + err.offset
            raise SyntaxProblem("invalid-escape", str(err), at, at + 2) from None

    # -- module
    def start(self, meta, module):
        return module

    def module(self, meta, *items):
        package = None
        imports, decls = [], []
        for item in items:
            if isinstance(item, str):
                package = item
            elif isinstance(item, ast.Import):
                imports.append(item)
            else:
                decls.append(item)
        return ast.Module(package, tuple(imports), tuple(decls), span=self._span(meta))

    def package_decl(self, meta, name):
        return name

    def import_decl(self, meta, name, alias):
        return ast.Import(name, str(alias) if alias else None, span=self._span(meta))

    def dotted_name(self, meta, *parts):
        return ".".join(parts)

    def params(self, meta, *names):
        seen = set()
        for tok in names:
            self._name(tok)
            if tok in seen:
                raise self._problem("duplicate-parameter", f"parameter '{tok}' is declared twice", tok)
            seen.add(str(tok))
        return tuple(str(n) for n in names)

    def let_decl(self, meta, name, value):
        return ast.LetDecl(self._name(name), value, span=self._span(meta))

    def def_decl(self, meta, name, params, body):
        return ast.DefDecl(self._name(name), params or (), body, span=self._span(meta))

    def query_decl(self, meta, name, params, body):
        return ast.QueryDecl(self._name(name), params or (), body, span=self._span(meta))

    # -- rules
    def rule_decl(self, meta, name, *clauses):
        return ast.RuleDecl("rule", str(name), clauses, span=self._span(meta))

    def mutation_decl(self, meta, name, *clauses):
        return ast.RuleDecl("mutation", str(name), clauses, span=self._span(meta))

    def meta_clause(self, meta, key, value):
        text = self._string(value) if value.type == "STRING" else str(value)
        return ast.Meta(str(key), text, span=self._span(meta))

    def match_pods(self, meta):
        return ast.MatchPods(span=self._span(meta))

    def match_kinds(self, meta, *kinds):
        return ast.MatchKinds(tuple(str(k) for k in kinds), span=self._span(meta))

    def match_namespaces(self, meta, *names):
        return ast.MatchNamespaces(tuple(self._string(n) for n in names), span=self._span(meta))

    def match_selector(self, meta, text):
        return ast.MatchSelector(self._string(text), span=self._span(meta))

    def match_operations(self, meta, *ops):
        return ast.MatchOperations(tuple(str(o) for o in ops), span=self._span(meta))

    def for_clause(self, meta, var, var2, rng):
        return ast.For(self._name(var), self._name(var2) if var2 else None, rng, span=self._span(meta))

    def when_clause(self, meta, cond):
        return ast.When(cond, span=self._span(meta))

    def effect_clause(self, meta, effect, cond, message):
        template = self._template(message) if message is not None else None
        return ast.Effect(str(effect), cond, template, span=self._span(meta))

    def set_clause(self, meta, target, value, cond):
        node = target
        while isinstance(node, (ast.Select, ast.Index)):
            node = node.operand
        if not isinstance(node, ast.Ident) or target is node:
            raise SyntaxProblem(
                "invalid-set-target",
                "the target of 'set' must be a field path such as c.resources.limits.cpu",
                target.span.start, target.span.end,
            )
        return ast.Set(target, value, cond, span=self._span(meta))

    # -- transitions
    def transitions_decl(self, meta, name, *clauses):
        return ast.TransitionsDecl(str(name), clauses, span=self._span(meta))

    def states_clause(self, meta, *names):
        return ast.States(tuple(str(n) for n in names), span=self._span(meta))

    def initial_clause(self, meta, name):
        return ast.Initial(str(name), span=self._span(meta))

    def terminal_clause(self, meta, *names):
        return ast.Terminal(tuple(str(n) for n in names), span=self._span(meta))

    def event_clause(self, meta, name, params):
        return ast.Event(str(name), params or (), span=self._span(meta))

    def on_clause(self, meta, event, *rest):
        *sources, guard, target, actions = rest
        sources = tuple(str(s) for s in sources if s is not None)
        return ast.On(
            str(event), sources, guard, str(target) if target else None,
            actions or (), span=self._span(meta),
        )

    def action_block(self, meta, *actions):
        return tuple(actions)

    def emit_clause(self, meta, name, args, cond):
        return ast.Emit(str(name), args or (), cond, span=self._span(meta))

    def goto_clause(self, meta, target):
        return ast.Goto(target, span=self._span(meta))

    # -- properties
    def property_decl(self, meta, name, *clauses):
        return ast.PropertyDecl(self._string(name), clauses, span=self._span(meta))

    def draw_clause(self, meta, *draws):
        return ast.DrawClause(draws, span=self._span(meta))

    def draw(self, meta, var, generator, args):
        return ast.Draw(self._name(var), self._name(generator), args or (), span=self._span(meta),
                        generator_span=self._tspan(generator))

    def named_args(self, meta, *items):
        return tuple(items)

    def named_arg(self, meta, name, value):
        # a label, not a binding: CEL's reserved words are fine (`namespace: ...`)
        return ast.NamedArg(str(name), value, span=self._span(meta))

    def assume_clause(self, meta, cond):
        return ast.Assume(cond, span=self._span(meta))

    def check_clause(self, meta, cond):
        return ast.Check(cond, span=self._span(meta))

    # -- expressions
    def let_expr(self, meta, name, value, body):
        return ast.Let(self._name(name), value, body, span=self._span(meta))

    def ternary(self, meta, cond, then, otherwise):
        return ast.Conditional(cond, then, otherwise, span=self._span(meta))

    def or_op(self, meta, left, right):
        return ast.Binary("||", left, right, span=self._span(meta))

    def and_op(self, meta, left, right):
        return ast.Binary("&&", left, right, span=self._span(meta))

    def binary(self, meta, left, op, right):
        return ast.Binary(str(op), left, right, span=self._span(meta))

    def coalesce(self, meta, left, right):
        return ast.Binary("??", left, right, span=self._span(meta))

    def not_op(self, meta, operand):
        return ast.Unary("!", operand, span=self._span(meta))

    def negate(self, meta, operand):
        span = self._span(meta)
        if isinstance(operand, ast.Literal) and operand.kind in ("int", "double") and operand.value >= 0:
            # A signed literal, so that -9223372036854775808 is a valid int as in
            # CEL; negating a negative literal stays an operation (it may overflow).
            return ast.Literal(-operand.value, operand.kind, span=span)
        return ast.Unary("-", operand, span=span)

    def select(self, meta, operand, name):
        return ast.Select(operand, str(name), span=self._span(meta))

    def index(self, meta, operand, idx):
        return ast.Index(operand, idx, span=self._span(meta))

    def ident(self, meta, name):
        return ast.Ident(self._name(name), span=self._span(meta))

    def call(self, meta, name, args):
        args = args or ()
        span = self._span(meta)
        if name == "has":
            if len(args) != 1 or not isinstance(args[0], ast.Select):
                raise self._problem(
                    "invalid-has", "has() takes one field selection, such as has(a.b)", meta,
                )
            return ast.Has(args[0], span=span)
        if name == "with_cluster":
            if len(args) != 2:
                raise self._problem(
                    "invalid-with-cluster",
                    f"with_cluster() takes a list of objects and an expression, got {len(args)} argument(s)",
                    meta,
                )
            return ast.WithCluster(args[0], args[1], span=span)
        return ast.Call(str(name), args, span=span)

    def method_call(self, meta, target, name, args):
        args = args or ()
        span = self._span(meta)
        arity = MACROS.get(str(name))
        if arity is not None and args and isinstance(args[0], ast.Ident):
            counts = arity if isinstance(arity, tuple) else (arity,)
            if len(args) not in counts:
                raise self._problem(
                    "macro-arity",
                    f"{name}() takes {' or '.join(str(c - 1) for c in counts)} "
                    f"expression(s) after the variable, got {len(args) - 1}",
                    meta,
                )
            if name == "map" and len(args) == 3:
                return ast.Comprehension("map", target, args[0].name, args[2], args[1], span=span)
            return ast.Comprehension(str(name), target, args[0].name, args[1], span=span)
        return ast.MethodCall(target, str(name), args, span=span, name_span=self._tspan(name))

    def args(self, meta, *items):
        return tuple(items)

    def list_lit(self, meta, items):
        return ast.ListLit(items or (), span=self._span(meta))

    def map_lit(self, meta, entries):
        return ast.MapLit(entries or (), span=self._span(meta))

    def map_entries(self, meta, *entries):
        return tuple(entries)

    def map_entry(self, meta, key, value):
        return (key, value)

    def literal(self, meta, child):  # pragma: no cover - every alternative is aliased
        return child

    def int_lit(self, meta, tok):
        text = str(tok)
        value = int(text, 16) if text[:2] in ("0x", "0X") else int(text)
        if value > INT64_MAX + 1:
            raise self._problem("int-overflow", f"integer literal {text} does not fit in 64 bits", tok)
        return ast.Literal(value, "int", span=self._tspan(tok))

    def uint_lit(self, meta, tok):
        raise self._problem(
            "unsupported-literal",
            f"unsigned integer literals such as {tok} are not supported",
            tok,
            f"write {str(tok)[:-1]} for an int"
            + ("" if str(tok)[:2].lower() == "0x" else f", or quantity(\"{str(tok)[:-1]}u\") for micro units"),
        )

    def float_lit(self, meta, tok):
        return ast.Literal(float(str(tok)), "double", span=self._tspan(tok))

    def quantity_lit(self, meta, tok):
        return ast.QuantityLit(str(tok), span=self._tspan(tok))

    def string_lit(self, meta, tok):
        return ast.Literal(self._string(tok), "string", span=self._tspan(tok))

    def true_lit(self, meta, tok):
        return ast.Literal(True, "bool", span=self._tspan(tok))

    def false_lit(self, meta, tok):
        return ast.Literal(False, "bool", span=self._tspan(tok))

    def null_lit(self, meta, tok):
        return ast.Literal(None, "null", span=self._tspan(tok))

    # -- message templates
    def _template(self, tok: Token) -> ast.Template:
        """Split a message string into text and `{expr}` parts.

        Braces are found in the source text (not the decoded value), so each
        interpolated expression is parsed at its true offset and its errors
        point into the rule file.
        """
        text = str(tok)
        body, raw, is_bytes, body_start, _ = split_literal(text)
        if is_bytes:
            raise self._problem("unsupported-literal", "bytes literals are not supported", tok)
        base = self.offset + tok.start_pos + body_start
        parts: list[str | ast.Expr] = []
        chunk_start = 0
        chunk: list[str] = []
        i = 0

        def flush_chunk(upto: int) -> None:
            piece = body[chunk_start:upto]
            try:
                chunk.append(decode(piece, raw))
            except StringLiteralError as err:
                at = base + chunk_start + err.offset
                raise SyntaxProblem("invalid-escape", str(err), at, at + 2) from None

        while i < len(body):
            ch = body[i]
            if ch in "{}" and body[i : i + 2] in ("{{", "}}"):
                flush_chunk(i)
                chunk.append(ch)
                i += 2
                chunk_start = i
            elif ch == "{":
                flush_chunk(i)
                end = _closing_brace(body, i)
                if end is None:
                    raise SyntaxProblem(
                        "unterminated-interpolation",
                        "'{' in a message opens an expression that is never closed",
                        base + i, base + i + 1, "write '{{' for a literal brace",
                    )
                if "".join(chunk):
                    parts.append("".join(chunk))
                chunk.clear()
                parts.append(self.template_parser(body[i + 1 : end], base + i + 1))
                i = end + 1
                chunk_start = i
            elif ch == "}":
                raise SyntaxProblem(
                    "unbalanced-brace", "'}' in a message without a matching '{'",
                    base + i, base + i + 1, "write '}}' for a literal brace",
                )
            else:
                i += 1
        flush_chunk(len(body))
        if chunk and "".join(chunk):
            parts.append("".join(chunk))
        return ast.Template(tuple(parts), span=self._tspan(tok))


def _closing_brace(body: str, start: int) -> int | None:
    """Index of the `}` closing the `{` at `start`, skipping nested braces and strings."""
    depth = 0
    i = start
    quote = None
    while i < len(body):
        ch = body[i]
        if ch == "\\":  # an escape of the host string, inside or outside a quote
            i += 2
            continue
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None
