"""Running `property` blocks with hypothesis: what `kuberules prove` does, without the CLI.

A property draws its values one `for` binding after another (each generator's arguments are
evaluated on the values drawn before it, so `limitranges(namespace: pod.metadata.namespace)`
follows the pod), discards the examples an `assume` rejects, and must make its `check` true.
Hypothesis explores, then shrinks a failure to a small counterexample; the result carries the
bindings of that counterexample and the values of the check's operands on it.

A property that cannot be run is a located `PropertyError` (a RuleError): a check or assume that
gives something else than a bool, a generator argument of the wrong type or one that fails to
evaluate, a generator that rejects its arguments, assumptions that reject every example. An
evaluation error in a check or an assume is not one: it fails the property, with its
counterexample, as a false check does.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .compiler import display
from .engine import Engine
from .errors import Diagnostic, EvalError, RuleError
from .policy import AssumeStep, CompiledProperty, DrawStep, Policy
from .runtime.frame import Budget
from .runtime.values import type_name

DEFAULT_EXAMPLES = 200
_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "int": (int,), "bool": (bool,), "list": (list,), "map": (dict,),
}


class PropertyError(RuleError):
    """A property that cannot be run (not one that fails): located diagnostics, exit 2."""

    def __init__(self, prop: CompiledProperty, diagnostics: list[Diagnostic]):
        super().__init__(diagnostics)
        self.property = prop


@dataclass
class PropertyResult:
    """What running one property found."""

    property: CompiledProperty
    passed: bool
    examples: int  # examples whose check was evaluated (up to and including the first failure)
    seed: int
    duration: float  # seconds
    max_examples: int = DEFAULT_EXAMPLES
    # of the shrunk counterexample, when the property failed:
    bindings: dict[str, object] | None = None  # variable -> value drawn, in binding order
    value: object = None  # what the check gave (False), or None when it raised `error`
    error: EvalError | None = None  # the check or an assume could not be evaluated
    failed_in: str = "check"  # "check" or "assume"
    values: list[tuple[str, object]] = field(default_factory=list)  # (operand's source, value or EvalError)
    shrinks: int = 0  # examples run while shrinking

    @property
    def name(self) -> str:
        return self.property.name

    @property
    def id(self) -> str:
        return self.property.id


def default_generators() -> Mapping:
    """kuberules.strategies.GENERATORS, imported on first use (it brings hypothesis)."""
    from .strategies import GENERATORS

    return GENERATORS


def load(*paths: str | Path, generators: Mapping | None = None, engine: Engine | None = None) -> Policy:
    """Load rule files and directories (`*.rules`, recursively) as `kuberules prove` does, the
    generators and their arguments checked against `generators` (default: the strategies')."""
    if engine is None:
        engine = Engine(generators=default_generators() if generators is None else generators)
    return engine.load(*paths)


def select(properties: Iterable[CompiledProperty], keyword: str | None) -> list[CompiledProperty]:
    """The properties `-k KEYWORD` names: those whose name or id is KEYWORD if there are any, else
    those whose name or id contains it (case-insensitive, like pytest's -k)."""
    properties = list(properties)
    if not keyword:
        return properties
    exact = [p for p in properties if keyword in (p.name, p.id)]
    if exact:
        return exact
    k = keyword.lower()
    return [p for p in properties if k in p.name.lower() or k in p.id.lower()]


class _Falsified(Exception):
    """The check was false, or the check or an assume raised: hypothesis shrinks it."""

    def __init__(self, frame: list, bindings: dict, value: object, error: EvalError | None, where: str):
        super().__init__(where)
        self.frame, self.bindings, self.value, self.error, self.where = frame, bindings, value, error, where


class _Abort(BaseException):
    """The property cannot be run: hypothesis lets a BaseException through at once, unshrunk."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def run_property(prop: CompiledProperty, *, examples: int = DEFAULT_EXAMPLES, seed: int | None = None,
                 generators: Mapping | None = None, database=None) -> PropertyResult:
    """Run one property with hypothesis: at most `examples` examples, from `seed` (a random one
    when None; the result says which, and the same seed gives the same examples and the same
    counterexample). `database`: a hypothesis example database (default: none).
    Raises PropertyError when the property cannot be run."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import assume as reject_unless
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st
    from hypothesis.errors import HypothesisException, InvalidArgument, Unsatisfiable

    registry = default_generators() if generators is None else generators
    if seed is None:
        seed = random.SystemRandom().randrange(1, 10**8)
    builders = {}
    for step in prop.steps:
        if isinstance(step, DrawStep):
            gen = registry.get(step.generator)
            if gen is None:
                raise PropertyError(prop, [Diagnostic(
                    "unknown-generator", f"unknown generator '{step.generator}'",
                    step.node.generator_span or step.node.span)])
            builders[step.var] = gen
    counts = {"examples": 0, "shrinks": 0, "failed": False}
    strategies: dict[tuple, object] = {}

    def strategy(step: DrawStep, kwargs: dict):
        gen = builders[step.var]
        key = (step.var, repr(sorted(kwargs.items())))
        found = strategies.get(key)
        if found is None:
            try:
                found = gen.build(**kwargs)
            except (TypeError, ValueError, HypothesisException) as err:
                raise _Abort(Diagnostic("generator-error", f"{gen.name}(): {err}", step.node.span)) from None
            if len(strategies) < 1024:
                strategies[key] = found
        return found

    def example(data) -> None:
        frame = prop.new_frame()
        bindings: dict[str, object] = {}
        for step in prop.steps:
            if isinstance(step, DrawStep):
                drawn_from = strategy(step, _arguments(prop, step, builders[step.var], frame))
                try:
                    value = data.draw(drawn_from, label=step.var)
                except (InvalidArgument, TypeError, ValueError) as err:  # a generator refusing its arguments
                    raise _Abort(Diagnostic("generator-error", f"{builders[step.var].name}(): {err}",
                                            step.node.span)) from None
                frame[step.slot] = bindings[step.var] = value
                continue
            try:
                ok = step.cond(frame)
            except EvalError as err:
                _failed(frame, bindings, None, err, "assume")
            if ok is False:
                reject_unless(False)
            elif ok is not True:
                raise _Abort(_not_bool("assume", ok, step.node.cond))
        try:
            ok = prop.check(frame)
        except EvalError as err:
            _failed(frame, bindings, None, err, "check")
        if ok is True:
            if not counts["failed"]:
                counts["examples"] += 1
            else:
                counts["shrinks"] += 1
            return
        if ok is not False:
            raise _Abort(_not_bool("check", ok, prop.decl.check.cond))
        _failed(frame, bindings, False, None, "check")

    def _failed(frame, bindings, value, error, where):
        if not counts["failed"]:
            counts["failed"] = True
            counts["examples"] += 1
        else:
            counts["shrinks"] += 1
        raise _Falsified(frame, bindings, value, error, where)

    # hypothesis keys its example database by the test function's code, the same for every property:
    # the property's id keeps one property's saved examples from being replayed on another.
    example._hypothesis_internal_add_digest = prop.id.encode()
    test = given(st.data())(example)
    test = settings(
        max_examples=examples, database=database, deadline=None, derandomize=False,
        verbosity=Verbosity.quiet, report_multiple_bugs=False, print_blob=False,
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
        # slow or large generated objects and selective assumes are expected here, not a mistake
        suppress_health_check=[getattr(HealthCheck, name) for name in (
            "too_slow", "filter_too_much", "data_too_large", "large_base_example") if hasattr(HealthCheck, name)],
    )(test)
    test = hypothesis_seed(seed)(test)
    result = PropertyResult(prop, True, 0, seed, 0.0, examples)
    start = time.perf_counter()
    try:
        test()
    except _Falsified as found:
        result.passed = False
        result.bindings = dict(found.bindings)
        result.value, result.error, result.failed_in = found.value, found.error, found.where
        result.values = _operand_values(prop, found.frame)
    except _Abort as err:
        raise PropertyError(prop, [err.diagnostic]) from None
    except Unsatisfiable:
        raise PropertyError(prop, [Diagnostic(
            "unsatisfiable-property",
            f"property '{prop.name}': no example satisfied its assume clauses",
            next((s.node.span for s in prop.steps if isinstance(s, AssumeStep)), prop.span),
            "loosen the assume clauses, or pass arguments to the generators so that they draw what you assume",
        )]) from None
    except HypothesisException as err:
        raise PropertyError(prop, [Diagnostic("generator-error", f"property '{prop.name}': {err}",
                                              prop.span)]) from None
    result.duration = time.perf_counter() - start
    result.examples, result.shrinks = counts["examples"], counts["shrinks"]
    return result


def _arguments(prop: CompiledProperty, step: DrawStep, gen, frame: list) -> dict:
    """A generator's keyword arguments, evaluated and checked against its declared parameters;
    null for an optional one means not given."""
    params = {p.name: p for p in gen.params}
    kwargs = {}
    for name, closure, node in step.args:
        try:
            value = closure(frame)
        except EvalError as err:
            raise _Abort(err.located(node.span).to_diagnostic()) from None
        param = params.get(name)
        if param is None:
            raise _Abort(Diagnostic("unknown-argument", f"{gen.name}() has no argument '{name}'", node.span))
        if value is None and not param.required:
            continue
        types = _PY_TYPES.get(param.type)
        if types is not None and (type(value) not in types):
            raise _Abort(EvalError(
                "invalid_argument",
                f"argument '{name}' of {gen.name}() must be a {param.type}, but it gave {type_name(value)} "
                f"{_short(value)}", node.value.span,
            ).to_diagnostic())
        kwargs[name] = value
    for param in gen.params:
        if param.required and param.name not in kwargs:
            raise _Abort(Diagnostic("missing-argument", f"{gen.name}() needs the argument '{param.name}'",
                                    step.node.span))
    return kwargs


def _not_bool(where: str, value: object, node) -> Diagnostic:
    return EvalError("no_such_overload", f"the {where} gave {type_name(value)} {_short(value)}, not bool",
                     node.span).to_diagnostic()


def _short(value: object, limit: int = 60) -> str:
    text = display(value) if type(value) is not str else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _operand_values(prop: CompiledProperty, frame: list) -> list[tuple[str, object]]:
    from .printer import format_expression

    out = []
    for node, closure in prop.operands:
        frame[0] = Budget(prop.step_limit)
        try:
            value = closure(frame)
        except EvalError as err:
            value = err
        out.append((format_expression(node), value))
    return out


# ------------------------------------------------------------------ rendering


def to_data(value: object) -> object:
    """A value as plain YAML-able data: quantities, selectors and clusters as strings."""
    t = type(value)
    if t in (str, int, bool, float) or value is None:
        return value
    if t is list:
        return [to_data(v) for v in value]
    if t is dict:
        return {(k if type(k) in (str, int, bool) else display(k)): to_data(v) for k, v in value.items()}
    return display(value)


def is_object(value: object) -> bool:
    """A Kubernetes object: a map with a string kind (and apiVersion)."""
    return type(value) is dict and type(value.get("kind")) is str


def counterexample_documents(bindings: Mapping[str, object]) -> list[tuple[str, object]]:
    """(comment, value) of each YAML document of a counterexample: an object per document, a list
    of objects as one document per object, any other value as one document."""
    docs: list[tuple[str, object]] = []
    for var, value in bindings.items():
        if type(value) is list and value and all(is_object(v) for v in value):
            docs.extend((f"{var}[{i}]", v) for i, v in enumerate(value))
        elif type(value) is list and not value:
            docs.append((f"{var}: an empty list", []))
        else:
            docs.append((var, value))
    return docs


def dump_yaml(value: object) -> str:
    import yaml

    return yaml.safe_dump(to_data(value), sort_keys=False, default_flow_style=False, allow_unicode=True,
                          width=100)


def counterexample_yaml(bindings: Mapping[str, object]) -> str:
    """The counterexample as a YAML stream: a `# variable` comment heads each document."""
    parts = []
    for comment, value in counterexample_documents(bindings):
        text = dump_yaml(value)
        if text.endswith("...\n"):  # a lone scalar's document end marker
            text = text[: -len("...\n")]
        parts.append(f"# {comment}\n{text}")
    return "---\n" + "---\n".join(parts)


def show_value(value: object, indent: str = "    ") -> str:
    """A value on one line when short, else as indented YAML on the lines below."""
    import json

    if isinstance(value, EvalError):
        return f"error: {value.message} [{value.code}]"
    data = to_data(value)
    try:
        line = json.dumps(data, sort_keys=False)
    except (TypeError, ValueError):
        line = display(value)
    if len(line) <= 80:
        return line
    return "\n" + "".join(indent + row + "\n" for row in dump_yaml(data).rstrip("\n").split("\n")).rstrip("\n")


def replay_command(result: PropertyResult) -> str:
    prop = result.property
    path = prop.span.source.name if prop.span is not None else "."
    command = f"kuberules prove {_shell_quote(path)} -k {_single_quote(prop.name)} --seed {result.seed}"
    if result.max_examples != DEFAULT_EXAMPLES:
        command += f" --examples {result.max_examples}"
    return command


def _single_quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _shell_quote(text: str) -> str:
    return text if re.fullmatch(r"[\w@%+=:,./-]+", text) else _single_quote(text)


def report(result: PropertyResult) -> str:
    """What `kuberules prove` prints for one property: a PASS line, or FAIL and the explanation."""
    prop = result.property
    seconds = f"{result.duration:.1f} s" if result.duration >= 0.1 else f"{result.duration:.2f} s"
    if result.passed:
        return f"PASS {prop.module}: {prop.name} ({_plural(result.examples, 'example')}, {seconds})\n"
    lines = [f"FAIL {prop.module}: {prop.name} (after {_plural(result.examples, 'example')}, shrunk in "
             f"{_plural(result.shrinks, 'step')}, {seconds})",
             f"property at {prop.span.location()}" if prop.span is not None else "property"]
    lines.append(f"counterexample ({', '.join(result.bindings or {}) or 'nothing drawn'}):")
    text = counterexample_yaml(result.bindings or {}) if result.bindings else ""
    lines.append(text.rstrip("\n"))
    lines.append("...")
    check_text = _expression_text(prop.decl.check.cond)
    if result.error is not None:
        where = "an assume" if result.failed_in == "assume" else "the check"
        lines.append(f"{where} could not be evaluated: {result.error}")
        if result.error.span is not None:
            lines.append(result.error.span.snippet())
    else:
        lines.append(f"check {check_text}: false")
    if result.failed_in == "check":
        for text, value in result.values:
            lines.append(f"  {text} = {show_value(value)}")
    lines.append(f"replay: {replay_command(result)}")
    return "\n".join(lines) + "\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _expression_text(node) -> str:
    from .printer import format_expression

    return format_expression(node)


# -------------------------------------------------------------------- --save


def save(result: PropertyResult, directory: str | Path) -> list[Path]:
    """Write a failed property's counterexample into `directory`; returns the files written.

    Always `SLUG.yaml`: the counterexample's Kubernetes objects as manifests (its other values
    in comments), headed by comments naming the property, its seed and the command that found
    it. When the counterexample holds an object, also a regression case for `kuberules test`:
    `SLUG.rules`, a rule on the first object that binds the property's variables to the
    counterexample's values and denies while the check is false, and `SLUG.test.yaml`, which
    expects that rule to pass on the object: it fails until the bug is fixed.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    prop = result.property
    slug = prop.decl.slug
    bindings = result.bindings or {}
    lines = [
        f"# Counterexample to the property \"{prop.name}\" ({prop.id})",
        *([f"# at {prop.span.location()}"] if prop.span is not None else []),
        f"# seed {result.seed}; found by: {replay_command(result)}",
        f"# check {_expression_text(prop.decl.check.cond)}",
    ]
    if result.error is not None:
        lines.append(f"# error: {result.error}")
    documents = []
    for comment, value in counterexample_documents(bindings):
        if is_object(value):
            documents.append(f"---\n# {comment}\n{dump_yaml(value)}")
        else:
            shown = dump_yaml(value).removesuffix("...\n").rstrip("\n").split("\n")
            lines.append(f"# {comment} (not an object):")
            lines.extend(f"#   {row}" for row in shown)
    manifest = directory / f"{slug}.yaml"
    manifest.write_text("\n".join(lines) + "\n" + "".join(documents), encoding="utf-8")
    written = [manifest]
    case = _regression_case(result, manifest.name, directory)
    for name, text in case.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


class _NotData(Exception):
    pass


def _literal(value: object):
    """A JSON-shaped value as a rule-language literal."""
    from . import ast

    t = type(value)
    if value is None:
        return ast.Literal(None, "null")
    if t is bool:
        return ast.Literal(value, "bool")
    if t is int:
        if not -(2**63) <= value < 2**63:
            raise _NotData
        return ast.Literal(value, "int")
    if t is float:
        if value != value:  # NaN has no literal
            raise _NotData
        return ast.Literal(value, "double")
    if t is str:
        return ast.Literal(value, "string")
    if t is list:
        return ast.ListLit(tuple(_literal(v) for v in value))
    if t is dict:
        if not all(type(k) is str for k in value):
            raise _NotData
        return ast.MapLit(tuple((ast.Literal(k, "string"), _literal(v)) for k, v in value.items()))
    raise _NotData


def _qualified(node, res, alias: str):
    """`node` with the names it uses of its own module (`f(x)`, `limit`) written as members of
    the module imported as `alias` (`alias.f(x)`, `alias.limit`)."""
    from dataclasses import fields

    from . import ast

    sym = res.symbols.get(id(node))
    if sym is not None and sym.kind == "const" and isinstance(node, ast.Ident):
        return ast.Select(ast.Ident(alias), node.name)
    if sym is not None and sym.kind in ("def", "query") and isinstance(node, ast.Call):
        return ast.MethodCall(ast.Ident(alias), node.function, tuple(_qualified(a, res, alias) for a in node.args))

    def rewrite(value):
        if isinstance(value, ast.Node):
            return _qualified(value, res, alias)
        if isinstance(value, tuple):
            return tuple(rewrite(v) for v in value)
        return value

    return type(node)(**{f.name: rewrite(getattr(node, f.name)) for f in fields(node) if f.name != "span"})


def _regression_case(result: PropertyResult, manifest: str, directory: Path) -> dict[str, str]:
    """`SLUG.rules` and `SLUG.test.yaml` (see `save`), or nothing when the counterexample holds no
    object or a value that has no literal."""
    import os

    import yaml

    from . import ast
    from .policytest import object_key
    from .printer import format_module

    prop = result.property
    bindings = result.bindings or {}
    objects = [v for _, v in counterexample_documents(bindings) if is_object(v)]
    if not objects or prop.span is None or prop.scope is None or prop.res is None:
        return {}
    try:  # the first object is the one the rule runs on; the other values are written in
        lets = [ast.LetDecl(var, ast.Ident("object") if value is objects[0] else _literal(value))
                for var, value in bindings.items()]
    except _NotData:
        return {}
    imports = dict(prop.scope.imports)
    alias = "subject"
    n = 1
    while alias in imports or alias in bindings:
        n += 1
        alias = f"subject{n}"
    slug = prop.decl.slug
    package = f"regression.{slug}"
    check = _qualified(prop.decl.check.cond, prop.res, alias)
    message = f"the property \"{prop.name}\" does not hold on this counterexample (seed {result.seed})"
    rule = ast.RuleDecl("rule", slug, (
        ast.Meta("title", f"Regression: {prop.name}"),
        ast.MatchKinds((objects[0]["kind"],)),
        *lets,
        ast.Effect("deny", ast.Unary("!", check), ast.Template((message,))),
    ))
    module = ast.Module(package, (
        ast.Import(prop.module, alias),
        *(ast.Import(m.name, None if m.name.rsplit(".", 1)[-1] == a else a) for a, m in imports.items()),
    ), (rule,))
    header = (f"# Regression case written by kuberules prove --save: the property \"{prop.name}\" ({prop.id})\n"
              f"# failed on these values; found by: {replay_command(result)}\n")
    rules_name, test_name = f"{slug}.rules", f"{slug}.test.yaml"
    source = Path(prop.span.source.name)
    policies = [rules_name]
    if source.is_file():
        policies.append(Path(os.path.relpath(source.resolve(), directory.resolve())).as_posix())
    spec = {
        "apiVersion": "kuberules.dev/v1",
        "kind": "PolicyTest",
        "name": f"regression: {prop.name}",
        "policies": policies,
        "resources": [manifest],
        "results": [{"rule": f"{package}.{slug}", "object": object_key(objects[0]), "result": "pass"}],
    }
    test = (f"# Regression case written by kuberules prove --save; fails while the property \"{prop.name}\"\n"
            f"# does not hold on {manifest}. Run: kuberules test {test_name}\n"
            + yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
    return {rules_name: header + format_module(module), test_name: test}
