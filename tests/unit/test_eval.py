"""Expression semantics, CEL's where CEL has the construct.

Rows are (expression, expected value) or (expression, expected error code);
the error codes are the stable ones of grammar/README.md.
"""

from __future__ import annotations

import math

import pytest

from kuberules import EvalError
from kuberules.k8s.quantity import Quantity

DATA = {
    "spec": {
        "replicas": 3,
        "containers": [
            {"name": "app", "image": "registry.example.com/app:1.2", "ports": [{"containerPort": 80}]},
            {"name": "sidecar", "image": "envoy", "resources": {"limits": {"memory": "1Gi"}}},
        ],
        "nothing": None,
    },
    "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}},
}

VALUES = [
    # literals
    ("1", 1), ("-1", -1), ("0x1F", 31), ("1.5", 1.5), (".5", 0.5), ("1e3", 1000.0), ("1E3", 1000.0),
    ("1E+2", 100.0), ("1E-2", 0.01), ("double('0x1p3')", 8.0),
    ("{1: 'a'} == {true: 'a'}", False), ("{true: 'a'}[true]", "a"),
    ("'a'", "a"), ('"a"', "a"), ("'''a'b'''", "a'b"), ('r"\\d"', "\\d"), ('"\\x41\\u00e9\\101"', "Aé" + "A"),
    ('"tab\\there"', "tab\there"), ("true", True), ("false", False), ("null", None),
    ("[1, 'a', null]", [1, "a", None]), ("{'a': 1, 'b': [2]}", {"a": 1, "b": [2]}), ("[]", []), ("{}", {}),
    ("-9223372036854775808", -(2**63)), ("9223372036854775807", 2**63 - 1),
    # arithmetic
    ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("7 / 2", 3), ("-7 / 2", -3), ("7 % 3", 1), ("-7 % 3", -1),
    ("7.0 / 2.0", 3.5), ("'a' + 'b'", "ab"), ("[1] + [2]", [1, 2]), ("1.0 / 0.0", math.inf),
    ("- -5", 5), ("2 - 3 - 4", -5), ("24 / 4 / 2", 3),
    # comparison, equality, in
    ("1 < 2", True), ("2 <= 2", True), ("'a' < 'b'", True), ("1 < 1.5", True), ("2.0 > 1", True),
    ("1 == 1.0", True), ("1 == '1'", False), ("true == 1", False), ("null == null", True),
    ("[1, 2] == [1, 2]", True), ("[1] == [1.0]", True), ("{'a': 1} == {'a': 1}", True),
    ("{'a': 1} != {'a': 2}", True), ("false < true", True),
    ("2 in [1, 2]", True), ("'x' in ['a']", False), ("'a' in {'a': 1}", True), ("1 in [true]", False),
    ("1.0 in [1]", True),
    # logic and conditional
    ("true && false", False), ("true || false", True), ("!true", False), ("!!true", True),
    ("1 < 2 ? 'y' : 'n'", "y"), ("false ? 1 : true ? 2 : 3", 2),
    # absent fields and error absorption
    ("has(object.spec.replicas)", True), ("has(object.spec.missing)", False),
    ("has(object.spec.nothing)", True),
    ("object.spec.missing == 1 || true", True), ("true || object.spec.missing == 1", True),
    ("object.spec.missing == 1 && false", False), ("false && object.spec.missing", False),
    ("object.spec.missing ?? 7", 7), ("object.spec.nothing ?? 7", 7), ("object.spec.replicas ?? 7", 3),
    ("object.no.such.path ?? 'd'", "d"), ("object.spec.containers[5] ?? 'd'", "d"),
    ("object.spec.replicas ?? 1 <= 5", True), ("object.x ?? object.y ?? 3", 3),
    ("object.spec.containers.exists(c, c.resources.limits.memory == '1Gi')", True),
    ("object.spec.containers.all(c, c.resources.limits.memory == '2Gi')", False),
    # macros
    ("[1, 2, 3].all(x, x > 0)", True), ("[1, 2, 3].exists(x, x > 2)", True),
    ("[1, 2, 3].exists_one(x, x > 1)", False), ("[1, 2, 3].filter(x, x % 2 == 1)", [1, 3]),
    ("[1, 2, 3].map(x, x * 2)", [2, 4, 6]), ("[1, 2, 3].map(x, x > 1, x * 10)", [20, 30]),
    ("{'a': 1, 'b': 2}.all(k, k in ['a', 'b'])", True), ("[].all(x, x)", True), ("[].exists(x, x)", False),
    ("[[1, 2], [3]].map(l, l.map(x, x + 1))", [[2, 3], [4]]),
    ("object.spec.containers.map(c, c.name)", ["app", "sidecar"]),
    ("object.spec.containers.all(c, c.image.startsWith('registry.example.com/'))", False),
    # let and field access
    ("let x = 2; x * x", 4), ("let x = 1; let y = x + 1; [x, y]", [1, 2]),
    ("object.metadata.labels['app']", "web"), ("object.spec.containers[0].ports[0].containerPort", 80),
    ("{'a': {'b': 1}}.a.b", 1), ("[1, 2][1]", 2),
    # strings
    ("size('héllo')", 5), ("'hello'.size()", 5), ("size([1, 2])", 2), ("size({'a': 1})", 1),
    ("'abc'.startsWith('ab')", True), ("'abc'.endsWith('bc')", True), ("'abc'.contains('b')", True),
    ("'abc'.matches('^a.c$')", True), ("'abc'.matches('b')", True), ("matches('abc', 'z')", False),
    ("'ABc'.lowerAscii()", "abc"), ("'abc'.upperAscii()", "ABC"), ("'a,b,c'.split(',')", ["a", "b", "c"]),
    ("'a,b,c'.split(',', 2)", ["a", "b,c"]), ("['a', 'b'].join('-')", "a-b"), ("['a', 'b'].join()", "ab"),
    ("'  x '.trim()", "x"), ("'aXbX'.replace('X', '_')", "a_b_"), ("'hello'.indexOf('l')", 2),
    ("'hello'.substring(1, 3)", "el"), ("'hello'.charAt(1)", "e"),
    # conversions and types
    ("int('42')", 42), ("int(3.9)", 3), ("int(-3.9)", -3), ("double(2)", 2.0), ("double('1.5')", 1.5),
    ("string(12)", "12"), ("string(1.5)", "1.5"), ("string(1.0)", "1"), ("string(1e6)", "1e+06"),
    ("string(true)", "true"), ("bool('true')", True), ("type(1) == int", True), ("type('a') == string", True),
    ("type([]) == list", True), ("type(null) == null_type", True), ("type(1) == type(2)", True),
    ("type(type(1)) == type", True), ("dyn(1)", 1),
    # lists library
    ("[3, 1, 2].min()", 1), ("[3, 1, 2].max()", 3), ("[1, 2, 3].sum()", 6), ("[1, 2, 2].isSorted()", True),
    ("[1, 2, 3].indexOf(2)", 1), ("[1, 2, 1].lastIndexOf(1)", 2), ("[1].lastIndexOf(5)", -1),
    ("{'a': 1}.keys()", ["a"]),
    ("{'a': 1, 'b': 2}.merge({'b': 3, 'c': 4})", {"a": 1, "b": 3, "c": 4}), ("[{'a': 1}, {'a': 2}].merge()", {"a": 2}),
    ("['x', 'yy'].map(n, {n: size(n)}).merge()", {"x": 1, "yy": 2}), ("[].merge()", {}),
    ("[[1], [2, 3], 4, []].flatten()", [1, 2, 3, 4]), ("range(3)", [0, 1, 2]), ("range(-1)", []),
    ("[[[1]]].flatten()", [[1]]),
    ("cidrContains('10.0.0.0/8', '10.1.2.3')", True), ("cidrContains('10.0.0.0/8', '11.0.0.1')", False),
    ("cidrContains('10.0.0.0/8', 'fd00::1')", False), ("isCIDR('fd00::/8')", True), ("isIP('1.2.3')", False),
    ("[3, 1, 2].sort()", [1, 2, 3]), ("['b', 'a'].sort()", ["a", "b"]), ("[1, 2, 1, 3, 2].distinct()", [1, 2, 3]),
    ("'%s is %d, ratio %f, %.2f%%'.format(['cpu', 2, 2.5, 1.0 / 3.0])", "cpu is 2, ratio 2.500000, 0.33%"),
    # quantities
    ("500m < 1", True), ("1Gi > 1000Mi", True), ("quantity('1Gi') > 1000Mi", True), ("1.5Gi == 1536Mi", True),
    ("quantity(2) == 2", True), ("quantity('1.5') == 1500m", True), ("2Gi + 512Mi == 2560Mi", True),
    ("quantity('1k').isGreaterThan(quantity('999'))", True), ("quantity('1').isLessThan(2)", True),
    ("quantity('1Mi').compareTo(quantity('1M'))", 1), ("quantity('1500m').isInteger()", False),
    ("quantity('2k').asInteger()", 2000), ("quantity('-5').sign()", -1),
    ("quantity('1.5').asApproximateFloat()", 1.5),
    ("quantity('1Gi').add(quantity('1Gi')) == 2Gi", True), ("quantity('1Gi').sub(512Mi) == 512Mi", True),
    ("isQuantity('1Gi')", True), ("isQuantity('1 Gi')", False), ("100m * 3 == 300m", True),
    ("string(quantity('1.5Gi'))", "1536Mi"),
    # selectors
    ("selector('app=web').matches(object.metadata.labels)", True),
    ("selector('app=web,tier!=front').matches(object.metadata.labels)", False),
    ("selector({'matchLabels': {'app': 'web'}}).matches(object.metadata.labels)", True),
    ("selector({}).matches({'any': 'x'})", True), ("selector(null).matches({})", False),
    ("selector('!legacy').matches({})", True), ("selector('tier notin (db)').matches({})", True),
    ("selector('tier!=db').matches({})", True), ("selector('tier').matches({})", False),
    ("selector('tier in (db)').matches({})", False),
    ("string(selector('b in (y, x),a'))", "a,b in (x,y)"),
    # names
    ("isDNS1123Label('web-1')", True), ("isDNS1123Label('Web_1')", False),
    ("isDNS1123Subdomain('a.b-c')", True), ("isQualifiedName('app.kubernetes.io/name')", True),
    ("isQualifiedName('-bad')", False), ("isLabelValue('')", True),
    ("nameErrors('dns1123-label', 'ok')", []),
    ("size(nameErrors('dns1123-label', 'x'.lowerAscii() + '_'))", 1),
]


