"""Which parts of cluster objects a policy can read: the cluster projection.

`kuberules check` keeps every input object in the `cluster` snapshot so that
cross-object rules can ask for them. Holding 100,000 whole manifests defeats
streaming, yet rules read only a few fields of the objects they get through
`cluster` (a pod template's labels, a CRD's scope). `cluster_use` finds those
fields from the policy's syntax tree alone, by abstract interpretation, so
the snapshot can hold projections of the objects instead of the objects.

The analysis is sound rather than precise: evaluating a rule with projected
objects gives the same findings as with the whole objects. A field path is
kept wholly as soon as its value is used for anything but selecting a field
of it (compared, passed to a builtin, put in a literal, printed, iterated);
when a whole object is used that way, or the analysis cannot follow a value,
the answer is "whole objects" (`paths is None`). The engine's builtins are
known by name only; nothing here knows about Kubernetes kinds or fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from . import ast
from .policy import Policy

# An abstract value is a frozenset of atoms; the empty set means "nothing
# that came from the cluster" (it may still be any value). Atoms:
#   CLUSTER               the ClusterView itself
#   ("obj", path)         the value at `path` inside a cluster object
#   ("list", elements)    a list whose elements are the abstract value `elements`
Value = frozenset
CLUSTER = ("cluster",)
NOTHING: Value = frozenset()
ROOT_LIST: Value = frozenset({("list", frozenset({("obj", ())}))})

# What ClusterView indexes and `select` read, so every projection keeps it.
ALWAYS_KEPT: tuple[tuple[str, ...], ...] = (
    ("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace"), ("metadata", "labels"),
)
_PREDICATES = ("all", "exists", "exists_one", "filter")


@dataclass(frozen=True)
class PathTree:
    """A trie of kept paths. A `whole` node keeps its value entirely; another
    keeps its value if it is not a map, and else a map of the children's
    projections: the map itself stays (even empty) so that reading an absent
    field, `has()` and `??` behave as on the whole object."""

    whole: bool = False
    children: dict[str, PathTree] = field(default_factory=dict, hash=False)

    @staticmethod
    def build(touched: Iterable[tuple[str, ...]], whole: Iterable[tuple[str, ...]]) -> PathTree:
        """The trie holding every `touched` path, with the `whole` ones whole."""
        root: dict = {}
        for path, is_whole in [*((p, False) for p in touched), *((p, True) for p in whole)]:
            node = root
            for step in path:
                node = node.setdefault(step, {})
            if is_whole:
                node[None] = True
        return PathTree._freeze(root)

    @staticmethod
    def _freeze(node: dict) -> PathTree:
        if node.get(None):
            return PathTree(True)
        return PathTree(False, {k: PathTree._freeze(v) for k, v in node.items() if k is not None})

    def as_dict(self) -> dict | bool:
        """Nested dicts for tests and reports: `True` for a wholly kept value."""
        return True if self.whole else {k: c.as_dict() for k, c in self.children.items()}

    def project(self, value: object) -> object:
        if self.whole or type(value) is not dict:
            return value
        out = {}
        for key, item in value.items():
            child = self.children.get(key) if type(key) is str else None
            if child is not None:
                out[key] = child.project(item)
        return out


@dataclass(frozen=True)
class ClusterUse:
    """How a policy's rules and mutations use the `cluster` snapshot."""

    rules: frozenset[str]  # rule_id of each rule or mutation that may read `cluster`
    paths: PathTree | None  # None: whole objects are needed

    def reads_cluster(self) -> bool:
        """Whether any rule can read the snapshot (else it need not be built)."""
        return bool(self.rules)

    def project(self, obj: dict) -> dict:
        """What the snapshot must hold of `obj`: a new dict sharing subtrees
        with `obj` (never modified), or `obj` itself when all of it may be read."""
        if self.paths is None or type(obj) is not dict:
            return obj
        return self.paths.project(obj)


def cluster_use(policy: Policy) -> ClusterUse:
    """Analyse the rules and mutations of `policy` (transitions and queries
    are not run by `check` and are left out)."""
    decls = [(r.rule_id, r.decl) for r in [*policy.rules, *policy.mutations]]
    analysis = _Analysis(policy.res)
    for _, decl in decls:
        analysis.rule(decl)
    rules = frozenset(rule_id for rule_id, decl in decls if analysis.reaches_cluster(decl))
    if analysis.unbounded:
        return ClusterUse(rules, None)
    return ClusterUse(rules, PathTree.build(analysis.touched, [*analysis.whole, *ALWAYS_KEPT]))


def _binder(sym) -> object:
    """The key of a local's binding: its binder node, or (node, index) for def
    parameters and the second variable of a `for`."""
    decl = sym.decl
    return (id(decl[0]), decl[1]) if isinstance(decl, tuple) else id(decl)


