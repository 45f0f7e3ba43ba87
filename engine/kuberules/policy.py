"""Compiled rules, mutations, transitions and queries, and how they run.

A rule's clauses compile to a chain of steps (`for` loops, `let`, `when`,
effects); each binding that reaches an effect whose condition holds is one
finding. Rules are indexed by the kinds they match, so an object meets only
the rules that can apply to it.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from . import ast
from .checker import Resolution
from .compiler import ExprCompiler, ProgramCompiler, Slots
from .decision import Action, Change, Finding, MutationResult, TransitionResult
from .errors import EvalError
from .k8s.cluster import ClusterView
from .k8s.labels import parse_selector
from .k8s.workloads import POD_PATHS, pod_of
from .runtime.frame import DEFAULT_STEPS, Budget, new_frame
from .runtime.values import type_name

Step = Callable[[list, list], None]
ANY_KIND = "*"


@dataclass
class CompiledRule:
    decl: ast.RuleDecl
    module: str
    meta: dict
    kinds: frozenset | None
    pods: bool
    namespaces: tuple[str, ...]
    selectors: tuple
    operations: frozenset | None
    run: Step = field(repr=False)
    pod_slots: tuple[int, int] | None
    frame_size: int

    @property
    def name(self) -> str:
        return self.decl.name

    @property
    def rule_id(self) -> str:
        return f"{self.module}.{self.decl.name}"

    def applies(self, obj: dict, request: dict | None) -> bool:
        meta = obj.get("metadata")
        meta = meta if type(meta) is dict else {}
        if self.namespaces:
            ns = meta.get("namespace") or ""
            if not any(fnmatch.fnmatchcase(ns, p) for p in self.namespaces):
                return False
        if self.selectors:
            labels = meta.get("labels")
            labels = labels if type(labels) is dict else {}
            if not all(s.matches(labels) for s in self.selectors):  # every clause must hold
                return False
        if self.operations is not None:
            op = request.get("operation") if type(request) is dict else None
            if op is not None and op not in self.operations:
                return False
        return True


@dataclass
class Machine:
    """A compiled `transitions` block."""

    name: str
    module: str
    states: tuple[str, ...]
    initial: str | None
    terminal: frozenset
    events: dict[str, tuple[str, ...]]
    transitions: list[CompiledTransition]
    decl: ast.TransitionsDecl


@dataclass
class CompiledTransition:
    on: ast.On
    sources: frozenset
    guard: Callable | None
    actions: Callable
    state_slot: int
    param_slots: tuple[int, ...]
    frame_size: int
    target_slot: int | None  # where a computed target (`-> EXPR` action) leaves its value


@dataclass
class DrawStep:
    """`var in generator(args)` of a property: the arguments are evaluated on the values drawn before."""

    var: str
    generator: str
    args: tuple[tuple[str, Callable, ast.NamedArg], ...]
    slot: int
    node: ast.Draw


@dataclass
class AssumeStep:
    cond: Callable
    node: ast.Assume


@dataclass
class CompiledProperty:
    """A compiled `property` block; kuberules.prove runs it."""

    decl: ast.PropertyDecl
    module: str
    meta: dict
    steps: tuple[DrawStep | AssumeStep, ...]
    check: Callable = field(repr=False)
    # the check's operands (see check_operands), for explaining a counterexample
    operands: tuple[tuple[ast.Expr, Callable], ...] = field(repr=False)
    frame_size: int
    step_limit: int
    scope: object = field(default=None, repr=False)  # the module's checker.ModuleScope
    res: Resolution | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.decl.name

    @property
    def id(self) -> str:
        return f"{self.module}.{self.decl.slug}"

    @property
    def span(self):
        return self.decl.span

    @property
    def variables(self) -> list[str]:
        return [s.var for s in self.steps if isinstance(s, DrawStep)]

    def new_frame(self) -> list:
        """A frame for one example: no object, an empty cluster, a fresh step budget."""
        return new_frame(Budget(self.step_limit), None, None, None, None, self.frame_size)


class Policy:
    """A loaded, checked and compiled set of rule files."""

    def __init__(self, modules, res: Resolution, step_limit: int = DEFAULT_STEPS):
        self.modules = modules
        self.res = res
        # the modules named by the caller (not only imported); Engine.load sets it
        self.entry_modules: frozenset[str] = frozenset(m.name for m in modules)
        self._properties: list[CompiledProperty] | None = None
        self.step_limit = step_limit
        self.program = ProgramCompiler(res)
        self.rules: list[CompiledRule] = []
        self.mutations: list[CompiledRule] = []
        self.machines: dict[str, Machine] = {}
        self.queries: dict[str, tuple] = {}
        for scope in modules:
            for decl in scope.module.decls:
                if isinstance(decl, ast.RuleDecl):
                    compiled = _RuleCompiler(self.program, scope.name).compile(decl)
                    (self.rules if decl.kind == "rule" else self.mutations).append(compiled)
                elif isinstance(decl, ast.TransitionsDecl):
                    machine = _compile_machine(self.program, scope.name, decl)
                    self.machines[f"{scope.name}.{decl.name}"] = machine
                elif isinstance(decl, ast.QueryDecl):
                    self.queries[f"{scope.name}.{decl.name}"] = (decl, scope)
        self._by_kind: dict[str, list[CompiledRule]] = {}
        self._mutations_by_kind: dict[str, list[CompiledRule]] = {}

    def restrict(self, keep) -> Policy:
        """The same compiled policy with only the rules `keep(rule)` accepts."""
        subset = object.__new__(Policy)
        subset.__dict__.update(self.__dict__)
        subset.rules = [r for r in self.rules if keep(r)]
        subset._by_kind = {}
        return subset

    # ------------------------------------------------------------ index
    def rules_for(self, kind: str) -> list[CompiledRule]:
        """The rules that can apply to objects of `kind`, computed once per kind."""
        found = self._by_kind.get(kind)
        if found is None:
            found = self._by_kind[kind] = [r for r in self.rules if _kind_matches(r, kind)]
        return found

    def _mutations_for(self, kind: str) -> list[CompiledRule]:
        found = self._mutations_by_kind.get(kind)
        if found is None:
            found = self._mutations_by_kind[kind] = [r for r in self.mutations if _kind_matches(r, kind)]
        return found

    # ------------------------------------------------------------ rules
    def evaluate(self, obj: dict, *, cluster: ClusterView | None = None, request: dict | None = None,
                 old_object: dict | None = None) -> list[Finding]:
        """Every finding of every rule that applies to `obj`; the rules share
        one step budget, the decision's."""
        out: list[Finding] = []
        if type(obj) is not dict:
            return out
        kind = obj.get("kind")
        budget = Budget(self.step_limit)
        for rule in self.rules_for(kind if type(kind) is str else ""):
            if rule.applies(obj, request):
                self._run(rule, budget, obj, old_object, request, cluster, out)
        return out

    def check(self, objects: Iterable[dict], *, cluster: ClusterView | None = None) -> list[Finding]:
        findings: list[Finding] = []
        for obj in objects:
            findings.extend(self.evaluate(obj, cluster=cluster))
        return findings

    def _run(self, rule: CompiledRule, budget: Budget, obj, old, request, cluster, out: list) -> None:
        frame = new_frame(budget, obj, old, request, cluster, rule.frame_size)
        if rule.pod_slots is not None:
            located = pod_of(obj)
            if located is None:
                return
            frame[rule.pod_slots[0]], frame[rule.pod_slots[1]] = located
        rule.run(frame, out)

    # -------------------------------------------------------- mutations
    def mutate(self, obj: dict, *, cluster: ClusterView | None = None, request: dict | None = None,
               old_object: dict | None = None) -> MutationResult:
        """Apply every mutation in file order to a copy of `obj`; the input is
        never modified. Each mutation's `set`s are computed on what the
        previous mutations produced, then applied together."""
        current = obj
        changes: list[Change] = []
        errors: list[Finding] = []
        kind = obj.get("kind") if type(obj) is dict else None
        budget = Budget(self.step_limit)
        for rule in self._mutations_for(kind if type(kind) is str else ""):
            if type(current) is not dict or not rule.applies(current, request):
                continue
            out: list = []
            self._run(rule, budget, current, old_object, request, cluster, out)
            sets = [item for item in out if type(item) is tuple]
            errors.extend(item for item in out if type(item) is not tuple)
            if sets:
                current = deep_copy(current)
                for path, value, span in sets:
                    try:
                        old = apply_set(current, path, value, span)
                    except EvalError as err:
                        errors.append(_error_finding(rule, current, path, err))
                        continue
                    changes.append(Change(path, old, value, rule.rule_id, span))
        return MutationResult(current, changes, errors)

    # ---------------------------------------------------------- queries
    def query_names(self) -> list[str]:
        return sorted(self.queries)

    def _find(self, table: dict, name: str, what: str):
        if name in table:
            return table[name]
        matches = [k for k in table if k.endswith("." + name)]
        if len(matches) == 1:
            return table[matches[0]]
        if matches:
            raise KeyError(f"{what} '{name}' is ambiguous: {', '.join(sorted(matches))}")
        raise KeyError(f"unknown {what} '{name}'; known: {', '.join(sorted(table)) or 'none'}")

    def query(self, name: str, *args, object: dict | None = None, cluster: ClusterView | None = None,
              request: dict | None = None) -> object:
        """Call a query by `package.name`, or by any unique tail of it (`name`)."""
        decl, _ = self._find(self.queries, name, "query")
        if len(args) != len(decl.params):
            raise TypeError(f"query '{name}' takes {len(decl.params)} argument(s), got {len(args)}")
        body, size = self.program.function(decl)
        frame = new_frame(Budget(self.step_limit), object, None, request, cluster, size)
        for i, value in enumerate(args):
            frame[5 + i] = value
        return body(frame)

    # ------------------------------------------------------- properties
    def properties(self, *, entry_only: bool = False) -> list[CompiledProperty]:
        """The `property` blocks, in file order, compiled on first use (rules never run
        them); with `entry_only`, only those of the modules the caller loaded by path."""
        if self._properties is None:
            self._properties = [
                _compile_property(self.program, scope, decl, self.step_limit)
                for scope in self.modules for decl in scope.module.decls if isinstance(decl, ast.PropertyDecl)
            ]
        if entry_only:
            return [p for p in self._properties if p.module in self.entry_modules]
        return list(self._properties)

    # ------------------------------------------------------ transitions
    def machine(self, name: str) -> Machine:
        return self._find(self.machines, name, "transitions")

    def fire(self, machine: str, state: str, obj: dict, event: str, *args,
             cluster: ClusterView | None = None) -> TransitionResult:
        """Apply one event: the first `on` clause for this event whose source
        states include `state` and whose guard holds decides; with none, the
        state stays and nothing happens."""
        m = self.machine(machine)
        if state not in m.states:
            raise KeyError(f"machine '{m.name}' has no state '{state}'; states: {', '.join(m.states)}")
        params = m.events.get(event)
        if params is None:
            raise KeyError(f"machine '{m.name}' has no event '{event}'")
        if len(args) != len(params):
            raise TypeError(f"event '{event}' takes {len(params)} argument(s), got {len(args)}")
        budget = Budget(self.step_limit)
        for t in m.transitions:
            if t.on.event != event or (t.sources and state not in t.sources):
                continue
            frame = new_frame(budget, obj, None, None, cluster, t.frame_size)
            frame[t.state_slot] = state
            for slot, value in zip(t.param_slots, args, strict=True):
                frame[slot] = value
            if t.guard is not None and not _require_bool(t.guard(frame), "if", t.on):
                continue
            sets: list = []
            actions: list[Action] = []
            t.actions(frame, sets, actions)
            new_obj = obj
            if sets:
                new_obj = deep_copy(obj)
                for path, value, span in sets:
                    apply_set(new_obj, path, value, span)
            target = t.on.target or state
            if t.target_slot is not None:
                target = frame[t.target_slot]
                if type(target) is not str or target not in m.states:
                    raise EvalError("invalid_argument", f"transition to {_show_state(target)}, which is not a state "
                                    f"of '{m.name}' ({', '.join(m.states)})", t.on.actions[-1].span)
            return TransitionResult(m.name, event, state, target, new_obj, actions, True, t.on.span)
        return TransitionResult(m.name, event, state, state, obj, [], False, None)


