"""Canonical text of the AST: what `kuberules fmt` prints.

One method per node class, the inverse of the parser. Parentheses appear only
where precedence needs them, so `parse(fmt(x)) == parse(x)`; comments are put
back before the clause they preceded (or after it, when they ended its line).
"""

from __future__ import annotations

import math
import re

from . import ast
from .source import SourceFile
from .syntax.comments import find_comments
from .syntax.strings import quote

INDENT = "  "
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# Binding strength of each construct (higher binds tighter); see grammar/README.md.
_LET, _COND, _OR, _AND, _REL, _COALESCE, _ADD, _MUL, _UNARY, _MEMBER = range(10)
_BINARY = {
    "||": _OR, "&&": _AND, "??": _COALESCE,
    "<": _REL, "<=": _REL, ">": _REL, ">=": _REL, "==": _REL, "!=": _REL, "in": _REL,
    "+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL, "%": _MUL,
}


def precedence(node: ast.Expr) -> int:
    if isinstance(node, ast.Let):
        return _LET
    if isinstance(node, ast.Conditional):
        return _COND
    if isinstance(node, ast.Binary):
        return _BINARY[node.op]
    if isinstance(node, ast.Unary):
        return _UNARY
    if isinstance(node, ast.Literal) and node.kind in ("int", "double") and (
        node.value < 0 or (node.value == 0 and math.copysign(1.0, node.value) < 0)
    ):
        return _UNARY
    return _MEMBER + 1


class ExprPrinter:
    quote_mark = '"'

    def expr(self, node: ast.Expr, minimum: int = _LET) -> str:
        text = getattr(self, "_" + type(node).__name__)(node)
        return f"({text})" if precedence(node) < minimum else text

    def _Literal(self, node: ast.Literal) -> str:
        v = node.value
        if node.kind == "string":
            return quote(v, self.quote_mark)
        if node.kind == "bool":
            return "true" if v else "false"
        if node.kind == "null":
            return "null"
        if node.kind == "double":
            if math.isinf(v):
                return "1e999" if v > 0 else "-1e999"
            return repr(v)
        return str(v)

    def _QuantityLit(self, node: ast.QuantityLit) -> str:
        return node.text

    def _Ident(self, node: ast.Ident) -> str:
        return node.name

    def _Select(self, node: ast.Select) -> str:
        return f"{self.expr(node.operand, _MEMBER)}.{node.field}"

    def _Index(self, node: ast.Index) -> str:
        return f"{self.expr(node.operand, _MEMBER)}[{self.expr(node.index)}]"

    def _args(self, args) -> str:
        return ", ".join(self.expr(a) for a in args)

    def _Call(self, node: ast.Call) -> str:
        return f"{node.function}({self._args(node.args)})"

    def _MethodCall(self, node: ast.MethodCall) -> str:
        return f"{self.expr(node.target, _MEMBER)}.{node.method}({self._args(node.args)})"

    def _Has(self, node: ast.Has) -> str:
        return f"has({self.expr(node.operand)})"

    def _Comprehension(self, node: ast.Comprehension) -> str:
        parts = [node.var]
        if node.filter is not None:
            parts.append(self.expr(node.filter))
        parts.append(self.expr(node.body))
        return f"{self.expr(node.range, _MEMBER)}.{node.macro}({', '.join(parts)})"

    def _Unary(self, node: ast.Unary) -> str:
        inner = self.expr(node.operand, _UNARY)
        if node.op == "-" and inner.startswith("-"):
            inner = f"({inner})"
        return f"{node.op}{inner}"

    def _Binary(self, node: ast.Binary) -> str:
        p = _BINARY[node.op]
        if node.op == "??":  # right-associative
            left, right = self.expr(node.left, p + 1), self.expr(node.right, p)
        else:
            left, right = self.expr(node.left, p), self.expr(node.right, p + 1)
        return f"{self._clear(node, node.left, left)} {node.op} {self._clear(node, node.right, right)}"

    @staticmethod
    def _clear(parent: ast.Expr, child: ast.Expr, text: str) -> str:
        """Parentheses the grammar does not need but a reader does: `&&`
        inside `||`, and `??` as the operand of a comparison or `in`."""
        if not isinstance(child, ast.Binary):  # never already wrapped: these bind tighter
            return text
        mixed_logic = parent.op == "||" and child.op == "&&"
        hidden_default = _BINARY[parent.op] == _REL and child.op == "??"
        return f"({text})" if mixed_logic or hidden_default else text

    def _Conditional(self, node: ast.Conditional) -> str:
        cond = self.expr(node.cond, _OR)
        if isinstance(node.cond, ast.Binary) and node.cond.op in ("&&", "||"):
            cond = f"({cond})"
        return f"{cond} ? {self.expr(node.then, _OR)} : {self.expr(node.otherwise, _COND)}"

    def _ListLit(self, node: ast.ListLit) -> str:
        return f"[{self._args(node.items)}]"

    def _MapLit(self, node: ast.MapLit) -> str:
        return "{" + ", ".join(f"{self.expr(k)}: {self.expr(v)}" for k, v in node.entries) + "}"

    def _Let(self, node: ast.Let) -> str:
        return f"let {node.name} = {self.expr(node.value)}; {self.expr(node.body)}"

    def _WithCluster(self, node: ast.WithCluster) -> str:
        return f"with_cluster({self.expr(node.objects)}, {self.expr(node.body)})"

    def _Template(self, node: ast.Template) -> str:
        out = []
        for part in node.parts:
            if isinstance(part, str):
                out.append(quote(part)[1:-1].replace("{", "{{").replace("}", "}}"))
            else:
                self.quote_mark = "'"
                try:
                    text = self.expr(part)
                finally:
                    self.quote_mark = '"'
                if text.startswith("{") or text.endswith("}"):  # not to be read as {{ or }}
                    text = f" {text} "
                out.append("{" + text + "}")
        return '"' + "".join(out) + '"'