class _Analysis:
    """Abstract interpretation of expressions over the `Value` domain. Its
    effects are the paths read (`touched`), the paths used wholly (`whole`)
    and `unbounded` (a whole object or the cluster itself escapes)."""

    def __init__(self, res):
        self.res = res
        self.touched: set[tuple[str, ...]] = {()}
        self.whole: set[tuple[str, ...]] = set()
        self.unbounded = False
        self.memo: dict[tuple, Value] = {}
        self.active: set[int] = set()  # declarations being analysed
        self.reach: dict[int, bool] = {}

    # ---------------------------------------------------------- effects
    def escape(self, value: Value) -> None:
        """`value` is used as data: everything it may hold must be kept."""
        for atom in value:
            if atom[0] == "obj" and atom[1]:
                self.whole.add(atom[1])
            elif atom[0] == "list":
                self.escape(atom[1])
            else:  # a whole object, or the cluster itself
                self.unbounded = True

    def field(self, value: Value, name: str) -> Value:
        """`value.name` or `value["name"]`; other atoms make a run-time error."""
        out = set()
        for atom in value:
            if atom[0] == "obj":
                path = (*atom[1], name)
                self.touched.add(path)
                out.add(("obj", path))
            elif atom is CLUSTER:
                self.escape(frozenset({atom}))
        return frozenset(out)

    def elements(self, value: Value) -> Value:
        """Iterating `value`: list atoms give their elements; a part of an
        object is kept wholly (its elements or keys are then whole too)."""
        out: set = set()
        for atom in value:
            if atom[0] == "list":
                out |= atom[1]
            else:
                self.escape(frozenset({atom}))
        return frozenset(out)

    # ---------------------------------------------------- declarations
    def rule(self, decl: ast.RuleDecl) -> None:
        env: dict = {}
        for clause in decl.clauses:
            if isinstance(clause, ast.For):
                items = self.elements(self.expr(clause.range, env))
                self.escape(items)  # findings carry the values of `for` variables (Finding.bindings)
                env = {**env, id(clause): NOTHING if clause.var2 else items, (id(clause), 2): items}
            elif isinstance(clause, ast.LetDecl):
                env = {**env, id(clause): self.expr(clause.value, env)}
            elif isinstance(clause, ast.When):
                self.escape(self.expr(clause.cond, env))
            elif isinstance(clause, ast.Effect):
                for part in (clause.cond, clause.message):
                    if part is not None:
                        self.escape(self.expr(part, env))
            elif isinstance(clause, ast.Set):
                target = clause.target
                while isinstance(target, (ast.Select, ast.Index)):
                    if isinstance(target, ast.Index):
                        self.escape(self.expr(target.index, env))
                    target = target.operand
                for part in (clause.value, clause.cond):
                    if part is not None:
                        self.escape(self.expr(part, env))

    def call(self, decl: ast.Node, args: tuple[Value, ...]) -> Value:
        """A def or query applied to abstract arguments, or a module `let`
        (no arguments), memoised; a cycle (rejected by the checker) gives up."""
        key = (id(decl), args)
        if key in self.memo:
            return self.memo[key]
        if id(decl) in self.active or decl is None:
            self.unbounded = True
            return NOTHING
        self.active.add(id(decl))
        if isinstance(decl, ast.LetDecl):
            result = self.expr(decl.value, {})
        else:
            result = self.expr(decl.body, {(id(decl), i): a for i, a in enumerate(args)})
        self.active.discard(id(decl))
        self.memo[key] = result
        return result

    def reaches_cluster(self, decl: ast.Node) -> bool:
        """Whether `cluster` is named in `decl` or in a declaration it uses."""
        key = id(decl)
        if key not in self.reach:
            self.reach[key] = False  # a cycle adds nothing
            found = False
            for node in decl.walk():
                sym = self.res.symbols.get(id(node))
                if sym is None:
                    continue
                if sym.kind == "context" and sym.name == "cluster":
                    found = True
                elif sym.kind in ("const", "def", "query") and sym.decl is not None:
                    found = self.reaches_cluster(sym.decl)
                if found:
                    break
            self.reach[key] = found
        return self.reach[key]

    # ----------------------------------------------------- expressions
    def expr(self, node: ast.Expr, env: dict) -> Value:
        return getattr(self, "_" + type(node).__name__)(node, env)

    def _Literal(self, node: ast.Literal, env: dict) -> Value:
        return NOTHING

    _QuantityLit = _Literal

    def _Ident(self, node: ast.Ident, env: dict) -> Value:
        sym = self.res.symbols.get(id(node))
        if sym is None:
            return NOTHING
        if sym.kind == "context":
            return frozenset({CLUSTER}) if sym.name == "cluster" else NOTHING
        if sym.kind == "const":
            return self.call(sym.decl, ())
        if sym.kind == "local":
            return env.get(_binder(sym), NOTHING)
        return NOTHING

    def _Select(self, node: ast.Select, env: dict) -> Value:
        sym = self.res.symbols.get(id(node))
        if sym is not None:  # module.constant
            return self.call(sym.decl, ())
        return self.field(self.expr(node.operand, env), node.field)

    def _Index(self, node: ast.Index, env: dict) -> Value:
        target = self.expr(node.operand, env)
        if isinstance(node.index, ast.Literal) and node.index.kind == "string":
            return self.field(target, node.index.value)
        self.escape(self.expr(node.index, env))
        lists = frozenset(a for a in target if a[0] == "list")
        self.escape(target - lists)
        return self.elements(lists)

    def _Has(self, node: ast.Has, env: dict) -> Value:
        self.field(self.expr(node.operand.operand, env), node.operand.field)
        return NOTHING

    def _Call(self, node: ast.Call, env: dict) -> Value:
        args = tuple(self.expr(a, env) for a in node.args)
        sym = self.res.symbols.get(id(node))
        if sym is not None and sym.kind in ("def", "query"):
            return self.call(sym.decl, args)
        return self._builtin(node.function, NOTHING, args)

    def _MethodCall(self, node: ast.MethodCall, env: dict) -> Value:
        sym = self.res.symbols.get(id(node))
        if sym is not None and sym.kind in ("def", "query"):  # module.function(...)
            return self.call(sym.decl, tuple(self.expr(a, env) for a in node.args))
        target = self.expr(node.target, env)
        args = tuple(self.expr(a, env) for a in node.args)
        result = NOTHING
        if CLUSTER in target and node.method in ("objects", "select", "get"):
            target = target - {CLUSTER}
            result = frozenset({("obj", ())}) if node.method == "get" else ROOT_LIST
        return result | self._builtin(node.method, target, args)

    def _builtin(self, name: str, receiver: Value, args: tuple[Value, ...]) -> Value:
        """A builtin reads all of its arguments, except `dyn` (the value
        itself), `type` (the type of a value already read) and `size` of a list
        of cluster objects (the snapshot keeps every object)."""
        if name == "dyn":
            return args[0] if args else NOTHING
        if name == "type":
            return NOTHING
        for value in (receiver, *args):
            self.escape(frozenset(a for a in value if name != "size" or a[0] != "list"))
        return NOTHING

    def _Comprehension(self, node: ast.Comprehension, env: dict) -> Value:
        items = self.expr(node.range, env)
        inner = {**env, id(node): self.elements(items)}
        if node.filter is not None:
            self.escape(self.expr(node.filter, inner))
        body = self.expr(node.body, inner)
        if node.macro in _PREDICATES:
            self.escape(body)
        if node.macro == "filter":
            return frozenset(a for a in items if a[0] == "list")
        if node.macro == "map" and body:
            return frozenset({("list", body)})
        return NOTHING

    def _Unary(self, node: ast.Unary, env: dict) -> Value:
        self.escape(self.expr(node.operand, env))
        return NOTHING

    def _Binary(self, node: ast.Binary, env: dict) -> Value:
        left, right = self.expr(node.left, env), self.expr(node.right, env)
        if node.op == "??":
            return left | right
        both = left | right
        kept = frozenset(a for a in both if a[0] == "list") if node.op == "+" else NOTHING
        self.escape(both - kept)  # list + list concatenates: the elements flow through
        return kept

    def _Conditional(self, node: ast.Conditional, env: dict) -> Value:
        self.escape(self.expr(node.cond, env))
        return self.expr(node.then, env) | self.expr(node.otherwise, env)

    def _ListLit(self, node: ast.ListLit, env: dict) -> Value:
        for item in node.items:
            self.escape(self.expr(item, env))
        return NOTHING

    def _MapLit(self, node: ast.MapLit, env: dict) -> Value:
        for key, value in node.entries:
            self.escape(self.expr(key, env))
            self.escape(self.expr(value, env))
        return NOTHING

    def _Let(self, node: ast.Let, env: dict) -> Value:
        return self.expr(node.body, {**env, id(node): self.expr(node.value, env)})

    def _WithCluster(self, node: ast.WithCluster, env: dict) -> Value:
        """The objects become a snapshot, read in any way: kept wholly. What the body reads of
        `cluster` is counted against the real snapshot too, which only keeps more."""
        self.escape(self.expr(node.objects, env))
        return self.expr(node.body, env)

    def _Template(self, node: ast.Template, env: dict) -> Value:
        for part in node.parts:
            if not isinstance(part, str):
                self.escape(self.expr(part, env))
        return NOTHING