def _show_state(value: object) -> str:
    return f"'{value}'" if type(value) is str else f"a {type(value).__name__}"


def _kind_matches(rule: CompiledRule, kind: str) -> bool:
    if rule.pods and kind not in POD_PATHS:
        return False
    return rule.kinds is None or kind in rule.kinds


# ------------------------------------------------------------ rule chains


class _RuleCompiler:
    def __init__(self, program: ProgramCompiler, module: str):
        self.program = program
        self.module = module
        self.res = program.res
        self.slots = Slots()
        self.exprs = ExprCompiler(program, self.slots)

    def compile(self, decl: ast.RuleDecl) -> CompiledRule:
        self.decl = decl
        meta = {c.key: c.value for c in decl.clauses if isinstance(c, ast.Meta)}
        self.meta = meta
        kinds: set[str] | None = None
        pods = False
        namespaces: list[str] = []
        selectors = []
        operations: set[str] | None = None
        pod_slots = None
        steps: list[ast.Node] = []
        for clause in decl.clauses:
            if isinstance(clause, ast.MatchKinds):
                kinds = (kinds or set()) | set(clause.kinds)
            elif isinstance(clause, ast.MatchPods):
                pods = True
                pod_slots = (self.slots.new(id(clause)), self.slots.new(("path", id(clause))))
            elif isinstance(clause, ast.MatchNamespaces):
                namespaces.extend(clause.patterns)
            elif isinstance(clause, ast.MatchSelector):
                selectors.append(parse_selector(clause.selector))
            elif isinstance(clause, ast.MatchOperations):
                operations = (operations or set()) | set(clause.operations)
            elif not isinstance(clause, ast.Meta):
                steps.append(clause)
        self.paths: list[int] = [pod_slots[1]] if pod_slots else []
        self.bindings: list[tuple[str, int]] = []
        run = self._chain(steps, 0)
        return CompiledRule(
            decl, self.module, meta, frozenset(kinds) if kinds is not None else None, pods,
            tuple(namespaces), tuple(selectors), frozenset(operations) if operations is not None else None,
            run, pod_slots, self.slots.size,
        )

    def _chain(self, clauses: list[ast.Node], i: int) -> Step:
        if i == len(clauses):
            return lambda f, out: None
        clause = clauses[i]
        if isinstance(clause, ast.For):
            return self._for(clause, clauses, i)
        if isinstance(clause, ast.LetDecl):
            value = self.exprs.compile(clause.value)
            slot = self.slots.new(id(clause))
            pslot = None
            if id(clause) in self.res.path_binders:
                pslot = self.slots.new(("path", id(clause)))
                path = self.exprs.path_of(clause.value)
            nxt = self._chain(clauses, i + 1)
            fail = self._failure(clause)

            def let(f, out):
                try:
                    f[slot] = value(f)
                    if pslot is not None:
                        f[pslot] = path(f)
                except EvalError as err:
                    out.append(fail(f, err))
                    return
                nxt(f, out)
            return let
        if isinstance(clause, ast.When):
            cond = self.exprs.compile(clause.cond)
            nxt = self._chain(clauses, i + 1)
            fail = self._failure(clause)

            def when(f, out):
                try:
                    ok = cond(f)
                except EvalError as err:
                    out.append(fail(f, err))
                    return
                if ok is True:
                    nxt(f, out)
                elif ok is not False:
                    out.append(fail(f, _not_bool("when", ok, clause)))
            return when
        if isinstance(clause, ast.Effect):
            return self._effect(clause, self._chain(clauses, i + 1))
        if isinstance(clause, ast.Set):
            return self._set(clause, self._chain(clauses, i + 1))
        raise AssertionError(f"unexpected clause {clause}")

    def _for(self, clause: ast.For, clauses, i) -> Step:
        is_path = id(clause) in self.res.path_binders
        slot = self.slots.new(id(clause))
        slot2 = self.slots.new((id(clause), 2)) if clause.var2 else None
        pslot = self.slots.new(("path", id(clause))) if is_path else None
        if clause.var2:
            self.slots.by_binder[("path", (id(clause), 2))] = pslot
        self.bindings.append((clause.var, slot))
        if slot2 is not None:
            self.bindings.append((clause.var2, slot2))
        if pslot is not None:
            self.paths.append(pslot)
        fail = self._failure(clause)
        rng = self.exprs.compile(clause.range)
        located = self.exprs.located_items(clause.range) if is_path else None
        span = clause.range.span
        nxt = self._chain(clauses, i + 1)

        def for_(f, out):
            try:
                container = rng(f) if located is None or slot2 is not None else None
                pairs = located(f) if located is not None else _plain_items(container, span)
                f[0].spend(len(pairs), clause.span)
            except EvalError as err:
                out.append(fail(f, err))
                return
            for n, (value, path) in enumerate(pairs):
                if slot2 is None:
                    f[slot] = value
                elif container.__class__ is dict:
                    f[slot], f[slot2] = value, container[value]
                else:  # `for i, x in list`: index and element
                    f[slot], f[slot2] = n, value
                if pslot is not None:
                    f[pslot] = path
                nxt(f, out)
        return for_

    def _effect(self, clause: ast.Effect, nxt: Step) -> Step:
        cond = self.exprs.compile(clause.cond) if clause.cond is not None else None
        message = self.exprs.compile(clause.message) if clause.message is not None else None
        make = self._finding_maker(clause.effect, clause)
        fail = self._failure(clause)
        default_message = self.meta.get("title") or self.decl.name

        def effect(f, out):
            try:
                fired = cond(f) if cond is not None else True
            except EvalError as err:
                out.append(fail(f, err))
                nxt(f, out)
                return
            if fired is True:
                out.append(make(f, message(f) if message is not None else default_message))
            elif fired is not False:
                out.append(fail(f, _not_bool(clause.effect, fired, clause)))
            nxt(f, out)
        return effect

    def _set(self, clause: ast.Set, nxt: Step) -> Step:
        path = self.exprs.path_of(clause.target)
        value = self.exprs.compile(clause.value)
        cond = self.exprs.compile(clause.cond) if clause.cond is not None else None
        fail = self._failure(clause)
        span = clause.span

        def set_(f, out):
            try:
                if cond is None or _require_bool(cond(f), "set", clause):
                    out.append((path(f), value(f), span))
            except EvalError as err:
                out.append(fail(f, err))
            nxt(f, out)
        return set_

    def _finding_maker(self, effect: str, clause: ast.Node):
        rule, module, meta = self.decl, self.module, self.meta
        severity = meta.get("severity", "medium")
        title = meta.get("title")
        extra = {k: v for k, v in meta.items() if k in ("rationale", "fix")}
        bindings = list(self.bindings)
        paths = list(self.paths)
        span = clause.span

        def make(f, message: str, error: EvalError | None = None, kind: str = effect) -> Finding:
            path = f[paths[-1]] if paths else ()
            return Finding(
                rule.name, module, kind, message, severity, title, span, f[1],
                path if path is not None else (), {n: f[s] for n, s in bindings}, extra, error,
            )
        return make

    def _failure(self, clause: ast.Node):
        make = self._finding_maker("error", clause)
        name = self.decl.name

        def fail(f, err: EvalError) -> Finding:
            return make(f, f"rule '{name}' could not be evaluated: {err}", err, "error")
        return fail


