"""Hypothesis strategies for the rule language's AST (test helpers)."""

from __future__ import annotations

from hypothesis import strategies as st

from kuberules import ast
from kuberules.syntax.to_ast import RESERVED

NAMES = st.sampled_from(["a", "b", "x", "items", "spec", "name", "message", "title", "set"])
FIELDS = st.sampled_from(["spec", "name", "replicas", "labels", "containers", "image", "a", "b"])
ints = st.integers(min_value=-(2**63), max_value=2**63 - 1).map(lambda v: ast.Literal(v, "int"))
doubles = st.floats(allow_nan=False, allow_infinity=False).map(lambda v: ast.Literal(v, "double"))
strings = st.text(max_size=8).map(lambda v: ast.Literal(v, "string"))
quantities = st.sampled_from(["500m", "1Gi", "1.5Gi", "2E", "100Mi", "0.5k", ".5M"]).map(ast.QuantityLit)
LEAVES = st.one_of(
    ints, doubles, strings, quantities,
    st.sampled_from([ast.Literal(True, "bool"), ast.Literal(False, "bool"), ast.Literal(None, "null")]),
    st.sampled_from(["object", "a", "x"]).map(ast.Ident),
)
BINARY_OPS = ["||", "&&", "<", "<=", ">", ">=", "==", "!=", "in", "??", "+", "-", "*", "/", "%"]


def _extend(children):
    return st.one_of(
        st.builds(ast.Select, children, FIELDS),
        st.builds(ast.Index, children, children),
        st.builds(ast.Binary, st.sampled_from(BINARY_OPS), children, children),
        st.builds(_unary, st.sampled_from(["!", "-"]), children),
        st.builds(ast.Conditional, children, children, children),
        st.builds(ast.ListLit, st.lists(children, max_size=3).map(tuple)),
        st.builds(ast.MapLit, st.lists(st.tuples(children, children), max_size=2).map(tuple)),
        st.builds(ast.Call, st.sampled_from(["size", "int", "string", "f"]),
                  st.lists(children, max_size=2).map(tuple)),
        st.builds(ast.MethodCall, children, st.sampled_from(["startsWith", "size", "matches"]),
                  st.lists(children, max_size=2).map(tuple)),
        st.builds(lambda t, f: ast.Has(ast.Select(t, f)), children, FIELDS),
        st.builds(ast.Comprehension, st.sampled_from(["all", "exists", "exists_one", "map", "filter"]),
                  children, NAMES, children),
        st.builds(lambda r, v, flt, b: ast.Comprehension("map", r, v, b, flt), children, NAMES, children,
                  children),
        st.builds(ast.Let, NAMES, children, children),
    )


def _unary(op: str, operand: ast.Expr) -> ast.Expr:
    """As the parser builds it: `-` of a number literal is a negative literal."""
    if op == "-" and isinstance(operand, ast.Literal) and operand.kind in ("int", "double") and operand.value >= 0:
        return ast.Literal(-operand.value, operand.kind)
    return ast.Unary(op, operand)


expressions = st.recursive(LEAVES, _extend, max_leaves=12)


templates = st.lists(st.one_of(st.text(alphabet="ab {}\"'\\\n", max_size=5), expressions), max_size=3).map(
    lambda parts: ast.Template(tuple(_merge_text(parts)))
)


def _merge_text(parts):
    out = []
    for p in parts:
        if isinstance(p, str):
            if not p:
                continue
            if out and isinstance(out[-1], str):
                out[-1] += p
                continue
        out.append(p)
    return out


clauses = st.one_of(
    st.builds(ast.Meta, st.sampled_from(["title", "rationale", "fix"]), st.text(max_size=10)),
    st.builds(ast.Meta, st.just("severity"), st.sampled_from(["high", "low"])),
    st.just(ast.MatchPods()),
    st.builds(ast.MatchKinds, st.lists(st.sampled_from(["Pod", "Deployment"]), min_size=1, max_size=2)
              .map(tuple)),
    st.builds(ast.MatchNamespaces, st.lists(st.text(max_size=5), min_size=1, max_size=2).map(tuple)),
    st.builds(ast.MatchSelector, st.sampled_from(["app=web", "tier in (a, b), !legacy", ""])),
    st.builds(ast.For, NAMES, st.one_of(st.none(), NAMES), expressions),
    st.builds(ast.LetDecl, NAMES, expressions),
    st.builds(ast.When, expressions),
    st.builds(ast.Effect, st.sampled_from(["deny", "warn", "allow"]), st.one_of(st.none(), expressions),
              st.one_of(st.none(), templates)),
)
paths = st.recursive(NAMES.map(ast.Ident), lambda c: st.one_of(st.builds(ast.Select, c, FIELDS),
                                                                st.builds(ast.Index, c, expressions)),
                     max_leaves=3).filter(lambda p: not isinstance(p, ast.Ident))
set_clauses = st.builds(ast.Set, paths, expressions, st.one_of(st.none(), expressions))

declarations = st.one_of(
    st.builds(ast.LetDecl, NAMES, expressions),
    st.builds(ast.DefDecl, NAMES, st.lists(NAMES, max_size=3, unique=True).map(tuple), expressions),
    st.builds(ast.QueryDecl, NAMES, st.lists(NAMES, max_size=2, unique=True).map(tuple), expressions),
    st.builds(ast.RuleDecl, st.just("rule"), NAMES, st.lists(clauses, max_size=5).map(tuple)),
    st.builds(ast.RuleDecl, st.just("mutation"), NAMES,
              st.lists(st.one_of(clauses.filter(lambda c: not isinstance(c, ast.Effect)), set_clauses),
                       max_size=4).map(tuple)),
    st.builds(
        ast.TransitionsDecl, NAMES,
        st.lists(st.one_of(
            st.builds(ast.States, st.lists(NAMES, min_size=1, max_size=3).map(tuple)),
            st.builds(ast.Initial, NAMES),
            st.builds(ast.Terminal, st.lists(NAMES, min_size=1, max_size=2).map(tuple)),
            st.builds(ast.Event, NAMES, st.lists(NAMES, max_size=2, unique=True).map(tuple)),
            st.builds(ast.On, NAMES, st.lists(NAMES, max_size=2).map(tuple), st.one_of(st.none(), expressions),
                      st.one_of(st.none(), NAMES),
                      st.lists(st.one_of(st.builds(ast.LetDecl, NAMES, expressions), set_clauses,
                                         st.builds(ast.Emit, NAMES, st.lists(expressions, max_size=2).map(tuple),
                                                   st.one_of(st.none(), expressions))),
                               max_size=3).map(tuple)),
        ), max_size=5).map(tuple),
    ),
)

modules = st.builds(
    ast.Module,
    st.one_of(st.none(), st.sampled_from(["demo", "a.b.c"])),
    st.lists(st.builds(ast.Import, st.sampled_from(["x.y", "demo.common"]), st.one_of(st.none(), NAMES)),
             max_size=2).map(tuple),
    st.lists(declarations, max_size=4).map(tuple),
)

assert not (set(["a", "b", "x"]) & RESERVED)
