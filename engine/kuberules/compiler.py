"""Checked AST -> Python closures.

Each expression becomes one closure `f(frame) -> value` with names resolved
to frame slots, overloads bound where the checker knew the types, and
constants folded. Nothing is looked up by name and no tree is walked while
evaluating: this is where cel-python spends its time and we do not.

Errors are raised as EvalError (never returned); only `&&`, `||`, `? :`,
the macros, `has()` and `??` catch them, as CEL's error absorption says.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from . import ast
from .builtins import FUNCTIONS, METHODS, Builtin
from .checker import CONTEXT, Resolution, Symbol
from .errors import EvalError
from .goformat import format_float
from .k8s.cluster import ClusterView
from .k8s.labels import Selector
from .k8s.quantity import Quantity
from .runtime import values as V
from .runtime.frame import HEADER, new_frame
from .source import Span

Closure = Callable[[list], object]

_PY_TYPES = {
    "string": str, "list": list, "map": dict, "int": int, "double": float, "bool": bool,
    "quantity": Quantity, "selector": Selector, "cluster": ClusterView,
}
_INT_MIN, _INT_MAX = V.INT64_MIN, V.INT64_MAX
_ABSENT = object()


def _no_key(name: object, span: Span) -> EvalError:
    return EvalError("no_such_key", f"no such key: {name}", span)


def display(value: object) -> str:
    """How a value reads inside a message."""
    t = type(value)
    if t is str:
        return value
    if t is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    if t is float:
        return format_float(value)
    if t in (list, dict):
        return json.dumps(value, default=display, sort_keys=True)
    if t is V.CelType:
        return value.name
    if t is ClusterView:
        return f"<cluster of {len(value)} objects>"
    return str(value)


class Slots:
    """Slot numbers for one frame layout (a rule, a def, an expression)."""

    def __init__(self) -> None:
        self.size = HEADER
        self.by_binder: dict[object, int] = {}

    def new(self, binder: object) -> int:
        slot = self.size
        self.size += 1
        self.by_binder[binder] = slot
        return slot


def binder_key(decl: object) -> object:
    if isinstance(decl, tuple):
        return (id(decl[0]), decl[1])
    return id(decl)


class ExprCompiler:
    """Compiles the expressions of one frame layout."""

    def __init__(self, program: ProgramCompiler, slots: Slots, res: Resolution | None = None):
        self.program = program
        # An expression compiled against a loaded policy keeps its own
        # resolution; the policy's defs compile with the policy's.
        self.res = res if res is not None else program.res
        self.slots = slots

    def compile(self, node: ast.Expr) -> Closure:
        return getattr(self, "_" + type(node).__name__)(node)

    # ------------------------------------------------------------ names
    def slot_of(self, sym: Symbol) -> int:
        return self.slots.by_binder[binder_key(sym.decl)]

    def path_slot_of(self, sym: Symbol) -> int:
        return self.slots.by_binder[("path", binder_key(sym.decl))]

    def _Ident(self, node: ast.Ident) -> Closure:
        sym = self.res.symbols[id(node)]
        return self.symbol_value(sym)

    def symbol_value(self, sym: Symbol) -> Closure:
        if sym.kind == "context":
            i = 1 + CONTEXT.index(sym.name)
            return lambda f: f[i]
        if sym.kind == "type":
            value = sym.decl
            return lambda f: value
        if sym.kind == "const":
            return self.program.constant(sym)
        slot = self.slot_of(sym)
        return lambda f: f[slot]

    # --------------------------------------------------------- literals
    def _Literal(self, node: ast.Literal) -> Closure:
        value = node.value
        return lambda f: value

    def _QuantityLit(self, node: ast.QuantityLit) -> Closure:
        value = Quantity.parse(node.text)
        return lambda f: value

    def _ListLit(self, node: ast.ListLit) -> Closure:
        items = [self.compile(i) for i in node.items]
        return lambda f: [i(f) for i in items]

    def _MapLit(self, node: ast.MapLit) -> Closure:
        entries = [(self.compile(k), self.compile(v)) for k, v in node.entries]
        span = node.span

        def map_lit(f):
            out = {}
            for k, v in entries:
                key = k(f)
                if type(key) not in (str, int, bool):
                    raise EvalError("invalid_argument", f"unsupported map key type {V.type_name(key)}", span)
                if key in out:
                    # Python cannot keep 1 and true apart as dict keys: refuse rather than merge.
                    same = next(k for k in out if k == key)
                    problem = "duplicate map key" if type(same) is type(key) else "map keys cannot mix int and bool:"
                    raise EvalError("invalid_argument", f"{problem} {display(key)}", span)
                out[key] = v(f)
            return out

        return map_lit

    def _Template(self, node: ast.Template) -> Closure:
        parts = [(p if isinstance(p, str) else self.compile(p)) for p in node.parts]

        def template(f):
            out = []
            for p in parts:
                if type(p) is str:
                    out.append(p)
                    continue
                try:
                    out.append(display(p(f)))
                except EvalError as err:
                    out.append(f"<{err.message}>")
            return "".join(out)

        return template

    # ----------------------------------------------------------- access
    def _Select(self, node: ast.Select) -> Closure:
        sym = self.res.symbols.get(id(node))
        if sym is not None:  # alias.CONSTANT
            return self.program.constant(sym)
        operand = self.compile(node.operand)
        name, span = node.field, node.span

        def select(f):
            v = operand(f)
            if v.__class__ is dict:
                try:
                    return v[name]
                except KeyError:
                    raise _no_key(name, span) from None
            if v is None:
                raise EvalError("no_such_key", f"no such key: {name} (the value is null)", span)
            raise EvalError("no_such_overload", f"cannot select field '{name}' of a {V.type_name(v)}", span)

        return select

    def _Index(self, node: ast.Index) -> Closure:
        operand = self.compile(node.operand)
        index = self.compile(node.index)
        span = node.span

        def index_(f):
            v = operand(f)
            i = index(f)
            if v.__class__ is list:
                if i.__class__ is float and i.is_integer():
                    i = int(i)
                if i.__class__ is not int:
                    raise EvalError("no_such_overload", f"a list index must be an int, not {V.type_name(i)}",
                                    span)
                if 0 <= i < len(v):
                    return v[i]
                raise EvalError("index_out_of_range", f"index {i} out of range for a list of size {len(v)}",
                                span)
            if v.__class__ is dict:
                if i.__class__ is str:
                    try:
                        return v[i]
                    except KeyError:
                        raise _no_key(i, span) from None
                for k, value in v.items():
                    if V.equal(k, i):
                        return value
                raise _no_key(display(i), span)
            if v is None:
                raise EvalError("no_such_key", f"no such key: {display(i)} (the value is null)", span)
            raise EvalError("no_such_overload", f"cannot index a {V.type_name(v)}", span)

        return index_

    def _Has(self, node: ast.Has) -> Closure:
        operand = self.compile(node.operand.operand)
        name, span = node.operand.field, node.span

        def has(f):
            v = operand(f)
            if v.__class__ is dict:
                return name in v
            raise EvalError("no_such_overload", f"has() needs a map, not a {V.type_name(v)}", span)

        return has

    # ------------------------------------------------------------ calls
    def _Call(self, node: ast.Call) -> Closure:
        sym = self.res.symbols.get(id(node))
        args = [self.compile(a) for a in node.args]
        if sym is not None:
            return self.program.call(sym, args, node.span)
        if id(node) in self.res.constants:
            value = self.res.constants[id(node)]
            return lambda f: value
        builtin = self.res.builtins.get(id(node))
        if builtin is None:
            builtin = FUNCTIONS[node.function][0]
        return _call_builtin(builtin.fn, args, node.span, builtin.name)

    def _MethodCall(self, node: ast.MethodCall) -> Closure:
        sym = self.res.symbols.get(id(node))
        args = [self.compile(a) for a in node.args]
        if sym is not None:
            return self.program.call(sym, args, node.span)
        target = self.compile(node.target)
        builtin = self.res.builtins.get(id(node))
        if builtin is not None:
            return _call_builtin(builtin.fn, [target, *args], node.span, builtin.name)
        return _dispatch_method(node.method, target, args, node.span)

    # ----------------------------------------------------- comprehension
    def _Comprehension(self, node: ast.Comprehension) -> Closure:
        rng = self.compile(node.range)
        slot = self.slots.new(id(node))
        body = self.compile(node.body)
        flt = self.compile(node.filter) if node.filter is not None else None
        span = node.span
        macro = node.macro

        def items_of(f):
            r = rng(f)
            if r.__class__ is list or r.__class__ is dict:
                f[0].spend(len(r) + 1, span)
                return list(r) if r.__class__ is dict else r
            raise EvalError("no_such_overload", f"{macro}() needs a list or map, not {V.type_name(r)}", span)

        def not_bool(v):
            return EvalError("no_such_overload",
                             f"the predicate of {macro}() gave {V.type_name(v)}, not bool", span)

        if macro == "all":
            def all_(f):
                err = None
                for x in items_of(f):
                    f[slot] = x
                    try:
                        v = body(f)
                    except EvalError as e:
                        if e.code == "step_limit":  # running out of budget always fails
                            raise
                        err = err or e
                        continue
                    if v is False:
                        return False
                    if v is not True:
                        err = err or not_bool(v)
                if err is not None:
                    raise err
                return True
            return all_

        if macro == "exists":
            def exists(f):
                err = None
                for x in items_of(f):
                    f[slot] = x
                    try:
                        v = body(f)
                    except EvalError as e:
                        if e.code == "step_limit":  # running out of budget always fails
                            raise
                        err = err or e
                        continue
                    if v is True:
                        return True
                    if v is not False:
                        err = err or not_bool(v)
                if err is not None:
                    raise err
                return False
            return exists

        if macro == "exists_one":
            def exists_one(f):
                count = 0
                for x in items_of(f):
                    f[slot] = x
                    v = body(f)
                    if v is True:
                        count += 1
                    elif v is not False:
                        raise not_bool(v)
                return count == 1
            return exists_one

        if macro == "filter":
            def filter_(f):
                out = []
                for x in items_of(f):
                    f[slot] = x
                    v = body(f)
                    if v is True:
                        out.append(x)
                    elif v is not False:
                        raise not_bool(v)
                return out
            return filter_

        def map_(f):
            out = []
            for x in items_of(f):
                f[slot] = x
                if flt is not None:
                    keep = flt(f)
                    if keep is False:
                        continue
                    if keep is not True:
                        raise not_bool(keep)
                out.append(body(f))
            return out

        return map_

    # -------------------------------------------------------- operators
    def _Unary(self, node: ast.Unary) -> Closure:
        operand = self.compile(node.operand)
        span = node.span
        if node.op == "!":
            def not_(f):
                v = operand(f)
                if v is True:
                    return False
                if v is False:
                    return True
                raise V.no_overload("!_", v).located(span)
            return not_

        def neg(f):
            try:
                return V.negate(operand(f))
            except EvalError as e:
                raise e.located(span) from None

        return neg

    def _Binary(self, node: ast.Binary) -> Closure:
        op = node.op
        if op == "??":
            return self._coalesce(node)
        left = self.compile(node.left)
        right = self.compile(node.right)
        span = node.span
        if op == "&&":
            return _and(left, right, span)
        if op == "||":
            return _or(left, right, span)
        if op == "==":
            def eq(f):
                a, b = left(f), right(f)
                if a.__class__ is b.__class__ and (a.__class__ is str or a.__class__ is int):
                    return a == b
                return V.equal(a, b)
            return eq
        if op == "!=":
            def ne(f):
                a, b = left(f), right(f)
                if a.__class__ is b.__class__ and (a.__class__ is str or a.__class__ is int):
                    return a != b
                return not V.equal(a, b)
            return ne
        if op == "in":
            def in_(f):
                item, container = left(f), right(f)
                try:
                    return V.contains(container, item)
                except EvalError as e:
                    raise e.located(span) from None
            return in_
        if op in ("<", "<=", ">", ">="):
            return _comparison(op, left, right, span)
        if op == "+":
            def add(f):
                a, b = left(f), right(f)
                if a.__class__ is int and b.__class__ is int:
                    s = a + b
                    if _INT_MIN <= s <= _INT_MAX:
                        return s
                if a.__class__ is list and b.__class__ is list:
                    f[0].spend(len(a) + len(b), span)
                elif a.__class__ is str and b.__class__ is str:
                    f[0].spend((len(a) + len(b)) // 64, span)
                try:
                    return V.add(a, b)
                except EvalError as e:
                    raise e.located(span) from None
            return add
        fn = {"-": V.subtract, "*": V.multiply, "/": V.divide, "%": V.modulo}[op]

        def arith(f):
            try:
                return fn(left(f), right(f))
            except EvalError as e:
                raise e.located(span) from None

        return arith

    def _coalesce(self, node: ast.Binary) -> Closure:
        left = self.compile_soft(node.left)
        right = self.compile(node.right)

        def coalesce(f):
            try:
                v = left(f)
            except EvalError as e:
                if e.code in EvalError.ABSENT:
                    return right(f)
                raise
            return right(f) if v is None or v is _ABSENT else v
        return coalesce

    def compile_soft(self, node: ast.Expr) -> Closure:
        """Like compile, but a missing key or a select on null gives _ABSENT
        instead of raising: `??` needs no exception on its common path."""
        if isinstance(node, ast.Select) and self.res.symbols.get(id(node)) is None:
            operand = self.compile_soft(node.operand)
            name, span = node.field, node.span

            def select(f):
                v = operand(f)
                if v.__class__ is dict:
                    return v.get(name, _ABSENT)
                if v is None or v is _ABSENT:
                    return _ABSENT
                raise EvalError("no_such_overload", f"cannot select field '{name}' of a {V.type_name(v)}", span)
            return select
        return self.compile(node)

    def _Conditional(self, node: ast.Conditional) -> Closure:
        cond, then, other = self.compile(node.cond), self.compile(node.then), self.compile(node.otherwise)
        span = node.span

        def conditional(f):
            c = cond(f)
            if c is True:
                return then(f)
            if c is False:
                return other(f)
            raise EvalError("no_such_overload", f"the condition of '? :' gave {V.type_name(c)}, not bool",
                            span)

        return conditional

    def _Let(self, node: ast.Let) -> Closure:
        value = self.compile(node.value)
        slot = self.slots.new(id(node))
        body = self.compile(node.body)

        def let(f):
            f[slot] = value(f)
            return body(f)

        return let

    def _WithCluster(self, node: ast.WithCluster) -> Closure:
        objects = self.compile(node.objects)
        body = self.compile(node.body)
        span = node.span

        def with_cluster(f):
            items = objects(f)
            if items.__class__ is not list:
                raise EvalError("no_such_overload",
                                f"with_cluster() takes a list of objects, not {V.type_name(items)}", span)
            for i, item in enumerate(items):
                if item.__class__ is not dict:
                    raise EvalError("invalid_argument",
                                    f"with_cluster(): item {i} ({V.type_name(item)}) is not an object", span)
            f[0].spend(len(items), span)
            saved = f[4]
            f[4] = f[0].cluster_of(items)
            try:
                return body(f)
            finally:
                f[4] = saved

        return with_cluster

    # ------------------------------------------------------------ paths
    def path_of(self, node: ast.Expr) -> Closure:
        """The path inside `object` that a path expression names (see
        checker.is_path); used for `set` targets and finding locations."""
        if isinstance(node, ast.Ident):
            sym = self.res.symbols[id(node)]
            if sym.kind == "context":
                return lambda f: ()
            pslot = self.path_slot_of(sym)
            return lambda f: f[pslot]
        if isinstance(node, ast.Select):
            base, name = self.path_of(node.operand), node.field
            return lambda f: (*base(f), name)
        if isinstance(node, ast.Index):
            base, idx = self.path_of(node.operand), self.compile(node.index)
            return lambda f: (*base(f), idx(f))
        raise AssertionError(f"not a path: {node}")

    def _is_place(self, node: ast.Expr) -> bool:
        while isinstance(node, (ast.Select, ast.Index)):
            node = node.operand
        sym = self.res.symbols.get(id(node))
        return sym is not None and (sym.path or (sym.kind == "context" and sym.name == "object"))

    def located_items(self, node: ast.Expr) -> Callable[[list], list[tuple[object, tuple]]]:
        """Elements of a path-valued list (or keys of a map) with their paths."""
        if isinstance(node, ast.Binary) and node.op == "+":
            left, right = self.located_items(node.left), self.located_items(node.right)
            return lambda f: left(f) + right(f)
        if isinstance(node, ast.Binary) and node.op == "??":
            left, right = self.located_items(node.left), self.located_items(node.right)

            def coalesce(f):
                try:
                    return left(f)
                except EvalError as e:
                    if e.code in EvalError.ABSENT:
                        return right(f)
                    raise
            return coalesce
        value = self.compile(node)
        path = self.path_of(node) if self._is_place(node) else (lambda f: None)
        span = node.span

        def items(f):
            v = value(f)
            if v is None:
                return []
            p = path(f)
            if v.__class__ is list:
                return [(x, None if p is None else (*p, i)) for i, x in enumerate(v)]
            if v.__class__ is dict:
                return [(k, None if p is None else (*p, k)) for k in v]
            raise EvalError("no_such_overload", f"'for' needs a list or map, not {V.type_name(v)}", span)

        return items


def _call_builtin(fn, args: list[Closure], span: Span, name: str) -> Closure:
    def fail(err: Exception) -> EvalError:
        if isinstance(err, EvalError):
            return err.located(span)
        return EvalError("invalid_argument", f"{name}(): {err}", span)

    if len(args) == 1:
        (a,) = args

        def call1(f):
            try:
                return fn(a(f))
            except (EvalError, TypeError, ValueError, ArithmeticError) as e:
                raise fail(e) from None
        return call1
    if len(args) == 2:
        a, b = args

        def call2(f):
            try:
                return fn(a(f), b(f))
            except (EvalError, TypeError, ValueError, ArithmeticError) as e:
                raise fail(e) from None
        return call2

    def call(f):
        try:
            return fn(*[a(f) for a in args])
        except (EvalError, TypeError, ValueError, ArithmeticError) as e:
            raise fail(e) from None
    return call


def _dispatch_method(name: str, target: Closure, args: list[Closure], span: Span) -> Closure:
    """A method whose receiver type was unknown statically: pick by type."""
    table: dict[type, Builtin] = {}
    for b in METHODS[name]:
        table.setdefault(_PY_TYPES[b.receiver], b)

    def method(f):
        recv = target(f)
        b = table.get(recv.__class__)
        if b is None:
            raise EvalError("no_such_overload", f"no such overload: {V.type_name(recv)}.{name}()", span)
        argv = [a(f) for a in args]
        lo, hi = b.arity
        if not lo <= len(argv) <= hi:
            raise EvalError("no_such_overload", f"{name}() takes {lo} to {hi} arguments", span)
        try:
            return b.fn(recv, *argv)
        except EvalError as e:
            raise e.located(span) from None
        except (TypeError, ValueError, ArithmeticError) as e:
            raise EvalError("invalid_argument", f"{name}(): {e}", span) from None

    return method


def _and(left: Closure, right: Closure, span: Span) -> Closure:
    """CEL's commutative `&&`: false wins over errors on either side."""

    def and_(f):
        try:
            a = left(f)
        except EvalError as e:
            if e.code == "step_limit":
                raise
            a = e
        if a is False:
            return False
        try:
            b = right(f)
        except EvalError as e:
            if a is True or e.code == "step_limit":
                raise
            b = e
        if b is False:
            return False
        if a is True and b is True:
            return True
        for v in (a, b):
            if isinstance(v, EvalError):
                raise v
        bad = a if a is not True else b
        raise EvalError("no_such_overload", f"'&&' needs bools, not {V.type_name(bad)}", span)

    return and_