def _plain_items(container: object, span) -> list[tuple[object, None]]:
    if container.__class__ is list:
        return [(x, None) for x in container]
    if container.__class__ is dict:
        return [(k, None) for k in container]
    if container is None:
        return []
    raise EvalError("no_such_overload", "'for' needs a list or map", span)


def _not_bool(where: str, value: object, clause: ast.Node) -> EvalError:
    return EvalError("no_such_overload", f"the condition of '{where}' gave {type_name(value)}, not bool",
                     clause.span)


def _require_bool(value: object, where: str, clause: ast.Node) -> bool:
    if value is True or value is False:
        return value
    raise _not_bool(where, value, clause)


def _error_finding(rule: CompiledRule, obj, path, err: EvalError) -> Finding:
    return Finding(rule.name, rule.module, "error", f"rule '{rule.name}' could not be applied: {err}",
                   rule.meta.get("severity", "medium"), rule.meta.get("title"), rule.decl.span, obj,
                   path, {}, {}, err)


# ------------------------------------------------------------ transitions


def _compile_machine(program: ProgramCompiler, module: str, decl: ast.TransitionsDecl) -> Machine:
    states: list[str] = []
    initial = None
    terminal: set[str] = set()
    events: dict[str, tuple[str, ...]] = {}
    transitions: list[CompiledTransition] = []
    for clause in decl.clauses:
        if isinstance(clause, ast.States):
            states.extend(clause.names)
        elif isinstance(clause, ast.Initial):
            initial = clause.name
        elif isinstance(clause, ast.Terminal):
            terminal.update(clause.names)
        elif isinstance(clause, ast.Event):
            events[clause.name] = clause.params
    for clause in decl.clauses:
        if isinstance(clause, ast.On):
            transitions.append(_compile_on(program, clause, len(events.get(clause.event, ()))))
    return Machine(decl.name, module, tuple(states), initial, frozenset(terminal), events,
                   transitions, decl)