class ModulePrinter(ExprPrinter):
    def __init__(self, source: SourceFile | None = None):
        self.source = source
        self.comments: list[tuple[int, str]] = []
        if source is not None:
            self.comments = [(source.line_col(off)[0], text) for off, text in find_comments(source.text)]
        self.lines: list[str] = []

    # ---------------------------------------------------------- comments
    def _line(self, node: ast.Node, end: bool = False) -> int:
        if node.span is None or self.source is None:
            return 0
        offset = node.span.end - 1 if end else node.span.start
        return self.source.line_col(max(offset, node.span.start))[0]

    def _leading(self, before_line: int, depth: int) -> None:
        while self.comments and self.comments[0][0] < before_line:
            self.lines.append(INDENT * depth + self.comments.pop(0)[1])

    def _trailing(self, line: int) -> str:
        if self.comments and self.comments[0][0] == line:
            return "  " + self.comments.pop(0)[1]
        return ""

    def _item(self, node: ast.Node, text: str, depth: int) -> None:
        end = self._line(node, end=True)
        self._leading(end, depth)
        self.lines.append(INDENT * depth + text + self._trailing(end))

    def _block(self, node: ast.Node, header: str, items, depth: int) -> None:
        start, end = self._line(node), self._line(node, end=True)
        self._leading(start, depth)
        self.lines.append(INDENT * depth + header + " {" + self._trailing(start))
        for item in items:
            self.clause(item, depth + 1)
        self._leading(end, depth + 1)
        self.lines.append(INDENT * depth + "}" + self._trailing(end))

    # ------------------------------------------------------------ module
    def module(self, node: ast.Module) -> str:
        if node.package:
            line = self._line(node)
            self._leading(line, 0)
            self.lines.append(f"package {node.package}" + self._trailing(line))
        if node.imports:
            if self.lines:
                self.lines.append("")
            for imp in node.imports:
                alias = f" as {imp.alias}" if imp.alias else ""
                self._item(imp, f"import {imp.package}{alias}", 0)
        for decl in node.decls:
            if self.lines:
                self.lines.append("")
            self.declaration(decl)
        if self.comments:
            if self.lines:
                self.lines.append("")
            self.lines.extend(text for _, text in self.comments)
            self.comments.clear()
        return "\n".join(self.lines) + "\n"

    def declaration(self, node: ast.Node) -> None:
        if isinstance(node, ast.LetDecl):
            self._item(node, f"let {node.name} = {self.expr(node.value)}", 0)
        elif isinstance(node, (ast.DefDecl, ast.QueryDecl)):
            word = "def" if isinstance(node, ast.DefDecl) else "query"
            self._item(node, f"{word} {node.name}({', '.join(node.params)}) = {self.expr(node.body)}", 0)
        elif isinstance(node, ast.RuleDecl):
            self._block(node, f"{node.kind} {node.name}", node.clauses, 0)
        elif isinstance(node, ast.TransitionsDecl):
            self._block(node, f"transitions {node.name}", node.clauses, 0)
        elif isinstance(node, ast.PropertyDecl):
            # no braces: the header, then one clause a line; the check ends it
            line = self._line(node)
            self._leading(line, 0)
            self.lines.append(f"property {quote(node.name)}" + self._trailing(line))
            for clause in node.clauses:
                self.clause(clause, 1)

    def clause(self, node: ast.Node, depth: int) -> None:
        if isinstance(node, ast.On) and node.actions:
            self._block(node, self._on_header(node), node.actions, depth)
            return
        self._item(node, self.clause_text(node), depth)

    def clause_text(self, node: ast.Node) -> str:
        if isinstance(node, ast.Meta):
            if node.key == "severity" and _IDENT.match(node.value):
                return f"severity {node.value}"
            return f"{node.key} {quote(node.value)}"
        if isinstance(node, ast.MatchPods):
            return "match pods"
        if isinstance(node, ast.MatchKinds):
            return "match kinds " + ", ".join(node.kinds)
        if isinstance(node, ast.MatchNamespaces):
            return "match namespaces " + ", ".join(quote(p) for p in node.patterns)
        if isinstance(node, ast.MatchSelector):
            return f"match selector {quote(node.selector)}"
        if isinstance(node, ast.MatchOperations):
            return "match operations " + ", ".join(node.operations)
        if isinstance(node, ast.For):
            names = node.var + (f", {node.var2}" if node.var2 else "")
            return f"for {names} in {self.expr(node.range)}"
        if isinstance(node, ast.LetDecl):
            return f"let {node.name} = {self.expr(node.value)}"
        if isinstance(node, ast.When):
            return f"when {self.expr(node.cond)}"
        if isinstance(node, ast.Effect):
            text = node.effect
            if node.cond is not None:
                text += f" if {self.expr(node.cond)}"
            if node.message is not None:
                text += f" message {self.expr(node.message)}"
            return text
        if isinstance(node, ast.Set):
            text = f"set {self.expr(node.target)} = {self.expr(node.value)}"
            return text + (f" if {self.expr(node.cond)}" if node.cond is not None else "")
        if isinstance(node, ast.Emit):
            text = f"emit {node.name}({self._args(node.args)})"
            return text + (f" if {self.expr(node.cond)}" if node.cond is not None else "")
        if isinstance(node, ast.Goto):
            return f"-> {self.expr(node.target)}"
        if isinstance(node, ast.States):
            return "states " + ", ".join(node.names)
        if isinstance(node, ast.Initial):
            return f"initial {node.name}"
        if isinstance(node, ast.Terminal):
            return "terminal " + ", ".join(node.names)
        if isinstance(node, ast.Event):
            return f"event {node.name}({', '.join(node.params)})"
        if isinstance(node, ast.On):
            return self._on_header(node)
        if isinstance(node, ast.DrawClause):
            return "for " + ", ".join(self.clause_text(d) for d in node.draws)
        if isinstance(node, ast.Draw):
            return f"{node.var} in {node.generator}({', '.join(self.clause_text(a) for a in node.args)})"
        if isinstance(node, ast.NamedArg):
            return f"{node.name}: {self.expr(node.value)}"
        if isinstance(node, ast.Assume):
            return f"assume {self.expr(node.cond)}"
        if isinstance(node, ast.Check):
            return f"check {self.expr(node.cond)}"
        raise TypeError(f"no printer for {type(node).__name__}")

    def _on_header(self, node: ast.On) -> str:
        text = f"on {node.event}"
        if node.sources:
            text += " from " + ", ".join(node.sources)
        if node.guard is not None:
            text += f" if {self.expr(node.guard)}"
        if node.target is not None:
            text += f" -> {node.target}"
        return text


def format_module(module: ast.Module, source: SourceFile | None = None) -> str:
    return ModulePrinter(source).module(module)


def format_expression(node: ast.Expr) -> str:
    return ExprPrinter().expr(node)
