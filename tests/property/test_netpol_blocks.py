"""The `property` blocks of policies/kubernetes/networkpolicy.rules, run as tests, and their teeth.

Every property of the file holds within `kuberules prove`'s default budget (200 examples). And the
properties have teeth: a bug planted in a copy of policies/kubernetes (one exact piece of text
replaced) makes the property that guards that point fail within the same budget, from a fixed seed,
with a counterexample small enough to read (at most 2 policies and 3 pods or workloads).
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import strategies as st

from kuberules import prove
from kuberules.policy import CompiledProperty
from kuberules.resources import policies_dir
from kuberules.strategies import GENERATORS
from kuberules.strategies.registry import Generator

from .planting import plant

RULES = policies_dir() / "kubernetes" / "networkpolicy.rules"
PROPERTIES = prove.load(RULES).properties(entry_only=True)
SEED = 1  # the teeth below are found from this seed (any other finds them too, most of the time)
WORKLOAD_KINDS = {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job",
                  "CronJob"}


def run(prop: CompiledProperty, **options: object) -> prove.PropertyResult:
    """`prove.run_property` in a thread of its own. Under pytest the evaluator's deep recursion can
    oscillate across a boundary of CPython 3.11's 16 KiB frame-stack chunks, and map and unmap one
    chunk some two million times a property (more time in the kernel than in Python); a new thread
    starts its frame stack afresh."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(prove.run_property, prop, **options).result()


def named(properties: list[CompiledProperty], name: str) -> CompiledProperty:
    found = [p for p in properties if p.name == name]
    assert len(found) == 1, f"no property {name!r} in {[p.name for p in properties]}"
    return found[0]


def test_the_file_has_its_properties() -> None:
    """A guard for the parametrization below: the file's properties are those this module knows."""
    assert len(PROPERTIES) >= 12
    assert all(p.module == "kubernetes.networkpolicy" for p in PROPERTIES)
    for bug in BUGS:
        named(PROPERTIES, bug.values[2])


@pytest.mark.parametrize("prop", PROPERTIES, ids=[p.id.rsplit(".", 1)[-1] for p in PROPERTIES])
def test_the_property_holds(prop: CompiledProperty) -> None:
    result = run(prop)
    assert result.passed, prove.report(result)
    assert result.examples == prove.DEFAULT_EXAMPLES  # no assume starved it


# --- teeth ------------------------------------------------------------------------------------------
# (name, text of networkpolicy.rules, its replacement, the property that must fail)
BUGS = [
    pytest.param(
        'size(admitting) == 0 ? {"allowed": false',
        'isolating.exists(p, !admitting.exists(a, a.policy == policy_id(p))) ? {"allowed": false',
        "Policies are additive once a pod is isolated",
        id="policies-intersect-instead-of-union"),
    pytest.param(
        '!(block["except"] ?? []).exists(e, cidrContains(e, ip))', "true",
        "An ipBlock's except takes its addresses out of its cidr",
        id="ipblock-except-ignored"),
    pytest.param(
        'size(p.spec.egress ?? []) > 0 ? ["Ingress", "Egress"] : ["Ingress"]', '["Ingress"]',
        "A pod is isolated in a direction exactly by the policies that select it",
        id="default-policytypes-without-egress"),
    pytest.param(
        ')) && selector(peer.podSelector', ')) || selector(peer.podSelector',
        "A peer admits the pods that both its namespaceSelector and its podSelector select",
        id="peer-selectors-or-instead-of-and"),
    pytest.param(
        'port <= (rule_port.endPort ?? rule_port.port)', 'port <= (rule_port.endPort - 1 ?? rule_port.port)',
        "An endPort range means the ports it enumerates",
        id="endport-excluded"),
    pytest.param(
        '(p.name ?? "") == name && (p.protocol ?? "TCP") == protocol', '(p.name ?? "") == name',
        "A named port admits the port of that name and protocol on the destination",
        id="named-port-any-protocol"),
    pytest.param(
        'portsIntersect(side_ports(outs[s], keys[d], endpoints[d]), side_ports(ins[d], keys[s], endpoints[d]))',
        'side_ports(ins[d], keys[s], endpoints[d])',
        "matrix agrees with reach on every pair and port",
        id="matrix-without-egress"),
    pytest.param(
        'filter(i, ingress_admits(p, rules[i], src, dst, port, protocol)).map(i, {"policy": policy_id(p), "rule": i})',
        'filter(i, ingress_admits(p, rules[i], src, dst, port, protocol)).map(i, {"policy": policy_id(p), "rule": 0})',
        "The rules an answer names are those that admit the connection",
        id="every-admitting-rule-named-first"),
    pytest.param(
        "direction in types(p) && selects(p, pod)",
        'direction in types(p) && selects(p, pod) && size((direction == "Ingress" ? p.spec.ingress : p.spec.egress)'
        " ?? []) > 0",
        "The first policy that selects a pod isolates it, and closes the direction when it has no rules for it",
        id="policy-without-rules-does-not-isolate"),
]


