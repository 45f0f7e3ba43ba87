"""The cluster projection: which fields of cluster objects a policy can read.

The exact answers pin the analysis (a change that loses a field, or keeps a
whole object where a few fields do, fails here); the differential tests pin
its soundness: findings with projected objects equal those with whole ones.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kuberules import Engine
from kuberules.checker import Checker
from kuberules.k8s.cluster import ClusterView
from kuberules.loader import Loader
from kuberules.projection import ClusterUse, PathTree, cluster_use
from kuberules.resources import policies_dir
from kuberules.source import SourceFile

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import corpus  # noqa: E402

BASE = {"apiVersion": True, "kind": True, "metadata": {"name": True, "namespace": True, "labels": True}}
LIBRARY_RULES = {
    "library.namespaces.default_namespace",
    "library.namespaces.explicit_namespace",
    "library.networkpolicies.dead_peer",
    "library.networkpolicies.named_port",
    "library.networkpolicies.selects_no_pod",
    "library.networkpolicies_opt_in.default_deny",
    "library.rbac.binding_role_exists",
    "library.rbac.pod_creation_with_powerful_accounts",
    "library.services.selects_pods",
}


def use_of(text: str) -> ClusterUse:
    return cluster_use(Engine().load_string(text, "t.rules"))


def paths(text: str) -> dict | bool | None:
    """The kept paths beyond the always-kept ones (None: whole objects)."""
    use = use_of(text)
    if use.paths is None:
        return None
    kept = use.paths.as_dict()
    meta = {k: v for k, v in kept.pop("metadata").items() if k not in ("name", "namespace", "labels")}
    assert kept.pop("apiVersion") is True and kept.pop("kind") is True
    return {**kept, **({"metadata": meta} if meta else {})}


def rule(body: str, extra: str = "") -> str:
    return f"package t\n{extra}\nrule r {{\n  match kinds Service\n{body}\n}}\n"


# ------------------------------------------------------------ exact answers


def test_library_cluster_use():
    use = cluster_use(Engine().load(policies_dir() / "library"))
    assert use.rules == LIBRARY_RULES
    assert use.reads_cluster()
    assert use.paths.as_dict() == {
        **BASE,
        "spec": {
            "scope": True,
            "names": {"kind": True},
            "group": True,
            "template": {"metadata": {"labels": True}},
            "jobTemplate": {"spec": {"template": {"metadata": {"labels": True}}}},
            # NetworkPolicies: library.networkpolicies.named_port and
            # library.networkpolicies_opt_in.default_deny read them through the cluster
            "podSelector": True,
            "policyTypes": True,
            "ingress": True,
            "egress": True,
        },
        # library.rbac.pod_creation_with_powerful_accounts reads bindings' subjects and roleRef
        "roleRef": {"kind": True, "name": True},
        "subjects": True,
    }


def test_demo_cluster_use():
    use = cluster_use(Engine().load(policies_dir() / "demo"))
    assert use.rules == {"demo.services.service_selects_pods"}
    assert use.paths.as_dict() == {**BASE, "spec": {"template": {"metadata": {"labels": True}}}}


def test_restricted_policy_only_counts_its_rules():
    policy = Engine().load(policies_dir() / "library")
    use = cluster_use(policy.restrict(lambda r: r.rule_id == "library.services.selects_pods"))
    assert use.rules == {"library.services.selects_pods"}
    assert use.paths.as_dict() == {
        **BASE,
        "spec": {
            "template": {"metadata": {"labels": True}},
            "jobTemplate": {"spec": {"template": {"metadata": {"labels": True}}}},
        },
    }
    none = cluster_use(policy.restrict(lambda r: r.rule_id.startswith("library.security.")))
    assert none.rules == frozenset() and not none.reads_cluster()
    assert none.paths.as_dict() == BASE


def test_rules_reach_cluster_through_lets_defs_and_modules():
    text = """package t