def _or(left: Closure, right: Closure, span: Span) -> Closure:
    """CEL's commutative `||`: true wins over errors on either side."""

    def or_(f):
        try:
            a = left(f)
        except EvalError as e:
            if e.code == "step_limit":
                raise
            a = e
        if a is True:
            return True
        try:
            b = right(f)
        except EvalError as e:
            if a is False or e.code == "step_limit":
                raise
            b = e
        if b is True:
            return True
        if a is False and b is False:
            return False
        for v in (a, b):
            if isinstance(v, EvalError):
                raise v
        bad = a if a is not False else b
        raise EvalError("no_such_overload", f"'||' needs bools, not {V.type_name(bad)}", span)

    return or_


def _comparison(op: str, left: Closure, right: Closure, span: Span) -> Closure:
    slow = {"<": V.less, "<=": V.less_equal, ">": V.greater, ">=": V.greater_equal}[op]

    def fallback(a, b):
        try:
            return slow(a, b)
        except EvalError as e:
            raise e.located(span) from None

    if op == "<":
        def lt(f):
            a, b = left(f), right(f)
            if a.__class__ is b.__class__ and (a.__class__ is int or a.__class__ is str):
                return a < b
            return fallback(a, b)
        return lt
    if op == "<=":
        def le(f):
            a, b = left(f), right(f)
            if a.__class__ is b.__class__ and (a.__class__ is int or a.__class__ is str):
                return a <= b
            return fallback(a, b)
        return le
    if op == ">":
        def gt(f):
            a, b = left(f), right(f)
            if a.__class__ is b.__class__ and (a.__class__ is int or a.__class__ is str):
                return a > b
            return fallback(a, b)
        return gt

    def ge(f):
        a, b = left(f), right(f)
        if a.__class__ is b.__class__ and (a.__class__ is int or a.__class__ is str):
            return a >= b
        return fallback(a, b)
    return ge


