"""Static checks: names, arity, types, set targets, recursion.

The checker walks every module once and collects every problem it finds
(the parser stops at the first). What it learns - which declaration each
name refers to and the static type of each expression - is handed to the
compiler, which therefore never resolves a name itself.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import ast
from .builtins import FUNCTIONS, METHODS, Builtin
from .errors import Diagnostic, EvalError
from .k8s.labels import SelectorError, parse_selector
from .runtime.values import TYPES

# Slots 1..4 of every frame hold the evaluation context (slot 0 is the frame's
# budget holder); see compiler.Frame.
CONTEXT = ("object", "oldObject", "request", "cluster")
CONTEXT_TYPES = {"object": "dyn", "oldObject": "dyn", "request": "dyn", "cluster": "cluster"}
SEVERITIES = ("critical", "high", "medium", "low", "info")
OPERATIONS = ("CREATE", "UPDATE", "DELETE", "CONNECT")

_ARITH = {
    "+": {("int", "int"): "int", ("double", "double"): "double", ("string", "string"): "string",
          ("list", "list"): "list", ("quantity", "quantity"): "quantity"},
    "-": {("int", "int"): "int", ("double", "double"): "double", ("quantity", "quantity"): "quantity"},
    "*": {("int", "int"): "int", ("double", "double"): "double", ("quantity", "int"): "quantity",
          ("int", "quantity"): "quantity"},
    "/": {("int", "int"): "int", ("double", "double"): "double"},
    "%": {("int", "int"): "int"},
}
_ORDERED = {"int", "double", "string", "bool", "quantity"}
_NUMERIC = {"int", "double", "quantity"}


@dataclass(eq=False)
class Symbol:
    kind: str  # context | type | const | local | def | query | module
    name: str
    type: str = "dyn"
    decl: object = None
    module: ModuleScope | None = None
    path: bool = False  # a local bound to a place inside `object` (for set and findings)


@dataclass(eq=False)
class ModuleScope:
    """A module's top-level names and the modules it imports."""

    module: ast.Module
    name: str
    members: dict[str, ast.Node] = field(default_factory=dict)
    imports: dict[str, ModuleScope] = field(default_factory=dict)
    # members visible here but declared by another module (bare names in `eval`)
    borrowed: dict[str, ModuleScope] = field(default_factory=dict)


@dataclass
class Resolution:
    """What the checker learned, keyed by id(node), for the compiler."""

    symbols: dict[int, Symbol] = field(default_factory=dict)
    types: dict[int, str] = field(default_factory=dict)
    builtins: dict[int, Builtin] = field(default_factory=dict)
    path_binders: set[int] = field(default_factory=set)  # for/let bound to a place in `object`
    constants: dict[int, object] = field(default_factory=dict)  # calls folded at compile time
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def type_of(self, node: ast.Node) -> str:
        return self.types.get(id(node), "dyn")


class Scope:
    __slots__ = ("names", "parent")

    def __init__(self, parent: Scope | None = None):
        self.parent = parent
        self.names: dict[str, Symbol] = {}

    def lookup(self, name: str) -> Symbol | None:
        scope: Scope | None = self
        while scope is not None:
            sym = scope.names.get(name)
            if sym is not None:
                return sym
            scope = scope.parent
        return None

    def all_names(self) -> set[str]:
        names: set[str] = set()
        scope: Scope | None = self
        while scope is not None:
            names.update(scope.names)
            scope = scope.parent
        return names


_LITERAL_CONSTRUCTORS = {"selector": "invalid-selector", "quantity": "invalid-quantity"}


def _is_literal_data(node: ast.Expr) -> bool:
    if isinstance(node, ast.Literal):
        return True
    if isinstance(node, ast.ListLit):
        return all(_is_literal_data(i) for i in node.items)
    if isinstance(node, ast.MapLit):
        return all(_is_literal_data(k) and _is_literal_data(v) for k, v in node.entries)
    return False


def _literal_value(node: ast.Expr) -> object:
    if isinstance(node, ast.Literal):
        return node.value
    if isinstance(node, ast.ListLit):
        return [_literal_value(i) for i in node.items]
    return {_literal_value(k): _literal_value(v) for k, v in node.entries}