def _compile_on(program: ProgramCompiler, clause: ast.On, nparams: int) -> CompiledTransition:
    slots = Slots()
    exprs = ExprCompiler(program, slots)
    state_slot = slots.new(id(clause))
    param_slots = tuple(slots.new((id(clause), i)) for i in range(nparams))
    guard = exprs.compile(clause.guard) if clause.guard is not None else None
    steps: list[Callable] = []
    target_slot = None
    for action in clause.actions:
        if isinstance(action, ast.LetDecl):
            value = exprs.compile(action.value)
            slot = slots.new(id(action))
            steps.append(_let_action(value, slot))
        elif isinstance(action, ast.Set):
            cond = exprs.compile(action.cond) if action.cond is not None else None
            steps.append(_set_action(exprs.path_of(action.target), exprs.compile(action.value), cond,
                                     action))
        elif isinstance(action, ast.Emit):
            cond = exprs.compile(action.cond) if action.cond is not None else None
            args = [exprs.compile(a) for a in action.args]
            steps.append(_emit_action(action.name, args, cond, action))
        elif isinstance(action, ast.Goto):
            target_slot = slots.new(id(action))
            steps.append(_let_action(exprs.compile(action.target), target_slot))

    def run(f, sets, actions):
        for step in steps:
            step(f, sets, actions)

    return CompiledTransition(clause, frozenset(clause.sources), guard, run, state_slot, param_slots,
                              slots.size, target_slot)