def size_of(bindings: dict[str, object]) -> Counter[str]:
    """The objects of a counterexample by kind (pods and workloads counted together), and the rules
    of a lone policy."""
    kinds: Counter[str] = Counter()
    for value in bindings.values():
        for obj in value if isinstance(value, list) else [value]:
            kind = obj["kind"]
            kinds["workload" if kind in WORKLOAD_KINDS else kind] += 1
            if kind == "NetworkPolicy":
                kinds["rule"] += len(obj["spec"].get("ingress") or []) + len(obj["spec"].get("egress") or [])
    return kinds


@pytest.mark.parametrize(("text", "replacement", "name"), BUGS)
def test_a_planted_bug_is_found(tmp_path: Path, text: str, replacement: str, name: str) -> None:
    path = plant(tmp_path, "networkpolicy.rules", text, replacement)
    prop = named(prove.load(path).properties(entry_only=True), name)
    result = run(prop, seed=SEED)
    assert not result.passed, f"{name}: the planted bug went unnoticed in {result.examples} examples"
    assert result.examples <= prove.DEFAULT_EXAMPLES
    assert result.error is None, prove.report(result)
    size = size_of(result.bindings or {})
    assert size["NetworkPolicy"] <= 2 and size["workload"] <= 3 and size["rule"] <= 3, (size, prove.report(result))


# --- a counterexample kept ----------------------------------------------------------------------------
# Two equal rules: the second must be named as itself, not as the first twice. The smallest
# counterexample once found, run through the property with the cluster generator fixed to it.
TWO_EQUAL_RULES = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "alpha"}},
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "alpha", "name": "pod-0", "labels": {"app": "web"}},
     "spec": {"containers": [{"name": "app", "image": "nginx", "ports": [{"containerPort": 80}]}]},
     "status": {"podIP": "10.0.0.1"}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"namespace": "alpha", "name": "np0"},
     "spec": {"podSelector": {}, "ingress": [{}, {}]}},
]
FIXED = {**GENERATORS, "netpol_clusters": Generator(
    "netpol_clusters", GENERATORS["netpol_clusters"].params, lambda size=2: st.just(TWO_EQUAL_RULES), "one cluster")}


@pytest.mark.parametrize(("text", "replacement", "passes"), [
    pytest.param("", "", True, id="as-written"),
    pytest.param(*BUGS[7].values[:2], False, id="every-admitting-rule-named-first"),
])
def test_two_equal_rules_are_two_rules(tmp_path: Path, text: str, replacement: str, passes: bool) -> None:
    path = plant(tmp_path, "networkpolicy.rules", text, replacement) if text else RULES
    prop = named(prove.load(path).properties(entry_only=True),
                 "The rules an answer names are those that admit the connection")
    result = run(prop, examples=1, seed=SEED, generators=FIXED)
    assert result.passed == passes, prove.report(result)