let pods = cluster.objects("Pod")
def n() = size(pods)
def plain(o) = o.spec.x
rule via_let { deny if n() > 0 }
rule direct { deny if size(cluster.objects("Pod")) > 0 }
rule none { deny if plain(object) == 1 }
mutation m { set object.spec.n = n() }
"""
    assert use_of(text).rules == {"t.via_let", "t.direct", "t.m"}
    # size() of a list of cluster objects counts objects: it reads no field.
    assert paths(text) == {}


@pytest.mark.parametrize(("body", "expected"), [
    # fields read through a def's return value
    ('def first(k) = cluster.objects(k)[0]\n---deny if first("Pod").spec.replicas > 1',
     {"spec": {"replicas": True}}),
    # through a def parameter, a let clause, a let expression, ?: and ??
    ('def rep(o) = o.spec.replicas ?? 1\n---let ps = cluster.objects("Pod")\n'
     '  deny if ps.exists(p, (let s = p.status; s.phase ?? rep(p)) == "x")',
     {"spec": {"replicas": True}, "status": {"phase": True}}),
    ('---deny if cluster.objects("Pod").exists(p, (p.spec.a ? p.spec.b : p.spec.c) == 1)',
     {"spec": {"a": True, "b": True, "c": True}}),
    # has() reads presence only; the map keeps its shape, not its content
    ('---deny if cluster.objects("Pod").exists(p, has(p.spec.x))', {"spec": {"x": {}}}),
    # a constant string index is a field
    ('---deny if cluster.objects("Pod").exists(p, p.metadata.annotations["a"] == "b")',
     {"metadata": {"annotations": {"a": True}}}),
    # cluster.get, select, a module constant, filter, map and + keep the objects apart
    ('let all = cluster.objects("Pod")\n'
     '---deny if all.filter(p, p.a == 1).map(p, p.b).exists(b, b == 2)',
     {"a": True, "b": True}),
    ('---deny if (cluster.objects("Pod") + cluster.select("Job", "", "x=y")).exists(p, p.a == 1)',
     {"a": True}),
    ('---deny if (cluster.get("Pod", "ns", "n") ?? {}).x == 1', {"x": True}),
    # the cluster passed to a def is still the cluster
    ('def pods(c) = c.objects("Pod")\n---deny if pods(cluster).exists(p, p.a == 1)', {"a": True}),
    # dyn() is the value itself
    ('---deny if cluster.objects("Pod").exists(p, dyn(p).spec.a == 1)', {"spec": {"a": True}}),
    # type() reads a type, of a field that is read anyway
    ('---deny if cluster.objects("Pod").exists(p, type(p.spec) == map)', {"spec": {}}),
])
def test_fields_are_followed(body, expected):
    extra, _, clauses = body.rpartition("---")
    assert paths(rule("  " + clauses, extra)) == expected


@pytest.mark.parametrize(("clauses", "expected"), [
    # a field used as data keeps its whole subtree
    ('deny if cluster.objects("Pod").exists(p, size(p.spec) > 1)', {"spec": True}),
    ('deny if cluster.objects("Pod").exists(p, string(p.spec.n) == "1")', {"spec": {"n": True}}),
    ('deny if cluster.objects("Pod").exists(p, [p.spec.a] == [1])', {"spec": {"a": True}}),
    ('deny if cluster.objects("Pod").exists(p, {"k": p.spec.a} == {})', {"spec": {"a": True}}),
    ('deny if cluster.objects("Pod").exists(p, p.spec[object.kind] == 1)', {"spec": True}),
    ('deny if cluster.objects("Pod").exists(p, p.spec.c[0].name == "a")', {"spec": {"c": True}}),
    ('deny if cluster.objects("Pod").exists(p, p.spec.c.exists(c, c.name == "a"))', {"spec": {"c": True}}),
    ('deny if cluster.objects("Pod").exists(p, "a" in p.spec.m)', {"spec": {"m": True}}),
    ('warn message "{cluster.objects(\'Pod\').map(p, p.spec.a)}"', {"spec": {"a": True}}),
    ('for a in cluster.objects("Pod").map(p, p.spec.a)\n  deny', {"spec": {"a": True}}),
])
def test_subtrees_used_as_data_are_kept_whole(clauses, expected):
    assert paths(rule("  " + clauses)) == expected


@pytest.mark.parametrize("clauses", [
    'deny if cluster.objects("Pod").exists(p, p == object)',
    'deny if object in cluster.objects("Pod")',
    'deny if cluster.objects("Pod").exists(p, size(p) > 1)',
    'deny if cluster.objects("Pod").exists(p, string(p) == "")',
    'deny if cluster.objects("Pod").exists(p, [p][0].spec.a == 1)',
    'deny if cluster.objects("Pod").exists(p, p[object.kind] == 1)',
    'deny if cluster.objects("Pod").exists(p, p.keys().size() > 1)',
    'warn message "{cluster.objects(\'Pod\')}"',
    'warn message "{cluster.get(\'Pod\', \'\', \'x\')}"',
    'deny if [cluster][0].objects("Pod").exists(p, p.a == 1)',
    'deny if cluster.objects("Pod").sum() == 1',
    # findings carry the values of `for` variables
    'for p in cluster.objects("Pod")\n  deny if p.a == 1',
])
def test_whole_objects_escape(clauses):
    assert use_of(rule("  " + clauses)).paths is None


def test_whole_object_escaping_through_a_def():
    text = rule('  deny if cluster.objects("Pod").exists(p, same(p, object))', "def same(a, b) = a == b")
    assert use_of(text).paths is None


def test_recursion_gives_up():
    """The checker rejects recursion; should a cycle reach the analysis, it
    answers "whole objects" instead of looping."""
    loader = Loader([], bundled=False)
    loader.add_source(SourceFile("t.rules", """package t