@pytest.mark.parametrize("text,expected", VALUES, ids=[v[0] for v in VALUES])
def test_value(ev, text, expected):
    got = ev(text, DATA)
    assert got == expected
    if not isinstance(expected, Quantity):
        assert type(got) is type(expected)


ERRORS = [
    ("object.spec.missing", "no_such_key"),
    ("object.spec.nothing.x", "no_such_key"),
    ("object.spec.containers[9]", "index_out_of_range"),
    ("object.spec.containers[-1]", "index_out_of_range"),
    ("object.metadata.labels['nope']", "no_such_key"),
    ("object.spec.missing == 1 || false", "no_such_key"),
    ("false || object.spec.missing == 1", "no_such_key"),
    ("true && object.spec.missing", "no_such_key"),
    ("object.spec.containers.all(c, c.resources.limits.memory == '1Gi')", "no_such_key"),
    ("object.spec.containers.exists(c, c.resources.limits.memory == '2Gi')", "no_such_key"),
    ("1 / 0", "division_by_zero"),
    ("1 % 0", "modulus_by_zero"),
    ("9223372036854775807 + 1", "overflow"),
    ("-9223372036854775808 - 1", "overflow"),
    ("-9223372036854775808 / -1", "overflow"),
    ("object.spec.replicas + 'x'", "no_such_overload"),
    ("object.spec.replicas + 1.5", "no_such_overload"),
    ("object.spec.replicas && true", "no_such_overload"),
    ("object.spec.replicas ? 1 : 2", "no_such_overload"),
    ("object.spec.replicas < 'a'", "no_such_overload"),
    ("object.spec.replicas.size()", "no_such_overload"),
    ("object.spec.replicas.x", "no_such_overload"),
    ("(1 / 0) ?? 2", "division_by_zero"),
    ("has(object.spec.replicas.x)", "no_such_overload"),
    ("int('x')", "invalid_argument"),
    ("[1, 'a'].sort()", "no_such_overload"), ("range(1000000)", "invalid_argument"),
    ("cidrContains('10.0.0.0', '10.0.0.1')", "invalid_argument"),
    ("cidrContains('10.0.0.0/8', 'x')", "invalid_argument"), ("'%d'.format(['x'])", "invalid_argument"),
    ("'%s %s'.format(['x'])", "invalid_argument"), ("'%s'.format(['x', 'y'])", "invalid_argument"),
    ("[{1: 'a'}, {true: 'b'}].merge()", "invalid_argument"), ("[{'a': 1}, 2].merge()", "no_such_overload"),
    ("int(1e300)", "overflow"),
    ("'abc'.matches('(')", "invalid_argument"),
    ("'abc'.substring(2, 1)", "index_out_of_range"),
    ("quantity(object.metadata.name + '1.5.5')", "invalid_argument"),
    ("quantity('1.5').asInteger()", "invalid_argument"),
    ("selector(object.metadata.name + ' in (')", "invalid_argument"),
    ("[1, 2].exists_one(x, object.spec.missing)", "no_such_key"),
    ("{'a': 1, 'a': 2}", "invalid_argument"),
    ("[].min()", "invalid_argument"),
    ("nameErrors('dns', 'x')", "invalid_argument"),
    ("let m = -9223372036854775807 - 1; m % -1", "overflow"),
    ("{1: 'a', true: 'b'}", "invalid_argument"),
    ("dyn(1).startsWith('a')", "no_such_overload"),
    ("dyn(['ab']).contains('ab')", "no_such_overload"),
    ("double(' 1.5 ')", "invalid_argument"),
    ("double('1e400')", "overflow"),
]