def _let_action(value, slot):
    def let(f, sets, actions):
        f[slot] = value(f)
    return let


def _set_action(path, value, cond, action: ast.Set):
    def set_(f, sets, actions):
        if cond is None or _require_bool(cond(f), "set", action):
            sets.append((path(f), value(f), action.span))
    return set_


def _emit_action(name, args, cond, action: ast.Emit):
    def emit(f, sets, actions):
        if cond is None or _require_bool(cond(f), "emit", action):
            actions.append(Action(name, tuple(a(f) for a in args)))
    return emit


# ----------------------------------------------------------- properties


def _compile_property(program: ProgramCompiler, scope, decl: ast.PropertyDecl,
                      step_limit: int) -> CompiledProperty:
    slots = Slots()
    exprs = ExprCompiler(program, slots)
    steps: list[DrawStep | AssumeStep] = []
    check = None
    for clause in decl.clauses:
        if isinstance(clause, ast.DrawClause):
            for draw in clause.draws:
                args = tuple((a.name, exprs.compile(a.value), a) for a in draw.args)
                steps.append(DrawStep(draw.var, draw.generator, args, slots.new(id(draw)), draw))
        elif isinstance(clause, ast.Assume):
            steps.append(AssumeStep(exprs.compile(clause.cond), clause))
        elif isinstance(clause, ast.Check):
            check = exprs.compile(clause.cond)
    operands = tuple((node, exprs.compile(node)) for node in check_operands(decl.check.cond))
    meta = {c.key: c.value for c in decl.clauses if isinstance(c, ast.Meta)}
    return CompiledProperty(decl, scope.name, meta, tuple(steps), check, operands, slots.size, step_limit,
                            scope, program.res)