def _named(node: ast.MethodCall) -> ast.Node:
    """The method's name, for messages about the method rather than the call."""
    return ast.Ident(node.method, span=node.name_span or node.span)


def _did_you_mean(name: str, candidates) -> str | None:
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


# The rule-language types a generator parameter may declare (kuberules.strategies.Param.type).
PARAM_TYPES = ("string", "int", "bool", "list", "map")


class Checker:
    def __init__(self, modules: list[ModuleScope], generators: Mapping | None = None):
        """`generators` (name -> kuberules.strategies.Generator): the strategies `property`
        blocks may draw from; without it, generator names and arguments are not checked."""
        self.modules = modules
        self.generators = generators
        self.res = Resolution()
        self.current: ModuleScope | None = None
        self.owner: tuple | None = None  # the declaration whose body is being checked
        self.calls: dict[tuple, set[tuple]] = {}
        self.decl_spans: dict[tuple, object] = {}
        self.def_types: dict[int, str] = {}
        self.in_progress: set[int] = set()

    # ------------------------------------------------------------ entry
    def check(self) -> Resolution:
        for mod in self.modules:
            self._collect(mod)
        for mod in self.modules:
            self.current = mod
            for decl in mod.module.decls:
                self._declaration(mod, decl)
        self._check_recursion()
        return self.res

    def check_expression(self, mod: ModuleScope, expr: ast.Expr) -> Resolution:
        """Check a lone expression (`kuberules eval`) against a module scope."""
        self.current, self.owner = mod, (mod.name, "<expression>")
        self.expr(expr, self._module_scope())
        return self.res

    def error(self, code: str, message: str, node: ast.Node | None, hint: str | None = None) -> None:
        self.res.diagnostics.append(Diagnostic(code, message, node.span if node else None, hint))

    def _collect(self, mod: ModuleScope) -> None:
        properties: dict[str, ast.PropertyDecl] = {}
        for decl in mod.module.decls:
            if isinstance(decl, ast.PropertyDecl):  # not a name: nothing can refer to a property
                other = properties.get(decl.slug)
                if other is not None:
                    self.error("duplicate-property",
                               f"property '{decl.name}' has the same id ({mod.name}.{decl.slug}) as "
                               f"property '{other.name}' at {other.span.location()}", decl,
                               "give one of them another name")
                properties.setdefault(decl.slug, decl)
                continue
            name = decl.name
            if name in mod.members:
                self.error("duplicate-name", f"'{name}' is already declared in this module", decl)
                continue
            mod.members[name] = decl
            self.decl_spans[(mod.name, name)] = decl.span

    # ----------------------------------------------------- declarations
    def _module_scope(self) -> Scope:
        scope = Scope()
        for name in CONTEXT:
            scope.names[name] = Symbol("context", name, CONTEXT_TYPES[name])
        for name, t in TYPES.items():
            if name != "cluster":
                scope.names[name] = Symbol("type", name, "type", decl=t)
        return scope

    def _declaration(self, mod: ModuleScope, decl: ast.Node) -> None:
        # a property is no name: its calls are recorded under a key no declaration can have
        self.owner = (mod.name, f"<property {decl.name}>" if isinstance(decl, ast.PropertyDecl) else decl.name)
        self.calls.setdefault(self.owner, set())
        scope = self._module_scope()
        if isinstance(decl, ast.LetDecl):
            self.expr(decl.value, scope)
        elif isinstance(decl, (ast.DefDecl, ast.QueryDecl)):
            self._function_type(mod, decl)
        elif isinstance(decl, ast.RuleDecl):
            self._rule(decl, scope)
        elif isinstance(decl, ast.TransitionsDecl):
            self._transitions(decl, scope)
        elif isinstance(decl, ast.PropertyDecl):
            self._property(decl, scope)

    def _function_type(self, mod: ModuleScope, decl: ast.DefDecl | ast.QueryDecl) -> str:
        key = id(decl)
        if key in self.def_types:
            return self.def_types[key]
        if key in self.in_progress:
            return "dyn"  # recursion: reported by _check_recursion
        self.in_progress.add(key)
        saved = self.current, self.owner
        self.current, self.owner = mod, (mod.name, decl.name)
        self.calls.setdefault(self.owner, set())
        scope = Scope(self._module_scope())
        for i, param in enumerate(decl.params):
            scope.names[param] = Symbol("local", param, "dyn", decl=(decl, i))
        result = self.expr(decl.body, scope)
        self.current, self.owner = saved
        self.in_progress.discard(key)
        self.def_types[key] = result
        return result

    def _rule(self, rule: ast.RuleDecl, outer: Scope) -> None:
        scope = Scope(outer)
        seen_meta: set[str] = set()
        effects = 0
        for clause in rule.clauses:
            if isinstance(clause, ast.Meta):
                if clause.key in seen_meta:
                    self.error("duplicate-meta", f"'{clause.key}' is given twice", clause)
                seen_meta.add(clause.key)
                if clause.key == "severity" and clause.value not in SEVERITIES:
                    self.error(
                        "invalid-severity",
                        f"severity must be one of {', '.join(SEVERITIES)}; got '{clause.value}'",
                        clause, _did_you_mean(clause.value, SEVERITIES),
                    )
            elif isinstance(clause, ast.MatchPods):
                scope.names["pod"] = Symbol("local", "pod", "dyn", decl=clause, path=True)
            elif isinstance(clause, ast.MatchSelector):
                try:
                    parse_selector(clause.selector)
                except SelectorError as err:
                    self.error("invalid-selector", f"invalid label selector: {err}", clause)
            elif isinstance(clause, ast.MatchOperations):
                for op in clause.operations:
                    if op not in OPERATIONS:
                        self.error(
                            "invalid-operation",
                            f"unknown operation '{op}'; expected one of {', '.join(OPERATIONS)}",
                            clause, _did_you_mean(op, OPERATIONS),
                        )
            elif isinstance(clause, ast.For):
                rtype = self.expr(clause.range, scope)
                if rtype not in ("list", "map", "dyn"):
                    self.error("type-error", f"'for' iterates over a list or map, not {rtype}", clause.range)
                is_path = self.is_path(clause.range, scope, combined=True)
                if is_path:
                    self.res.path_binders.add(id(clause))
                scope = Scope(scope)
                scope.names[clause.var] = Symbol("local", clause.var, "dyn", decl=clause, path=is_path)
                if clause.var2:
                    scope.names[clause.var2] = Symbol("local", clause.var2, "dyn", decl=(clause, 2),
                                                      path=is_path)
            elif isinstance(clause, ast.LetDecl):
                t = self.expr(clause.value, scope)
                is_path = self.is_path(clause.value, scope)
                if is_path:
                    self.res.path_binders.add(id(clause))
                scope = Scope(scope)
                scope.names[clause.name] = Symbol("local", clause.name, t, decl=clause, path=is_path)
            elif isinstance(clause, ast.When):
                self._condition(clause.cond, scope, "when")
            elif isinstance(clause, ast.Effect):
                effects += 1
                if clause.cond is not None:
                    self._condition(clause.cond, scope, clause.effect)
                if clause.message is not None:
                    self.expr(clause.message, scope)
            elif isinstance(clause, ast.Set):
                effects += 1
                self._set(clause, scope)
        if effects == 0:
            what = "deny, warn or allow" if rule.kind == "rule" else "set"
            self.error("empty-rule", f"{rule.kind} '{rule.name}' has no {what} clause", rule)

    def _property(self, decl: ast.PropertyDecl, outer: Scope) -> None:
        scope = Scope(outer)
        seen_meta: set[str] = set()
        bound: set[str] = set()
        for clause in decl.clauses:
            if isinstance(clause, ast.Meta):
                if clause.key in seen_meta:
                    self.error("duplicate-meta", f"'{clause.key}' is given twice", clause)
                seen_meta.add(clause.key)
                if clause.key == "severity":
                    self.error("misplaced-clause", "properties have no severity", clause)
            elif isinstance(clause, ast.DrawClause):
                for draw in clause.draws:
                    self._draw(draw, scope)
                    if draw.var in bound:
                        self.error("duplicate-binding", f"'{draw.var}' is already bound in this property", draw)
                    bound.add(draw.var)
                    scope = Scope(scope)
                    scope.names[draw.var] = Symbol("local", draw.var, "dyn", decl=draw)
            elif isinstance(clause, ast.Assume):
                self._condition(clause.cond, scope, "assume")
            elif isinstance(clause, ast.Check):
                self._condition(clause.cond, scope, "check")

    def _draw(self, draw: ast.Draw, scope: Scope) -> None:
        """A generator's arguments are expressions over the names bound before it; with a
        registry, the generator and its arguments are checked against what it declares."""
        types: dict[str, str] = {}
        for arg in draw.args:
            t = self.expr(arg.value, scope)
            if arg.name in types:
                self.error("duplicate-argument", f"argument '{arg.name}' is given twice", arg)
            types[arg.name] = t
        if self.generators is None:
            return
        gen = self.generators.get(draw.generator)
        if gen is None:
            self.error("unknown-generator", f"unknown generator '{draw.generator}'",
                       ast.Ident(draw.generator, span=draw.generator_span or draw.span),
                       _did_you_mean(draw.generator, self.generators)
                       or "the generators are listed in grammar/README.md (Properties)")
            return
        params = {p.name: p for p in gen.params}
        for arg in draw.args:
            param = params.get(arg.name)
            if param is None:
                takes = f"it takes {', '.join(params)}" if params else "it takes no arguments"
                self.error("unknown-argument", f"{gen.name}() has no argument '{arg.name}'; {takes}", arg,
                           _did_you_mean(arg.name, params))
                continue
            t = types[arg.name]
            if param.type in PARAM_TYPES and t not in (param.type, "dyn") and (t != "null_type" or param.required):
                self.error("type-error",
                           f"argument '{arg.name}' of {gen.name}() must be a {param.type}, not {t}", arg.value)
        for param in gen.params:
            if param.required and param.name not in types:
                self.error("missing-argument",
                           f"{gen.name}() needs the argument '{param.name}' (a {param.type})", draw)

    def _condition(self, cond: ast.Expr, scope: Scope, where: str) -> None:
        t = self.expr(cond, scope)
        if t not in ("bool", "dyn"):
            self.error("type-error", f"the condition of '{where}' must be a bool, not {t}", cond)

    def _set(self, clause: ast.Set, scope: Scope) -> None:
        root = clause.target
        while isinstance(root, (ast.Select, ast.Index)):
            if isinstance(root, ast.Index):
                self.expr(root.index, scope)
            root = root.operand
        sym = scope.lookup(root.name)
        if sym is None or not (sym.path or (sym.kind == "context" and sym.name == "object")):
            self.error(
                "invalid-set-target",
                f"'{root.name}' is not a place inside the object; set a path that starts at "
                "object, pod, or a for variable over a path of the object",
                root,
            )
        else:
            self.res.symbols[id(root)] = sym
        self.expr(clause.value, scope)
        if clause.cond is not None:
            self._condition(clause.cond, scope, "set")

    def is_path(self, expr: ast.Expr, scope: Scope, combined: bool = False) -> bool:
        """Whether `expr` names a place inside `object` (so findings and
        `set` can point at it): object, pod, path variables, their fields and
        constant indexes, and (for `for` ranges, `combined`) `a + b` / `a ?? b`
        of such paths."""
        if isinstance(expr, ast.Ident):
            sym = scope.lookup(expr.name)
            return sym is not None and (sym.path or (sym.kind == "context" and sym.name == "object"))
        if isinstance(expr, ast.Select):
            return self.is_path(expr.operand, scope)
        if isinstance(expr, ast.Index):
            return isinstance(expr.index, ast.Literal) and self.is_path(expr.operand, scope)
        if combined and isinstance(expr, ast.Binary) and expr.op in ("+", "??"):
            return self.is_path(expr.left, scope, True) and (
                expr.op == "??" or self.is_path(expr.right, scope, True)
            )
        return False

    def _transitions(self, decl: ast.TransitionsDecl, outer: Scope) -> None:
        states: dict[str, ast.Node] = {}
        events: dict[str, ast.Event] = {}
        for clause in decl.clauses:
            if isinstance(clause, ast.States):
                for name in clause.names:
                    if name in states:
                        self.error("duplicate-state", f"state '{name}' is declared twice", clause)
                    states[name] = clause
            elif isinstance(clause, ast.Event):
                if clause.name in events:
                    self.error("duplicate-event", f"event '{clause.name}' is declared twice", clause)
                events[clause.name] = clause
        if not states:
            self.error("no-states", f"transitions '{decl.name}' declares no states", decl)

        def known_state(name: str, node: ast.Node) -> None:
            if states and name not in states:
                self.error("unknown-state", f"unknown state '{name}'", node, _did_you_mean(name, states))

        for clause in decl.clauses:
            if isinstance(clause, ast.Initial):
                known_state(clause.name, clause)
            elif isinstance(clause, ast.Terminal):
                for name in clause.names:
                    known_state(name, clause)
            elif isinstance(clause, ast.Meta) and clause.key == "severity":
                self.error("misplaced-clause", "transitions have no severity", clause)
            elif isinstance(clause, ast.On):
                self._on(clause, events, outer, known_state)

    def _on(self, clause: ast.On, events, outer: Scope, known_state) -> None:
        event = events.get(clause.event)
        if event is None:
            self.error("unknown-event", f"unknown event '{clause.event}'", clause,
                       _did_you_mean(clause.event, events))
        for name in clause.sources:
            known_state(name, clause)
        if clause.target is not None:
            known_state(clause.target, clause)
        scope = Scope(outer)
        scope.names["state"] = Symbol("local", "state", "string", decl=clause)
        for i, param in enumerate(event.params if event else ()):
            scope.names[param] = Symbol("local", param, "dyn", decl=(clause, i))
        if clause.guard is not None:
            self._condition(clause.guard, scope, "if")
        for action in clause.actions:
            if isinstance(action, ast.LetDecl):
                t = self.expr(action.value, scope)
                scope = Scope(scope)
                scope.names[action.name] = Symbol("local", action.name, t, decl=action)
            elif isinstance(action, ast.Set):
                self._set(action, scope)
            elif isinstance(action, ast.Emit):
                for arg in action.args:
                    self.expr(arg, scope)
                if action.cond is not None:
                    self._condition(action.cond, scope, "emit")
            elif isinstance(action, ast.Goto):
                self._goto(clause, action, scope, known_state)

    def _goto(self, clause: ast.On, action: ast.Goto, scope: Scope, known_state) -> None:
        if clause.target is not None or action is not clause.actions[-1]:
            self.error("misplaced-target", "'-> STATE' goes once in a transition: in its header, "
                       "or as the last action", action)
        t = self.expr(action.target, scope)
        if t not in ("string", "dyn"):
            self.error("type-error", f"the target of a transition is a state name (string), not {t}", action)
        if isinstance(action.target, ast.Literal) and type(action.target.value) is str:
            known_state(action.target.value, action)

    # ------------------------------------------------------ expressions
    def expr(self, node: ast.Expr, scope: Scope) -> str:
        method = getattr(self, "_" + type(node).__name__)
        t = method(node, scope)
        self.res.types[id(node)] = t
        return t

    def _Literal(self, node: ast.Literal, scope: Scope) -> str:
        return "null_type" if node.kind == "null" else node.kind

    def _QuantityLit(self, node: ast.QuantityLit, scope: Scope) -> str:
        # The QUANTITY terminal accepts a subset of what ParseQuantity does.
        return "quantity"

    def _Ident(self, node: ast.Ident, scope: Scope) -> str:
        sym = scope.lookup(node.name)
        if sym is None and self.current is not None:
            member = self.current.members.get(node.name)
            if isinstance(member, ast.LetDecl):
                sym = self._member_symbol(self.current, member)
            elif member is not None and not isinstance(member, (ast.RuleDecl, ast.TransitionsDecl)):
                self.error("not-a-value", f"'{node.name}' is a function; call it with ()", node)
                return "dyn"
            elif node.name in self.current.imports:
                self.error("not-a-value", f"'{node.name}' is a module; name one of its members", node)
                return "dyn"
        if sym is None:
            candidates = scope.all_names() | {
                n for n, d in (self.current.members.items() if self.current else ())
                if isinstance(d, ast.LetDecl)
            }
            self.error("unknown-name", f"unknown name '{node.name}'", node,
                       _did_you_mean(node.name, candidates))
            return "dyn"
        self.res.symbols[id(node)] = sym
        return sym.type

    def _member_symbol(self, mod: ModuleScope, member: ast.Node) -> Symbol:
        mod = mod.borrowed.get(member.name, mod)
        key = (mod.name, member.name)
        if self.owner is not None:
            self.calls.setdefault(self.owner, set()).add(key)
        if isinstance(member, ast.LetDecl):
            return Symbol("const", member.name, "dyn", decl=member, module=mod)
        kind = "query" if isinstance(member, ast.QueryDecl) else "def"
        return Symbol(kind, member.name, "dyn", decl=member, module=mod)

    def _Select(self, node: ast.Select, scope: Scope) -> str:
        qualified = self._qualified(node.operand, node.field, scope, node)
        if qualified is not None:
            if qualified.kind != "const":
                self.error("not-a-value", f"'{node.field}' is a function; call it with ()", node)
            self.res.symbols[id(node)] = qualified
            return qualified.type
        t = self.expr(node.operand, scope)
        if t not in ("map", "dyn"):
            self.error("type-error", f"cannot select field '{node.field}' of a {t}", node)
        return "dyn"

    def _qualified(self, target: ast.Expr, name: str, scope: Scope, node: ast.Node) -> Symbol | None:
        """`alias.name` where alias is an imported module (and not a local)."""
        if not isinstance(target, ast.Ident) or self.current is None:
            return None
        if scope.lookup(target.name) is not None or target.name not in self.current.imports:
            return None
        mod = self.current.imports[target.name]
        member = mod.members.get(name)
        if member is None or isinstance(member, (ast.RuleDecl, ast.TransitionsDecl)):
            values = [n for n, d in mod.members.items()
                      if not isinstance(d, (ast.RuleDecl, ast.TransitionsDecl))]
            self.error("unknown-name", f"module '{mod.name}' has no member '{name}'", node,
                       _did_you_mean(name, values))
            return Symbol("const", name, "dyn", decl=None, module=mod)
        return self._member_symbol(mod, member)

    def _Index(self, node: ast.Index, scope: Scope) -> str:
        t = self.expr(node.operand, scope)
        i = self.expr(node.index, scope)
        if t == "list" and i not in ("int", "double", "dyn"):
            self.error("type-error", f"a list index must be an int, not {i}", node.index)
        elif t not in ("list", "map", "dyn"):
            self.error("type-error", f"cannot index a {t}", node)
        return "dyn"

    def _Call(self, node: ast.Call, scope: Scope) -> str:
        arg_types = [self.expr(a, scope) for a in node.args]
        member = self.current.members.get(node.function) if self.current else None
        if isinstance(member, (ast.DefDecl, ast.QueryDecl)) and scope.lookup(node.function) is None:
            sym = self._member_symbol(self.current, member)
            self.res.symbols[id(node)] = sym
            return self._user_call(node, sym, len(node.args))
        overloads = FUNCTIONS.get(node.function)
        if node.function in _LITERAL_CONSTRUCTORS and overloads:
            self._fold_literal(node)
        if overloads is None:
            if node.function in METHODS:
                self.error("unknown-function", f"'{node.function}' is a method; write x.{node.function}(...)",
                           node)
                return "dyn"
            names = set(FUNCTIONS) | {
                n for n, d in (self.current.members.items() if self.current else ())
                if isinstance(d, (ast.DefDecl, ast.QueryDecl))
            }
            self.error("unknown-function", f"unknown function '{node.function}'", node,
                       _did_you_mean(node.function, names))
            return "dyn"
        return self._pick(node, overloads, None, arg_types)

    def _fold_literal(self, node: ast.Call) -> None:
        """`selector("app in (a, b)")` and `quantity("1.5Gi")` with a literal
        argument are the language's selector and quantity literals: checked
        here, with a located message, and built once."""
        if len(node.args) != 1 or not _is_literal_data(node.args[0]):
            return
        code = _LITERAL_CONSTRUCTORS[node.function]
        value = _literal_value(node.args[0])
        try:
            self.res.constants[id(node)] = FUNCTIONS[node.function][0].fn(value)
        except EvalError as err:
            self.error(code, err.message, node.args[0])

    def _user_call(self, node: ast.Node, sym: Symbol, argc: int) -> str:
        decl = sym.decl
        if decl is None:
            return "dyn"
        if argc != len(decl.params):
            self.error("arity", f"'{decl.name}' takes {len(decl.params)} argument(s), got {argc}", node)
        return self._function_type(sym.module, decl)

    def _pick(self, node, overloads: list[Builtin], receiver: str | None, arg_types: list[str]) -> str:
        argc = len(arg_types)
        fitting = [b for b in overloads if b.arity[0] <= argc <= b.arity[1]]
        if not fitting:
            b = overloads[0]
            lo, hi = b.arity
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            self.error("arity", f"'{b.name}' takes {want} argument(s), got {argc}", node)
            return "dyn"
        if receiver is not None and receiver != "dyn":
            typed = [b for b in fitting if b.receiver == receiver]
            if not typed:
                kinds = ", ".join(sorted({b.receiver for b in fitting}))
                self.error("type-error", f"'{fitting[0].name}' is a method of {kinds}, not of {receiver}",
                           node)
                return "dyn"
            fitting = typed
        for b in fitting:
            if all(p == "dyn" or a == "dyn" or a in p.split("|")
                   for p, a in zip(b.params, arg_types, strict=False)):
                # Bind now only when the receiver's type is known (or there is
                # none); a dynamic receiver is dispatched on its runtime type.
                if (receiver is None and len(fitting) == 1) or receiver not in (None, "dyn"):
                    self.res.builtins[id(node)] = b
                return b.result if len({f.result for f in fitting}) == 1 or len(fitting) == 1 else "dyn"
        b = fitting[0]
        got = ", ".join(arg_types)
        want = ", ".join(b.params)
        self.error("type-error", f"'{b.name}' expects ({want}), got ({got})", node)
        return "dyn"

    def _MethodCall(self, node: ast.MethodCall, scope: Scope) -> str:
        qualified = self._qualified(node.target, node.method, scope, node)
        if qualified is not None:
            for a in node.args:
                self.expr(a, scope)
            if qualified.decl is None:
                return "dyn"
            if qualified.kind == "const":
                self.error("not-a-function", f"'{node.method}' is a constant, not a function", node)
                return "dyn"
            self.res.symbols[id(node)] = qualified
            return self._user_call(node, qualified, len(node.args))
        receiver = self.expr(node.target, scope)
        arg_types = [self.expr(a, scope) for a in node.args]
        overloads = METHODS.get(node.method)
        if overloads is None:
            if node.method in ("all", "exists", "exists_one", "map", "filter"):
                self.error("macro-variable", f"{node.method}() needs a variable name first, as in "
                           f"x.{node.method}(v, ...)", _named(node))
            else:
                self.error("unknown-function", f"unknown method '{node.method}'", _named(node),
                           _did_you_mean(node.method, METHODS))
            return "dyn"
        return self._pick(node, overloads, receiver, arg_types)

    def _Has(self, node: ast.Has, scope: Scope) -> str:
        sel = node.operand
        if self._qualified(sel.operand, sel.field, scope, sel) is not None:
            self.error("invalid-has", "has() tests a field of a value, not a module member", node)
            return "bool"
        t = self.expr(sel.operand, scope)
        if t not in ("map", "dyn"):
            self.error("type-error", f"has() needs a map field, not a field of {t}", node)
        return "bool"

    def _Comprehension(self, node: ast.Comprehension, scope: Scope) -> str:
        t = self.expr(node.range, scope)
        if t not in ("list", "map", "dyn"):
            self.error("type-error", f"{node.macro}() iterates over a list or map, not {t}", node.range)
        inner = Scope(scope)
        inner.names[node.var] = Symbol("local", node.var, "dyn", decl=node)
        if node.filter is not None:
            ft = self.expr(node.filter, inner)
            if ft not in ("bool", "dyn"):
                self.error("type-error", f"the filter of map() must be a bool, not {ft}", node.filter)
        bt = self.expr(node.body, inner)
        if node.macro in ("all", "exists", "exists_one", "filter") and bt not in ("bool", "dyn"):
            self.error("type-error", f"the predicate of {node.macro}() must be a bool, not {bt}", node.body)
        return "list" if node.macro in ("map", "filter") else "bool"

    def _Unary(self, node: ast.Unary, scope: Scope) -> str:
        t = self.expr(node.operand, scope)
        if node.op == "!":
            if t not in ("bool", "dyn"):
                self.error("type-error", f"'!' needs a bool, not {t}", node)
            return "bool"
        if t not in ("int", "double", "quantity", "dyn"):
            self.error("type-error", f"'-' needs a number, not {t}", node)
            return "dyn"
        return t

    def _Binary(self, node: ast.Binary, scope: Scope) -> str:
        lt = self.expr(node.left, scope)
        rt = self.expr(node.right, scope)
        op = node.op
        if op in ("&&", "||"):
            for side, t in ((node.left, lt), (node.right, rt)):
                if t not in ("bool", "dyn"):
                    self.error("type-error", f"'{op}' needs bools, not {t}", side)
            return "bool"
        if op == "??":
            return lt if lt == rt else "dyn"
        if op in ("==", "!="):
            return "bool"
        if op == "in":
            if rt not in ("list", "map", "dyn"):
                self.error("type-error", f"'in' needs a list or map on its right, not {rt}", node.right)
            return "bool"
        if op in ("<", "<=", ">", ">="):
            if "dyn" not in (lt, rt):
                ok = (lt == rt and lt in _ORDERED) or (lt in _NUMERIC and rt in _NUMERIC)
                if not ok:
                    self.error("type-error", f"cannot compare {lt} {op} {rt}", node)
            return "bool"
        table = _ARITH[op]
        if "dyn" in (lt, rt):
            results = {r for (a, b), r in table.items() if lt in (a, "dyn") and rt in (b, "dyn")}
            if not results:
                self.error("type-error", f"no operator {op} for {lt} and {rt}", node)
            return results.pop() if len(results) == 1 else "dyn"
        result = table.get((lt, rt))
        if result is None:
            hint = None
            if {lt, rt} == {"int", "double"}:
                hint = "CEL has no implicit conversion: use double(x) or int(x)"
            self.error("type-error", f"no operator {op} for {lt} and {rt}", node, hint)
            return "dyn"
        return result

    def _Conditional(self, node: ast.Conditional, scope: Scope) -> str:
        ct = self.expr(node.cond, scope)
        if ct not in ("bool", "dyn"):
            self.error("type-error", f"the condition of '? :' must be a bool, not {ct}", node.cond)
        a = self.expr(node.then, scope)
        b = self.expr(node.otherwise, scope)
        return a if a == b else "dyn"

    def _ListLit(self, node: ast.ListLit, scope: Scope) -> str:
        for item in node.items:
            self.expr(item, scope)
        return "list"

    def _MapLit(self, node: ast.MapLit, scope: Scope) -> str:
        for key, value in node.entries:
            kt = self.expr(key, scope)
            if kt not in ("string", "int", "bool", "dyn"):
                self.error("type-error", f"a map key must be a string, int or bool, not {kt}", key)
            self.expr(value, scope)
        return "map"

    def _Let(self, node: ast.Let, scope: Scope) -> str:
        t = self.expr(node.value, scope)
        inner = Scope(scope)
        inner.names[node.name] = Symbol("local", node.name, t, decl=node)
        return self.expr(node.body, inner)

    def _WithCluster(self, node: ast.WithCluster, scope: Scope) -> str:
        t = self.expr(node.objects, scope)
        if t not in ("list", "dyn"):
            self.error("type-error", f"with_cluster() takes a list of objects, not {t}", node.objects)
        return self.expr(node.body, scope)

    def _Template(self, node: ast.Template, scope: Scope) -> str:
        for part in node.parts:
            if not isinstance(part, str):
                self.expr(part, scope)
        return "string"

    # -------------------------------------------------------- recursion
    def _check_recursion(self) -> None:
        """Definitions may call each other but never in a cycle: the language
        is total, and a cycle is reported with its whole path."""
        color: dict[tuple, int] = {}
        reported: set[frozenset] = set()

        def visit(node: tuple, stack: list[tuple]) -> None:
            color[node] = 1
            stack.append(node)
            for callee in sorted(self.calls.get(node, ())):
                if color.get(callee) == 1:
                    cycle = [*stack[stack.index(callee):], callee]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        path = " -> ".join(f"{m}.{n}" if m else n for m, n in cycle)
                        span = self.decl_spans.get(callee)
                        self.res.diagnostics.append(Diagnostic(
                            "recursion", f"recursive definition: {path}", span,
                            "the language is total: rewrite the recursion with a macro over a list",
                        ))
                elif color.get(callee) is None:
                    visit(callee, stack)
            stack.pop()
            color[node] = 2

        for node in sorted(self.calls):
            if color.get(node) is None:
                visit(node, [])