@pytest.mark.parametrize("text,code", ERRORS, ids=[e[0] for e in ERRORS])
def test_error(ev, text, code):
    with pytest.raises(EvalError) as info:
        ev(text, DATA)
    assert info.value.code == code
    assert info.value.span is not None


def test_nan_is_unordered(ev):
    assert ev("0.0 / 0.0 < 1.0") is False
    assert ev("0.0 / 0.0 == 0.0 / 0.0") is False


def test_context_variables(engine):
    expr = engine.compile_expression("[object.a, oldObject.a, request.operation]")
    assert expr({"a": 1}, old_object={"a": 0}, request={"operation": "UPDATE"}) == [1, 0, "UPDATE"]


def test_cluster_queries(engine):
    from kuberules import ClusterView

    cluster = ClusterView([
        {"kind": "Pod", "metadata": {"name": "a", "namespace": "ns", "labels": {"app": "x"}}},
        {"kind": "Pod", "metadata": {"name": "b", "namespace": "ns", "labels": {"app": "y"}}},
        {"kind": "Namespace", "metadata": {"name": "ns"}},
    ])
    run = lambda text: engine.compile_expression(text)(None, cluster=cluster)  # noqa: E731
    assert run("size(cluster.objects('Pod'))") == 2
    assert run("cluster.objects('Pod', 'other')") == []
    assert run("cluster.get('Namespace', '', 'ns').metadata.name") == "ns"
    assert run("cluster.get('Pod', 'ns', 'zz')") is None
    assert run("cluster.select('Pod', 'ns', 'app=y').map(p, p.metadata.name)") == ["b"]


