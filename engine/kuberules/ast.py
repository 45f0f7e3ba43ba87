"""The typed syntax tree of rule files.

Nodes are frozen, slotted dataclasses. Equality ignores spans, so
`parse(fmt(x)) == parse(x)` compares meaning, not layout. Children are
whatever fields hold nodes (or tuples of nodes); `walk()` derives from that,
so a new node class needs no traversal code.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields

from .source import Span


@dataclass(frozen=True, slots=True)
class Node:
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)

    def children(self) -> Iterator[Node]:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Node):
                yield value
            elif isinstance(value, tuple):
                for item in value:
                    if isinstance(item, Node):
                        yield item
                    elif isinstance(item, tuple):
                        yield from (x for x in item if isinstance(x, Node))

    def walk(self) -> Iterator[Node]:
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(list(node.children())))


# ------------------------------------------------------------ expressions


class Expr(Node):
    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Literal(Expr):
    """int, double, string, bool or null; `value` is the Python value."""

    value: object
    kind: str  # "int" | "double" | "string" | "bool" | "null"

    def __eq__(self, other: object) -> bool:
        # 1 and true and 1.0 are different literals even though Python equates them.
        return (
            isinstance(other, Literal)
            and self.kind == other.kind
            and type(self.value) is type(other.value)
            and self.value == other.value
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.value))


@dataclass(frozen=True, slots=True)
class QuantityLit(Expr):
    """A Kubernetes quantity written in the source, e.g. `500m`, `1.5Gi`."""

    text: str


@dataclass(frozen=True, slots=True)
class Ident(Expr):
    name: str


@dataclass(frozen=True, slots=True)
class Select(Expr):
    """`operand.field`."""

    operand: Expr
    field: str


@dataclass(frozen=True, slots=True)
class Index(Expr):
    """`operand[index]`."""

    operand: Expr
    index: Expr


@dataclass(frozen=True, slots=True)
class Call(Expr):
    """A global function call `f(args)`."""

    function: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class MethodCall(Expr):
    """`target.method(args)`; also `alias.function(args)` for imports."""

    target: Expr
    method: str
    args: tuple[Expr, ...]
    name_span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True, slots=True)
class Has(Expr):
    """`has(a.b)`: presence of the last field, CEL's only absence-safe read."""

    operand: Select


@dataclass(frozen=True, slots=True)
class Comprehension(Expr):
    """The CEL macros: `range.all(var, body)`, `exists`, `exists_one`,
    `filter`, `map` (and three-argument `map(var, filter, body)`)."""

    macro: str
    range: Expr
    var: str
    body: Expr
    filter: Expr | None = None


