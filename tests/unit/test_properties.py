"""`property` blocks: grammar, printing, checking, `with_cluster`, and the runner (kuberules.prove)
with a registry of generators made here, so that these tests do not depend on kuberules.strategies."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import strategies as st

from kuberules import Engine, RuleError, ast, prove
from kuberules.cli.fmt import format_source
from kuberules.errors import EvalError
from kuberules.k8s.cluster import ClusterView
from kuberules.policy import check_operands
from kuberules.printer import format_expression
from kuberules.projection import cluster_use
from kuberules.runtime.frame import Budget
from kuberules.source import SourceFile
from kuberules.strategies import Generator, Param
from kuberules.syntax.grammar import parser
from kuberules.syntax.parse import parse_expression, parse_module

CASES = Path(__file__).parent.parent / "fmt" / "cases"


def _container(i: int):
    return st.fixed_dictionaries(
        {"name": st.just(f"c{i}"), "image": st.sampled_from(["nginx", "busybox"])},
        optional={"resources": st.fixed_dictionaries({}, optional={
            "limits": st.fixed_dictionaries({"memory": st.sampled_from(["64Mi", "1Gi"])}),
        })},
    )


def _pods(namespace: str = "default", containers: int = 3):
    @st.composite
    def pod(draw):
        n = draw(st.integers(1, containers))
        return {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": draw(st.sampled_from(["web", "db", "cache"])), "namespace": namespace},
            "spec": {"containers": [draw(_container(i)) for i in range(n)]},
        }
    return pod()


def _boom(n: int = 0):
    raise ValueError(f"cannot make {n} of them")


REGISTRY = {
    "ints": Generator("ints", (Param("low", "int"), Param("high", "int")),
                      lambda low=0, high=10**6: st.integers(low, high), "an int"),
    "pods": Generator("pods", (Param("namespace", "string"), Param("containers", "int")), _pods, "a Pod"),
    "podlists": Generator("podlists", (Param("namespace", "string"),),
                          lambda namespace="default": st.lists(_pods(namespace), max_size=4), "a list of Pods"),
    "words": Generator("words", (Param("of", "list", required=True),), lambda of: st.sampled_from(of),
                       "one of the given words"),
    "boom": Generator("boom", (Param("n", "int"),), _boom, "nothing: it fails"),
    "backwards": Generator("backwards", (), lambda: st.integers(5, 1), "nothing: it fails when drawn from"),
}


def load(text: str, registry=REGISTRY, name: str = "p.rules"):
    return Engine(generators=registry).load_string(text, name)


def properties(text: str, registry=REGISTRY):
    return load(text, registry).properties()


def run(text: str, registry=REGISTRY, **kwargs) -> prove.PropertyResult:
    (prop,) = properties(text, registry)
    kwargs.setdefault("seed", 7)
    return prove.run_property(prop, generators=registry, **kwargs)


def diagnostics(text: str, registry=REGISTRY) -> list[tuple[str, int, int, str, str | None]]:
    with pytest.raises(RuleError) as info:
        load(text, registry)
    return [(d.code, d.span.line, d.span.column, d.message, d.hint) for d in info.value.diagnostics]


# ----------------------------------------------------------------- grammar


def test_grammar_with_properties_builds_strict():
    parser.cache_clear()
    try:
        assert parser(strict=True) is not None
    finally:
        parser.cache_clear()


def test_a_property_parses_to_its_clauses():
    module = parse_module(SourceFile("p.rules", (
        'property "LimitRange defaulting is idempotent"\n'
        '  title "T"\n'
        "  for pod in pods(), ranges in limitranges(namespace: pod.metadata.namespace)\n"
        "  assume size(pod.spec.containers) > 0\n"
        "  for n in ints()\n"
        "  check n >= 0\n"
    )))
    (decl,) = module.decls
    assert isinstance(decl, ast.PropertyDecl)
    assert decl.name == "LimitRange defaulting is idempotent"
    assert decl.slug == "limitrange_defaulting_is_idempotent"
    meta, draws, assume, more, check = decl.clauses
    assert meta == ast.Meta("title", "T")
    assert [(d.var, d.generator) for d in draws.draws] == [("pod", "pods"), ("ranges", "limitranges")]
    (arg,) = draws.draws[1].args
    assert arg == ast.NamedArg("namespace", parse_expression(SourceFile("e", "pod.metadata.namespace")))
    assert (arg.span.line, arg.span.column) == (3, 44)
    assert draws.draws[1].generator_span.column == 32
    assert isinstance(assume, ast.Assume) and isinstance(more, ast.DrawClause)
    assert check == ast.Check(parse_expression(SourceFile("e", "n >= 0")))
    assert decl.check is check


def test_property_words_stay_names_outside_their_clauses():
    module = parse_module(SourceFile("p.rules", (
        "def check(property) = property.check\n"
        "let assume = object.assume\n"
        "property \"p\" for x in xs() check check(x) && assume\n"
        "let property = 1\n"
    )))
    assert [type(d).__name__ for d in module.decls] == ["DefDecl", "LetDecl", "PropertyDecl", "LetDecl"]


@pytest.mark.parametrize("text,code", [
    ('property "p"\n  check true\n', "unexpected-token"),          # no `for`
    ('property "p"\n  for x in xs()\n', "unexpected-end"),         # no `check`
    ('property "p" for x in xs() check a check b', "unexpected-token"),  # two checks
    ('property "p" for x in xs(1) check x', "unexpected-token"),   # arguments are named
    ('property p for x in xs() check x', "unexpected-token"),      # the name is a string
    ('property "p" for in in xs() check true', "reserved-word"),
])
def test_malformed_properties_are_syntax_errors(text, code):
    with pytest.raises(RuleError) as info:
        parse_module(SourceFile("p.rules", text))
    assert info.value.diagnostics[0].code == code


def test_slugs():
    assert ast.slugify("Pods -- are  fine!") == "pods_are_fine"
    assert ast.slugify("2 pods") == "_2_pods"
    assert ast.slugify("¡¿") == "property"


# ------------------------------------------------------------------ fmt


@pytest.mark.parametrize("case", sorted(CASES.glob("*.in.rules")), ids=lambda p: p.name)
def test_fmt_cases(case):
    want = case.with_name(case.name.replace(".in.rules", ".rules")).read_text()
    got = format_source(SourceFile(str(case), case.read_text()))
    assert got == want
    assert format_source(SourceFile("again", got)) == got  # idempotent
    assert parse_module(SourceFile("a", got)) == parse_module(SourceFile("b", case.read_text()))


def test_fmt_cases_exist():
    assert len(list(CASES.glob("*.in.rules"))) >= 1


def test_with_cluster_prints_and_parses_back():
    node = parse_expression(SourceFile("e", "with_cluster(xs + [x], cluster.get('Pod', 'a', 'b') != null)"))
    assert isinstance(node, ast.WithCluster)
    assert format_expression(node) == 'with_cluster(xs + [x], cluster.get("Pod", "a", "b") != null)'


# -------------------------------------------------------------- checking


def test_properties_do_not_disturb_rules_queries_and_check():
    policy = load(
        'package p\nquery q(x) = x + 1\nproperty "p" for n in ints() check q(n) > n\n'
        "rule r {\n  deny if object.kind == \"Pod\"\n}\n"
    )
    assert [r.rule_id for r in policy.rules] == ["p.r"]
    assert policy.query("q", 1) == 2
    assert len(policy.evaluate({"kind": "Pod"})) == 1
    assert [p.id for p in policy.properties()] == ["p.p"]
    assert cluster_use(policy).rules == frozenset()
    # without a registry (every command but prove) the generators are not checked, the rest is
    assert Engine().load_string('property "p" for n in nothing() check n > 0').rules == []


def test_unknown_generator():
    assert diagnostics('property "p"\n  for pod in podz()\n  check true\n') == [
        ("unknown-generator", 2, 14, "unknown generator 'podz'", "did you mean 'pods'?"),
    ]


def test_unknown_argument():
    assert diagnostics('property "p"\n  for pod in pods(namespac: "a")\n  check true\n') == [
        ("unknown-argument", 2, 19, "pods() has no argument 'namespac'; it takes namespace, containers",
         "did you mean 'namespace'?"),
    ]
    assert diagnostics('property "p" for n in podlists(x: 1) check true')[0][0] == "unknown-argument"


def test_missing_required_argument():
    assert diagnostics('property "p"\n  for w in words()\n  check true\n') == [
        ("missing-argument", 2, 7, "words() needs the argument 'of' (a list)", None),
    ]
    # null means "not given": fine for an optional argument, not for a required one
    assert diagnostics('property "p"\n  for w in words(of: null)\n  check true\n') == [
        ("type-error", 2, 22, "argument 'of' of words() must be a list, not null_type", None),
    ]


@pytest.mark.parametrize("arg,got", [("3", "int"), ('"a"', "string"), ("[1]", "list"), ("{}", "map"),
                                     ("size([])", "int")])
def test_argument_of_the_wrong_type(arg, got):
    text = f'property "p"\n  for pod in pods(namespace: {arg})\n  check true\n'
    if got == "string":
        load(text)  # right
        return
    assert diagnostics(text) == [
        ("type-error", 2, 30, f"argument 'namespace' of pods() must be a string, not {got}", None),
    ]


def test_duplicate_argument_binding_and_property():
    assert diagnostics('property "p"\n  for n in ints(low: 1, low: 2)\n  check true\n')[0][:3] == (
        "duplicate-argument", 2, 25)
    assert diagnostics('property "p"\n  for n in ints(), n in ints()\n  check true\n')[0][:3] == (
        "duplicate-binding", 2, 20)
    assert diagnostics('property "p"\n  for n in ints()\n  for n in ints()\n  check true\n')[0][:3] == (
        "duplicate-binding", 3, 7)
    found = diagnostics('property "A b" for n in ints() check true\nproperty "a-b" for n in ints() check true\n')
    assert found[0][:3] == ("duplicate-property", 2, 1)
    assert "same id (p.a_b)" in found[0][3]


def test_property_meta():
    assert diagnostics('property "p"\n  severity high\n  for n in ints()\n  check true\n')[0][:3] == (
        "misplaced-clause", 2, 3)
    assert diagnostics('property "p" title "a" title "b" for n in ints() check true')[0][0] == "duplicate-meta"
    (prop,) = properties('property "p" title "T" rationale "R" for n in ints() check true')
    assert prop.meta == {"title": "T", "rationale": "R"}


@pytest.mark.parametrize("cond,typ", [('"yes"', "string"), ("1", "int"), ("[true]", "list"), ("{}", "map"),
                                      ("size(pod.spec.containers)", "int"), ("1.5", "double")])
def test_check_and_assume_must_be_bool(cond, typ):
    assert diagnostics(f'property "p"\n  for pod in pods()\n  check {cond}\n') == [
        ("type-error", 3, 9, f"the condition of 'check' must be a bool, not {typ}", None),
    ]
    assert diagnostics(f'property "p"\n  for pod in pods()\n  assume {cond}\n  check true\n') == [
        ("type-error", 3, 10, f"the condition of 'assume' must be a bool, not {typ}", None),
    ]


def test_names_in_a_property():
    # bound names are seen after their binding only; the module's names are in scope
    found = diagnostics('property "p"\n  for n in ints(low: m), m in ints()\n  check nn > 0\n')
    assert [(c, line, col) for c, line, col, *_ in found] == [("unknown-name", 2, 22), ("unknown-name", 3, 9)]
    assert properties("def pos(x) = x >= 0\nlet lo = 3\nproperty \"p\" for n in ints(low: lo) check pos(n)")


# ----------------------------------------------------------- with_cluster


POD_A = {"kind": "Pod", "metadata": {"name": "a", "namespace": "n"}}
POD_B = {"kind": "Pod", "metadata": {"name": "b", "namespace": "n"}}


def test_with_cluster_evaluates_with_a_snapshot_of_the_list(ev):
    assert ev("with_cluster(object, cluster.get('Pod', 'n', 'a').metadata.name)", [POD_A]) == "a"
    # the snapshot holds inside only; outside, cluster is what it was
    assert ev("[with_cluster(object, size(cluster.objects('Pod'))), size(cluster.objects('Pod'))]",
              [POD_A, POD_B], cluster=ClusterView([POD_A])) == [2, 1]
    assert ev("with_cluster([], cluster.get('Pod', 'n', 'a'))", None, cluster=ClusterView([POD_A])) is None
    # nested, and through a def (the callee sees the caller's cluster)
    engine = Engine()
    policy = engine.load_string("package w\ndef count() = size(cluster.objects('Pod'))")
    expr = engine.compile_expression("with_cluster(object, [w.count(), with_cluster([], w.count()), w.count()])",
                                     policy)
    assert expr([POD_A, POD_B]) == [2, 0, 2]


def test_with_cluster_errors(ev):
    with pytest.raises(RuleError) as info:
        ev("with_cluster(1, true)")
    assert info.value.diagnostics[0].code == "type-error"
    with pytest.raises(RuleError) as info:
        ev("with_cluster([])")
    assert info.value.diagnostics[0].code == "invalid-with-cluster"
    with pytest.raises(EvalError) as err:
        ev("with_cluster(dyn(1), true)")
    assert err.value.code == "no_such_overload"
    with pytest.raises(EvalError) as err:
        ev("with_cluster([{'kind': 'Pod'}, 'x'], true)")
    assert err.value.code == "invalid_argument" and "item 1 (string) is not an object" in err.value.message


def test_with_cluster_builds_one_snapshot_per_list():
    budget = Budget()
    objects = [POD_A]
    view = budget.cluster_of(objects)
    assert budget.cluster_of(objects) is view
    assert budget.cluster_of([POD_A]) is not view  # an equal list is another value
    assert Budget().cluster_of(objects) is not view  # one decision's cache


def test_projection_keeps_whole_objects_given_to_with_cluster():
    policy = Engine().load_string(
        "rule r {\n  deny if with_cluster(cluster.objects('Pod'), size(cluster.objects('Pod')) > 1)\n}\n")
    use = cluster_use(policy)
    assert use.reads_cluster() and use.paths is None


# ----------------------------------------------------------------- runner


def test_a_passing_property_runs_every_example():
    result = run('property "p"\n  for n in ints(), m in ints(low: n)\n  check m >= n\n', examples=50)
    assert result.passed and result.examples == 50 and result.bindings is None
    assert result.id == "p.p" and result.seed == 7


def test_a_failing_property_is_shrunk_to_its_boundary():
    result = run('property "p"\n  for n in ints()\n  check n * 2 < 50\n')
    assert not result.passed
    assert result.bindings == {"n": 25}
    assert result.value is False and result.error is None
    assert result.values == [("n * 2", 50)]
    assert 1 <= result.examples <= 200


def test_a_counterexample_object_is_small():
    result = run('property "p"\n  for pod in pods()\n  check size(pod.spec.containers) < 2\n')
    pod = result.bindings["pod"]
    assert pod["spec"]["containers"] == [{"name": "c0", "image": "nginx"}, {"name": "c1", "image": "nginx"}]
    assert pod["metadata"]["name"] == "web"


def test_values_of_the_checks_operands():
    result = run('property "p"\n  for a in ints(), b in ints()\n  check !(a > 3) || a + b == 3 || b in [1, 2]\n')
    assert result.bindings == {"a": 4, "b": 0}
    assert result.values == [("a", 4), ("a + b", 4), ("b", 0), ("[1, 2]", [1, 2])]


def test_check_operands():
    def ops(text):
        return [format_expression(n) for n in check_operands(parse_expression(SourceFile("e", text)))]

    assert ops("f(a) == g(b)") == ["f(a)", "g(b)"]
    assert ops("!with_cluster(c, ok(r)) || with_cluster(c + [b], ok(r))") == [
        "with_cluster(c, ok(r))", "with_cluster(c + [b], ok(r))"]
    assert ops("x > 0 && x < 10") == ["x"]
    assert ops("p(x)") == ["p(x)"]
    assert ops("xs.all(x, x > 0)") == ["xs"]


def test_the_same_seed_gives_the_same_counterexample():
    text = 'property "p"\n  for pod in pods(), n in ints()\n  check size(pod.spec.containers) + n < 4\n'
    first, second = run(text, seed=12345), run(text, seed=12345)
    assert first.bindings == second.bindings and first.examples == second.examples
    assert not first.passed


def test_assume_discards_examples_and_generators_see_earlier_bindings():
    result = run('property "p"\n  for n in ints(high: 1000)\n  assume n % 2 == 0\n'
                 "  for m in ints(low: n, high: n + 1)\n  check n % 2 == 0 && m - n <= 1\n", examples=30)
    assert result.passed and result.examples == 30


def test_with_cluster_in_a_property():
    result = run('property "p"\n  for pods in podlists(namespace: "x")\n'
                 "  check with_cluster(pods, size(cluster.objects('Pod', 'x'))) == size(pods)\n", examples=30)
    assert result.passed
    result = run('property "p"\n  for pods in podlists(namespace: "x")\n'
                 "  check with_cluster(pods, size(cluster.objects('Pod', 'x'))) < 2\n")
    assert len(result.bindings["pods"]) == 2


def test_an_evaluation_error_fails_the_property():
    result = run('property "p"\n  for pod in pods()\n  check pod.spec.containers[1].name == "c1"\n')
    assert not result.passed and result.failed_in == "check"
    assert result.error.code == "index_out_of_range"
    assert len(result.bindings["pod"]["spec"]["containers"]) == 1
    result = run('property "p"\n  for pod in pods()\n  assume pod.spec.nothing\n  check true\n')
    assert not result.passed and result.failed_in == "assume" and result.error.code == "no_such_key"


def _property_error(text, registry=REGISTRY, loaded_with=REGISTRY) -> tuple[str, int, int, str]:
    (prop,) = properties(text, loaded_with)
    with pytest.raises(prove.PropertyError) as info:
        prove.run_property(prop, generators=registry, seed=1)
    d = info.value.diagnostics[0]
    assert info.value.property is prop
    return d.code, d.span.line, d.span.column, d.message


def test_a_check_that_is_not_a_bool_is_an_error_not_a_failure():
    assert _property_error('property "p"\n  for n in ints()\n  check dyn(n)\n') == (
        "no_such_overload", 3, 9, "the check gave int 0, not bool")
    assert _property_error('property "p"\n  for n in ints()\n  assume dyn("x")\n  check true\n') == (
        "no_such_overload", 3, 10, "the assume gave string 'x', not bool")


def test_a_generator_argument_of_the_wrong_type_at_run_time():
    assert _property_error('property "p"\n  for n in ints(), pod in pods(namespace: dyn(n))\n  check true\n') == (
        "invalid_argument", 2, 43, "argument 'namespace' of pods() must be a string, but it gave int 0")
    code, line, col, _ = _property_error('property "p"\n  for pod in pods(namespace: {"a": 1}.b)\n  check true\n')
    assert (code, line, col) == ("no_such_key", 2, 30)


def test_null_for_an_optional_argument_means_not_given():
    result = run('property "p"\n  for pod in pods(namespace: null)\n  check pod.metadata.namespace == "default"\n',
                 examples=10)
    assert result.passed


def test_generators_checked_only_at_run_time_without_a_registry_at_load():
    assert _property_error('property "p"\n  for n in nothing()\n  check true\n', loaded_with=None)[:3] == (
        "unknown-generator", 2, 12)
    assert _property_error('property "p"\n  for w in words()\n  check true\n', loaded_with=None)[:3] == (
        "missing-argument", 2, 7)
    assert _property_error('property "p"\n  for n in ints(x: 1)\n  check true\n', loaded_with=None)[:3] == (
        "unknown-argument", 2, 17)


def test_a_generator_that_fails_and_unsatisfiable_assumptions():
    assert _property_error('property "p"\n  for x in boom(n: 3)\n  check true\n') == (
        "generator-error", 2, 7, "boom(): cannot make 3 of them")
    code, line, col, message = _property_error('property "p"\n  for n in ints(), x in backwards()\n  check true\n')
    assert (code, line, col) == ("generator-error", 2, 20) and message.startswith("backwards(): ")
    assert _property_error('property "p"\n  for n in ints()\n  assume n < 0\n  check true\n')[:3] == (
        "unsatisfiable-property", 3, 3)


def test_select_by_keyword():
    props = properties('package a.b\nproperty "Pods are fine" for n in ints() check true\n'
                       'property "Pods" for n in ints() check true\nproperty "Nodes" for n in ints() check true\n')
    assert [p.name for p in prove.select(props, "pods")] == ["Pods are fine", "Pods"]
    assert [p.name for p in prove.select(props, "Pods")] == ["Pods"]  # an exact name wins
    assert [p.name for p in prove.select(props, "a.b.nodes")] == ["Nodes"]
    assert [p.name for p in prove.select(props, "b.pods_are")] == ["Pods are fine"]
    assert prove.select(props, "services") == []
    assert len(prove.select(props, None)) == 3


def test_entry_modules_are_those_loaded_by_path(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "helpers.rules").write_text(
        'package lib.helpers\ndef ok(n) = n >= 0\nproperty "lib" for n in ints() check ok(n)\n')
    main = tmp_path / "main.rules"
    main.write_text('package main\nimport lib.helpers\nproperty "main" for n in ints() check helpers.ok(n)\n')
    policy = prove.load(main, generators=REGISTRY)
    assert [p.id for p in policy.properties()] == ["main.main", "lib.helpers.lib"]
    assert [p.id for p in policy.properties(entry_only=True)] == ["main.main"]


# -------------------------------------------------------------- reporting


def test_report_of_a_failure():
    result = run('package demo\nproperty "small pods"\n  for pod in pods(), n in ints()\n'
                 "  check size(pod.spec.containers) + n < 2\n", seed=3)
    text = prove.report(result)
    lines = text.splitlines()
    assert lines[0].startswith("FAIL demo: small pods (after ")
    assert lines[1] == "property at p.rules:2:1"
    assert lines[2] == "counterexample (pod, n):"
    docs = list(yaml.safe_load_all(text[text.index("---\n"): text.index("\n...\n")]))
    assert docs == [result.bindings["pod"], result.bindings["n"]]
    assert "# pod\n" in text and "# n\n" in text
    assert "check size(pod.spec.containers) + n < 2: false" in lines
    assert "  size(pod.spec.containers) + n = 2" in lines
    assert lines[-1] == "replay: kuberules prove p.rules -k 'small pods' --seed 3"
    assert prove.report(run('property "p" for n in ints() check true', examples=5)).startswith(
        "PASS p: p (5 examples, ")


def test_counterexample_yaml_splits_lists_of_objects():
    text = prove.counterexample_yaml({"pods": [POD_A, POD_B], "none": [], "n": 3})
    assert text.startswith("---\n# pods[0]\n")
    assert "# pods[1]\n" in text and "# none: an empty list\n" in text
    assert list(yaml.safe_load_all(text)) == [POD_A, POD_B, [], 3]


def test_show_value():
    assert prove.show_value([1, "a"]) == '[1, "a"]'
    assert prove.show_value(EvalError("no_such_key", "no such key: x")) == "error: no such key: x [no_such_key]"
    long = prove.show_value({"spec": {"containers": [{"name": "x" * 40, "image": "y" * 40}]}})
    assert long.startswith("\n    spec:\n")


def test_replay_command_quotes():
    (prop,) = properties("property \"it's\" for n in ints() check true")
    result = prove.PropertyResult(prop, False, 1, 42, 0.0, max_examples=50)
    assert prove.replay_command(result) == "kuberules prove p.rules -k 'it'\"'\"'s' --seed 42 --examples 50"