def test_step_limit_stops_runaway_work():
    from kuberules import Engine

    small = Engine(step_limit=1_000)
    expr = small.compile_expression("[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, "
                                    "[1,2,3,4,5,6,7,8,9,10].all(c, a + b + c > 0)))")
    with pytest.raises(EvalError) as info:
        expr(None)
    assert info.value.code == "step_limit"


def test_running_out_of_budget_is_never_absorbed():
    from kuberules import Engine

    small = Engine(step_limit=50)
    for text in ("[1,2,3,4,5,6,7,8,9,10].map(a, [1,2,3,4,5,6,7,8,9,10].map(b, b)).size() > 0 && false",
                 "[1,2,3,4,5,6,7,8,9,10].exists(a, [1,2,3,4,5,6,7,8,9,10].all(b, b > 0) && a == 10)"):
        with pytest.raises(EvalError) as info:
            small.compile_expression(text)(None)
        assert info.value.code == "step_limit"


def test_ordering_errors_name_the_operator(ev):
    with pytest.raises(EvalError) as info:
        ev("dyn(500m) > 'a'")
    assert "_>_(quantity, string)" in info.value.message


def test_list_doubling_is_bounded():
    from kuberules import Engine

    text = "let a = [1, 2, 3, 4]; " + "".join(f"let a{i} = a{i - 1 if i else ''} + a{i - 1 if i else ''}; "
                                                for i in range(40)) + "size(a39)"
    with pytest.raises(EvalError) as info:
        Engine().compile_expression(text)(None)
    assert info.value.code == "step_limit"
