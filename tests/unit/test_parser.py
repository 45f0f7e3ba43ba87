"""The grammar: every construct parses to the intended tree, and precedence
follows the table in grammar/README.md."""

from __future__ import annotations

import pytest

from kuberules import ast
from kuberules.source import SourceFile
from kuberules.syntax.grammar import parser
from kuberules.syntax.parse import parse_expression, parse_module


def expr(text: str) -> ast.Expr:
    return parse_expression(SourceFile("<t>", text))


def test_grammar_builds_strict():
    """No shift/reduce conflicts and no terminal collisions (Lark strict mode)."""
    parser.cache_clear()
    try:
        assert parser(strict=True) is not None
    finally:
        parser.cache_clear()


PRECEDENCE = [
    ("a || b && c", "a || (b && c)"),
    ("a && b || c", "(a && b) || c"),
    ("a == b && c", "(a == b) && c"),
    ("a < b == c", "(a < b) == c"),
    ("a + b < c", "(a + b) < c"),
    ("a + b * c", "a + (b * c)"),
    ("a - b - c", "(a - b) - c"),
    ("a / b * c", "(a / b) * c"),
    ("!a == b", "(!a) == b"),
    ("-a * b", "(-a) * b"),
    ("a.b.c[d]", "((a.b).c)[d]"),
    ("a ?? b ?? c", "a ?? (b ?? c)"),
    ("a ?? b <= c", "(a ?? b) <= c"),
    ("a + b ?? c", "(a + b) ?? c"),
    ("a ?? b && c", "(a ?? b) && c"),
    ("a ? b : c ? d : e", "a ? b : (c ? d : e)"),
    ("a || b ? c : d", "(a || b) ? c : d"),
    ("x in y && z", "(x in y) && z"),
    ("let x = 1; x + 1", "let x = 1; (x + 1)"),
    ("a ? b : let x = 1; x", "a ? b : (let x = 1; x)"),
]


@pytest.mark.parametrize("text,grouped", PRECEDENCE, ids=[p[0] for p in PRECEDENCE])
def test_precedence(text, grouped):
    assert expr(text) == expr(grouped)


def test_expression_nodes():
    assert expr("has(a.b)") == ast.Has(ast.Select(ast.Ident("a"), "b"))
    assert expr("l.all(x, x > 0)") == ast.Comprehension(
        "all", ast.Ident("l"), "x", ast.Binary(">", ast.Ident("x"), ast.Literal(0, "int"))
    )
    assert expr("l.map(x, x > 0, x)") == ast.Comprehension(
        "map", ast.Ident("l"), "x", ast.Ident("x"), ast.Binary(">", ast.Ident("x"), ast.Literal(0, "int"))
    )
    assert expr("f(1, 'a')") == ast.Call("f", (ast.Literal(1, "int"), ast.Literal("a", "string")))
    assert expr("a.f()") == ast.MethodCall(ast.Ident("a"), "f", ())
    assert expr("[1, 2,]") == ast.ListLit((ast.Literal(1, "int"), ast.Literal(2, "int")))
    assert expr("{'k': v}") == ast.MapLit(((ast.Literal("k", "string"), ast.Ident("v")),))
    assert expr("1.5Gi") == ast.QuantityLit("1.5Gi")
    assert expr("2E") == ast.QuantityLit("2E")
    assert expr("2E3") == ast.Literal(2000.0, "double")
    assert expr("500m") == ast.QuantityLit("500m")
    assert expr("1 == 1.0") != expr("1 == 1")


def test_literals_are_typed():
    assert expr("1") != expr("1.0")
    assert expr("1") != expr("true")


def test_keywords_of_clauses_are_names_in_expressions():
    """`message`, `title`, `set` ... are keywords only where a clause starts."""
    tree = expr("c.message + title + set.severity")
    names = {n.name for n in tree.walk() if isinstance(n, ast.Ident)}
    fields = {n.field for n in tree.walk() if isinstance(n, ast.Select)}
    assert names == {"c", "title", "set"} and fields == {"message", "severity"}