def check_operands(node: ast.Expr) -> list[ast.Expr]:
    """The parts of a check worth showing on a counterexample: through `&&`, `||` and `!`, the
    operands of each comparison or operator (`a == b`: a and b), else the expression itself;
    literals and repeats left out."""
    found: list[ast.Expr] = []

    def visit(n: ast.Expr) -> None:
        if isinstance(n, ast.Binary) and n.op in ("&&", "||"):
            visit(n.left)
            visit(n.right)
        elif isinstance(n, ast.Unary) and n.op == "!":
            visit(n.operand)
        elif isinstance(n, ast.Binary):
            found.extend((n.left, n.right))
        elif isinstance(n, ast.Conditional):
            found.extend((n.cond, n.then, n.otherwise))
        elif isinstance(n, ast.Comprehension):
            found.append(n.range)
        else:
            found.append(n)

    visit(node)
    out: list[ast.Expr] = []
    for n in found:
        if not isinstance(n, (ast.Literal, ast.QuantityLit)) and n not in out:
            out.append(n)
    return out


# ------------------------------------------------------------- mutation


def deep_copy(value: object) -> object:
    """A copy of JSON-shaped data, much faster than copy.deepcopy."""
    t = type(value)
    if t is dict:
        return {k: deep_copy(v) for k, v in value.items()}
    if t is list:
        return [deep_copy(v) for v in value]
    return value


def apply_set(root: dict, path: tuple, value: object, span) -> object:
    """Set `path` in `root` to a copy of `value`, creating missing maps on the
    way; returns the previous value (None when absent)."""
    if not path:
        raise EvalError("invalid_argument", "cannot replace the whole object", span)
    node: object = root
    for key in path[:-1]:
        if type(node) is dict:
            child = node.get(key)
            if child is None:
                child = node[key] = {}
            node = child
        elif type(node) is list and type(key) is int and 0 <= key < len(node):
            node = node[key]
        else:
            raise _cannot_set(node, key, span)
    last = path[-1]
    if type(node) is dict:
        old = node.get(last)
        node[last] = deep_copy(value)
        return old
    if type(node) is list and type(last) is int and 0 <= last < len(node):
        old = node[last]
        node[last] = deep_copy(value)
        return old
    raise _cannot_set(node, last, span)


def _cannot_set(node: object, key: object, span) -> EvalError:
    if type(node) is list and type(key) is int:
        return EvalError("index_out_of_range", f"cannot set index {key} of a list of size {len(node)}", span)
    return EvalError("invalid_argument", f"cannot set {key!r} inside a {type_name(node)}", span)