class ProgramCompiler:
    """Compiles declarations on demand and shares them between callers."""

    def __init__(self, res: Resolution):
        self.res = res
        self.functions: dict[int, tuple[Closure, int]] = {}
        self.constants: dict[int, Closure] = {}

    def function(self, decl: ast.DefDecl | ast.QueryDecl) -> tuple[Closure, int]:
        """The body closure of a def or query and its frame size."""
        key = id(decl)
        if key not in self.functions:
            slots = Slots()
            for i in range(len(decl.params)):
                slots.new((key, i))
            body = ExprCompiler(self, slots).compile(decl.body)
            self.functions[key] = (body, slots.size)
        return self.functions[key]

    def call(self, sym: Symbol, args: list[Closure], span: Span) -> Closure:
        decl = sym.decl
        body = None
        pad: list = []
        n = len(args)

        def resolve():
            nonlocal body, pad
            body, size = self.function(decl)
            pad = [None] * max(0, size - HEADER - n)

        if n == 0:
            def call0(f):
                if body is None:
                    resolve()
                b = f[0]
                b.steps -= 1
                if b.steps < 0:
                    b.spend(0, span)
                return body([b, f[1], f[2], f[3], f[4], *pad])
            return call0
        if n == 1:
            (a0,) = args

            def call1(f):
                if body is None:
                    resolve()
                b = f[0]
                b.steps -= 1
                if b.steps < 0:
                    b.spend(0, span)
                return body([b, f[1], f[2], f[3], f[4], a0(f), *pad])
            return call1
        if n == 2:
            a0, a1 = args

            def call2(f):
                if body is None:
                    resolve()
                b = f[0]
                b.steps -= 1
                if b.steps < 0:
                    b.spend(0, span)
                return body([b, f[1], f[2], f[3], f[4], a0(f), a1(f), *pad])
            return call2

        def call(f):
            if body is None:
                resolve()
            f[0].spend(1, span)
            return body([*f[:HEADER], *[a(f) for a in args], *pad])

        return call

    def constant(self, sym: Symbol) -> Closure:
        """A module `let`: evaluated at each use in the caller's context, so a
        constant may read `object`; pure ones are folded once."""
        decl = sym.decl
        key = id(decl)
        if key not in self.constants:
            slots = Slots()
            body = ExprCompiler(self, slots).compile(decl.value)
            size = slots.size

            def value(f):
                frame = f[:HEADER]
                if size > HEADER:
                    frame.extend([None] * (size - HEADER))
                return body(frame)

            if _is_pure(decl.value, self.res):
                cache: list = []

                def pure(f):
                    if not cache:
                        cache.append(value(new_frame(f[0], None, None, None, None, HEADER)))
                    return cache[0]

                self.constants[key] = pure
            else:
                self.constants[key] = value
        return self.constants[key]


def _is_pure(node: ast.Expr, res: Resolution) -> bool:
    """Whether an expression reads nothing of the evaluation context."""
    for sub in node.walk():
        sym = res.symbols.get(id(sub))
        if sym is not None and sym.kind in ("context", "const", "def", "query"):
            return False
    return True