MODULE = '''
package demo.example
import demo.common
import kubernetes.x as kx

let limit = 5
def double(x) = x * 2
query allowed(req) = req.ok

rule r {
  title "Title"
  severity high
  rationale "why"
  fix "how"
  match pods
  match kinds Pod, Deployment
  match namespaces "prod", "team-*"
  match selector "app=web"
  match operations CREATE, UPDATE
  for c in pod.spec.containers
  for k, v in object.metadata.labels
  let n = c.name
  when n != ""
  deny if c.x message "bad {n}"
  warn message "just a warning"
  allow if true
}

mutation m {
  match pods
  for c in pod.spec.containers
  set c.imagePullPolicy = "Always" if !has(c.imagePullPolicy)
  set c.resources.limits["memory"] = 1Gi
}

transitions t {
  title "A machine"
  states A, B
  initial A
  terminal B
  event go(n)
  event stop()
  on go from A if n > 1 -> B {
    let m = n + 1
    set object.count = m
    emit went(m) if m > 2
  }
  on stop -> A
}
'''


def test_module_constructs():
    module = parse_module(SourceFile("m.rules", MODULE))
    assert module.package == "demo.example"
    assert module.imports == (ast.Import("demo.common", None), ast.Import("kubernetes.x", "kx"))
    kinds = [type(d).__name__ for d in module.decls]
    assert kinds == ["LetDecl", "DefDecl", "QueryDecl", "RuleDecl", "RuleDecl", "TransitionsDecl"]
    rule = module.decls[3]
    clause_kinds = [type(c).__name__ for c in rule.clauses]
    assert clause_kinds == [
        "Meta", "Meta", "Meta", "Meta", "MatchPods", "MatchKinds", "MatchNamespaces", "MatchSelector",
        "MatchOperations", "For", "For", "LetDecl", "When", "Effect", "Effect", "Effect",
    ]
    assert rule.clauses[10] == ast.For("k", "v", ast.Select(ast.Select(ast.Ident("object"), "metadata"), "labels"))
    deny = rule.clauses[13]
    assert deny.message == ast.Template(("bad ", ast.Ident("n")))
    mutation = module.decls[4]
    assert mutation.kind == "mutation" and isinstance(mutation.clauses[-1], ast.Set)
    machine = module.decls[5]
    on = [c for c in machine.clauses if isinstance(c, ast.On)]
    assert on[0].sources == ("A",) and on[0].target == "B" and len(on[0].actions) == 3
    assert on[1] == ast.On("stop", (), None, "A", ())


def test_spans_point_at_the_source():
    source = SourceFile("s.rules", "let x = object.spec.replicas + 1")
    module = parse_module(source)
    value = module.decls[0].value
    assert value.span.location() == "s.rules:1:9"
    assert source.text[value.left.span.start:value.left.span.end] == "object.spec.replicas"
    assert value.right.span.column == 32


def test_template_spans_point_inside_the_string():
    source = SourceFile("t.rules", 'rule r {\n  deny message "x {a.b} y"\n}')
    deny = parse_module(source).decls[0].clauses[0]
    part = deny.message.parts[1]
    assert source.text[part.span.start:part.span.end] == "a.b"
    assert (part.span.line, part.span.column) == (2, 20)


def test_template_escapes():
    source = SourceFile("t.rules", r'rule r { deny message "a {{b}} \"{x}\" \n" }')
    deny = parse_module(source).decls[0].clauses[0]
    assert deny.message.parts == ('a {b} "', ast.Ident("x"), '" \n')


def test_walk_visits_every_node():
    tree = expr("[a, {b: c}].map(x, x ?? d)")
    names = sorted(n.name for n in tree.walk() if isinstance(n, ast.Ident))
    assert names == ["a", "b", "c", "d", "x"]