@dataclass(frozen=True, slots=True)
class Unary(Expr):
    op: str  # "!" | "-"
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary(Expr):
    """Arithmetic, comparison, `in`, `&&`, `||` and `??`."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Conditional(Expr):
    cond: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True, slots=True)
class ListLit(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class MapLit(Expr):
    entries: tuple[tuple[Expr, Expr], ...]


@dataclass(frozen=True, slots=True)
class Let(Expr):
    """`let name = value; body`."""

    name: str
    value: Expr
    body: Expr


@dataclass(frozen=True, slots=True)
class WithCluster(Expr):
    """`with_cluster(objects, body)`: `body` with `cluster` a snapshot of the list `objects`."""

    objects: Expr
    body: Expr


@dataclass(frozen=True, slots=True)
class Template(Expr):
    """A message string with `{expr}` interpolations; parts are str or Expr."""

    parts: tuple[str | Expr, ...]


# ----------------------------------------------------------- declarations


@dataclass(frozen=True, slots=True)
class Import(Node):
    package: str
    alias: str | None


@dataclass(frozen=True, slots=True)
class LetDecl(Node):
    """A module constant, or a `let` clause inside a rule or action block."""

    name: str
    value: Expr


@dataclass(frozen=True, slots=True)
class DefDecl(Node):
    name: str
    params: tuple[str, ...]
    body: Expr


@dataclass(frozen=True, slots=True)
class QueryDecl(Node):
    """A named entry point the CLI and the Python API call."""

    name: str
    params: tuple[str, ...]
    body: Expr


@dataclass(frozen=True, slots=True)
class Meta(Node):
    key: str  # title | severity | rationale | fix
    value: str


@dataclass(frozen=True, slots=True)
class MatchPods(Node):
    """Pods, and the pod template of every workload kind."""


@dataclass(frozen=True, slots=True)
class MatchKinds(Node):
    kinds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MatchNamespaces(Node):
    patterns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MatchSelector(Node):
    selector: str


@dataclass(frozen=True, slots=True)
class MatchOperations(Node):
    operations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class For(Node):
    """`for var in range` (or `for key, value in map`): one finding per binding."""

    var: str
    var2: str | None
    range: Expr


@dataclass(frozen=True, slots=True)
class When(Node):
    cond: Expr


@dataclass(frozen=True, slots=True)
class Effect(Node):
    effect: str  # deny | warn | allow
    cond: Expr | None
    message: Template | None


@dataclass(frozen=True, slots=True)
class Set(Node):
    """`set path = value [if cond]` in a mutation or a transition."""

    target: Expr
    value: Expr
    cond: Expr | None


@dataclass(frozen=True, slots=True)
class RuleDecl(Node):
    """A `rule` (findings) or a `mutation` (a modified copy of the object)."""

    kind: str  # "rule" | "mutation"
    name: str
    clauses: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class States(Node):
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Initial(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Terminal(Node):
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Event(Node):
    name: str
    params: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Emit(Node):
    """Record an action (restart, kill, event ...) in the transition's result."""

    name: str
    args: tuple[Expr, ...]
    cond: Expr | None


@dataclass(frozen=True, slots=True)
class Goto(Node):
    """`-> EXPR` among the actions: the target state, computed (after the actions
    before it) when it depends on what the actions make of the object."""

    target: Expr


@dataclass(frozen=True, slots=True)
class On(Node):
    """`on event [from S, ...] [if guard] [-> target] [{ actions }]`."""

    event: str
    sources: tuple[str, ...]
    guard: Expr | None
    target: str | None
    actions: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class TransitionsDecl(Node):
    name: str
    clauses: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class NamedArg(Node):
    """`name: value`, an argument of a generator in a property's `for`."""

    name: str
    value: Expr


@dataclass(frozen=True, slots=True)
class Draw(Node):
    """`var in generator(name: value, ...)`: one value drawn from a named strategy."""

    var: str
    generator: str
    args: tuple[NamedArg, ...]
    generator_span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True, slots=True)
class DrawClause(Node):
    """`for a in g(...), b in h(...)`: one line of a property's generators."""

    draws: tuple[Draw, ...]


@dataclass(frozen=True, slots=True)
class Assume(Node):
    """`assume COND`: examples where COND is false are discarded, not failures."""

    cond: Expr


@dataclass(frozen=True, slots=True)
class Check(Node):
    """`check COND`: what must hold on every example."""

    cond: Expr


@dataclass(frozen=True, slots=True)
class PropertyDecl(Node):
    """`property "NAME" ... check COND`: an invariant `kuberules prove` tests on generated values."""

    name: str
    clauses: tuple[Node, ...]

    @property
    def slug(self) -> str:
        return slugify(self.name)

    @property
    def check(self) -> Check:
        return next(c for c in self.clauses if isinstance(c, Check))


def slugify(name: str) -> str:
    """A property's name as an identifier: lowercase ASCII letters and digits, every run of other
    characters one `_` (none at the ends; `_` first when it would start with a digit)."""
    out, gap = [], False
    for ch in name.lower():
        if ch.isascii() and ch.isalnum():
            if gap and out:
                out.append("_")
            out.append(ch)
            gap = False
        else:
            gap = True
    slug = "".join(out) or "property"
    return "_" + slug if slug[0].isdigit() else slug


@dataclass(frozen=True, slots=True)
class Module(Node):
    package: str | None
    imports: tuple[Import, ...]
    decls: tuple[Node, ...]


DECLARATIONS = (LetDecl, DefDecl, QueryDecl, RuleDecl, TransitionsDecl, PropertyDecl)