def a(o) = b(o)
def b(o) = a(o.spec)
rule r { deny if cluster.objects("Pod").exists(p, a(p) == 1) }
"""))
    modules = loader.finish()
    res = Checker(modules).check()
    assert [d.code for d in res.diagnostics] == ["recursion"]
    decl = next(d for d in modules[0].module.decls if d.name == "r")
    policy = SimpleNamespace(rules=[SimpleNamespace(rule_id="t.r", decl=decl)], mutations=[], res=res)
    use = cluster_use(policy)
    assert use.rules == {"t.r"} and use.paths is None


# ---------------------------------------------------------------- project


def test_project_keeps_the_tree_and_shares_subtrees():
    tree = PathTree.build([("spec",), ("spec", "x"), ("spec", "m")], [("apiVersion",), ("spec", "w")])
    use = ClusterUse(frozenset({"t.r"}), tree)
    big = {"deep": [1, 2]}
    obj = {"apiVersion": "v1", "kind": "K", "spec": {"x": {"a": 1}, "w": big, "m": "text", "y": 2}, "status": {}}
    before = copy.deepcopy(obj)
    out = use.project(obj)
    assert out == {"apiVersion": "v1", "spec": {"x": {}, "w": big, "m": "text"}}
    assert out["spec"]["w"] is big and obj == before
    assert use.project({"spec": [1]}) == {"spec": [1]}  # not a map: kept as it is
    assert ClusterUse(frozenset(), None).project(obj) is obj


def test_always_kept_fields():
    use = use_of(rule('  deny if cluster.objects("Pod").exists(p, p.spec.a == 1)'))
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "n", "namespace": "s", "labels": {"a": "b"},
           "annotations": {"x": "y"}, "uid": "1"}, "spec": {"a": 1, "b": 2}, "status": {"phase": "Running"}}
    assert use.project(obj) == {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "n", "namespace": "s",
                                "labels": {"a": "b"}}, "spec": {"a": 1}}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["spec", "metadata", "labels", "template", "kind", "scope", "x"]), inner,
                      max_size=4),
    max_leaves=20,
)


def _subtree(small: object, big: object) -> bool:
    if type(small) is dict and type(big) is dict:
        return all(k in big and _subtree(v, big[k]) for k, v in small.items())
    return small is big


LIBRARY_USE = cluster_use(Engine().load(policies_dir() / "library"))
HAS_USE = use_of(rule('  deny if cluster.objects("Pod").exists(p, has(p.spec.template) && p.status.x == 1)'))


@given(st.dictionaries(st.sampled_from(["apiVersion", "kind", "metadata", "spec", "status"]), JSON))
def test_projections_are_subtrees(obj):
    before = copy.deepcopy(obj)
    for use in (LIBRARY_USE, HAS_USE):
        assert _subtree(use.project(obj), obj)
    assert obj == before


# ---------------------------------------------------------- differential

# Cross-object rules that read fields in every way the analysis follows.
TRICKY = """package t.tricky

def owner(o) = o.metadata.annotations["meta.example.com/owner"] ?? o.metadata.labels.team ?? "none"
def replicas(d) = d.spec.replicas ?? 1
def pods_of(c, ns) = c.objects("Pod", ns)
def ns_of(o) = o.metadata.namespace ?? ""
def image_of(o) = o.spec.template.spec.containers[0].image
def neighbour(p) = (p.spec.hostNetwork ?? false) && p.metadata.name != object.metadata.name
let deployments = cluster.objects("Deployment")

rule same_owner {
  match kinds Service
  let pods = cluster.select("Pod", ns_of(object), selector({"matchLabels": object.spec.selector ?? {}}))
  warn if pods.exists(p, owner(p) != owner(object)) message "{size(pods)} pods, owners {pods.map(p, owner(p))}"
}

rule replicas_in_namespace {
  match kinds Service
  let mine = deployments.filter(d, ns_of(d) == ns_of(object))
  warn if mine.map(d, replicas(d)).sum() > 3 message "many replicas"
}

rule twin {
  match kinds Deployment, StatefulSet
  let me = cluster.get(object.kind, ns_of(object), object.metadata.name) ?? {}
  warn if has(me.spec) && has(me.spec.strategy) message "strategy {me.spec.strategy.type ?? 'none'}"
  deny if has(me.spec) && image_of(me).endsWith(":latest") message "latest {image_of(me)}"
}

rule hosts {
  match kinds Pod
  warn if pods_of(cluster, ns_of(object)).exists(p, neighbour(p)) message "a host-network neighbour"
  warn if pods_of(cluster, "").filter(p, has(p.status)).exists(p, p.status.phase == "Failed") message "failed"
}
"""

CRDS = [
    {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
     "metadata": {"name": "widgets.example.com"},
     "spec": {"group": "example.com", "scope": "Cluster", "names": {"kind": "Widget", "plural": "widgets"},
              "versions": [{"name": "v1", "served": True, "storage": True}]}},
    {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
     "metadata": {"name": "gadgets.example.com"},
     "spec": {"group": "example.com", "scope": "Namespaced", "names": {"kind": "Gadget"}}},
    {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 1}},
    {"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}, "spec": {"size": 1}},
    {"apiVersion": "other.com/v1", "kind": "Widget", "metadata": {"name": "w2", "namespace": "default"}},
]


def _shop() -> list[dict]:
    objects = []
    for path in sorted((ROOT / "examples" / "shop").rglob("*.yaml")):
        objects.extend(o for o in yaml.safe_load_all(path.read_text()) if o is not None)
    return objects


def _findings(policy, objects, view) -> list[dict]:
    out = []
    for obj in objects:
        for f in policy.evaluate(obj, cluster=view):
            out.append({**f.to_dict(), "error": f.error.code if f.error else None})
    return out


POLICIES = {
    "library": lambda: Engine().load(policies_dir() / "library"),
    "demo": lambda: Engine().load(policies_dir() / "demo"),
    "tricky": lambda: Engine().load_string(TRICKY, "tricky.rules"),
}
CORPORA = {
    "shop": lambda: _shop() + CRDS,
    "generated": lambda: corpus.generate(400, 7) + CRDS,
}


@pytest.mark.parametrize("corpus_name", sorted(CORPORA))
@pytest.mark.parametrize("policy_name", sorted(POLICIES))
def test_projected_cluster_gives_the_same_findings(policy_name, corpus_name):
    policy = POLICIES[policy_name]()
    objects = CORPORA[corpus_name]()
    use = cluster_use(policy)
    assert use.paths is not None
    projected = [use.project(o) for o in objects]
    assert projected != objects  # the projection does drop something
    full = _findings(policy, objects, ClusterView(objects))
    assert _findings(policy, objects, ClusterView(projected)) == full
    # ... and the cross-object rules did run and fire
    assert {f["rule"] for f in full} & use.rules
