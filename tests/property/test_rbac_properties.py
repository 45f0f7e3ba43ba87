"""RBAC rules (policies/kubernetes/rbac.rules) against small Python transcriptions of upstream's code.

The invariants of RBAC (monotone both ways, deny by default, who-can and `can-i --list` agreeing with
can-i, Covers reflexive, transitive and agreeing with can-i, a RoleBinding granting only in its
namespace, aggregation) are `property` blocks at the end of rbac.rules, next to the rules they protect;
tests/property/test_rbac_blocks.py runs them and shows that each finds a planted bug. They compare the
rules with themselves and with what a binding's role plainly says.

What stays here cannot be said in the rule language without saying it the way the rules do: each test
compares a query with an independent Python copy of upstream's code (RuleAllows, appliesTo, Covers and
BreakdownRule, the RBAC authorizer's visit of the bindings, the aggregation controller), on snapshots
from tests/property/rbac_strategies.py, which aim requests at the rules and unsettle aggregated roles
as manifests do. A disagreement is a bug in the rules, never a reason to weaken a test here.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kuberules import ClusterView, Engine
from kuberules.policy import Policy
from kuberules.resources import policies_dir

from .rbac_strategies import (
    Obj,
    aimed_request,
    namespace_lists,
    request_lists,
    requests,
    rule_lists,
    rules,
    settle,
    snapshots,
    user_lists,
)

EMPTY = ClusterView([])


@pytest.fixture(scope="module")
def policy(engine: Engine) -> Policy:
    """One load for the module: the rules do not change between examples."""
    return engine.load(policies_dir() / "kubernetes")


def ask(policy: Policy, name: str, *args: Any, cluster: ClusterView = EMPTY) -> Any:
    return policy.query(f"kubernetes.rbac.{name}", *args, cluster=cluster)


def make_users(policy: Policy, args: list[tuple[str, list[str]]]) -> list[Obj]:
    """The users as `user()` completes them (implicit groups), so every property asks about the users
    the apiserver would see, not about hand-made group lists."""
    return [ask(policy, "user", name, groups) for name, groups in args]


def allowed(policy: Policy, cluster: ClusterView, user: Obj, request: Obj, query: str = "authorize") -> bool:
    return ask(policy, query, user, request, cluster=cluster)["allowed"]


def show(objects: list[Obj]) -> str:
    """A snapshot in one line per object, for failure messages that say which objects matter."""
    return "\n".join(f"  {o}" for o in objects)


# --- upstream transcriptions -----------------------------------------------------------------
def upstream_rule_allows(rule: Obj, request: Obj) -> bool:
    """rbac.RuleAllows with evaluation_helpers.go's VerbMatches, APIGroupMatches, ResourceMatches,
    ResourceNameMatches and NonResourceURLMatches."""
    verbs = rule.get("verbs") or []
    if "*" not in verbs and request["verb"] not in verbs:
        return False
    if "path" in request:
        path = request["path"]
        for url in rule.get("nonResourceURLs") or []:
            if url in ("*", path) or (url.endswith("*") and path.startswith(url.rstrip("*"))):
                return True
        return False
    groups = rule.get("apiGroups") or []
    if "*" not in groups and request.get("apiGroup", "") not in groups:
        return False
    sub = request.get("subresource") or ""
    combined = request["resource"] + ("/" + sub if sub else "")
    resources = rule.get("resources") or []
    if not any(r in ("*", combined) or (sub and len(r) == len(sub) + 2 and r == "*/" + sub) for r in resources):
        return False
    names = rule.get("resourceNames") or []
    return not names or request.get("name", "") in names


def upstream_applies(user: Obj, subject: Obj, namespace: str) -> bool:
    """rbac.appliesTo: a ServiceAccount subject without a namespace is in the binding's namespace, and
    applies to nobody when that is "" too."""
    if subject["kind"] == "User":
        return user["name"] == subject["name"]
    if subject["kind"] == "Group":
        return subject["name"] in user["groups"]
    if subject["kind"] == "ServiceAccount":
        ns = subject.get("namespace") or namespace
        return ns != "" and user["name"] == f"system:serviceaccount:{ns}:{subject['name']}"
    return False


def breakdown(rule: Obj) -> list[Obj]:
    """rbacv1helpers.BreakdownRule: one verb on one resource of one group (and one name), then one verb
    on one URL."""
    out = []
    for g in rule.get("apiGroups") or []:
        for r in rule.get("resources") or []:
            for v in rule.get("verbs") or []:
                base = {"apiGroups": [g], "resources": [r], "verbs": [v]}
                names = rule.get("resourceNames") or []
                out += [{**base, "resourceNames": [n]} for n in names] if names else [base]
    out += [{"nonResourceURLs": [u], "verbs": [v]} for u in rule.get("nonResourceURLs") or [] for v in rule["verbs"]]
    return out


def upstream_rule_covers(owner: Obj, piece: Obj) -> bool:
    """policy_comparator.go's ruleCovers, with resourceCoversAll and nonResourceURLsCoversAll."""

    def has_all(owned: list[str], wanted: list[str]) -> bool:
        return "*" in owned or all(w in owned for w in wanted)

    def resources(owned: list[str], wanted: list[str]) -> bool:
        return "*" in owned or all(w in owned or ("/" in w and "*/" + w.split("/", 1)[1] in owned) for w in wanted)

    def url(owner_url: str, path: str) -> bool:
        return owner_url == path or (owner_url.endswith("*") and path.startswith(owner_url.rstrip("*")))

    owned_names, wanted_names = owner.get("resourceNames") or [], piece.get("resourceNames") or []
    return (
        has_all(owner.get("verbs") or [], piece.get("verbs") or [])
        and has_all(owner.get("apiGroups") or [], piece.get("apiGroups") or [])
        and resources(owner.get("resources") or [], piece.get("resources") or [])
        and all(any(url(o, u) for o in owner.get("nonResourceURLs") or []) for u in piece.get("nonResourceURLs") or [])
        and (not owned_names if not wanted_names else not owned_names or all(n in owned_names for n in wanted_names))
    )


def upstream_covers(owner: list[Obj], servant: list[Obj]) -> list[Obj]:
    """validation.Covers: the servant's broken-down rules no owner rule covers, in order."""
    return [p for r in servant for p in breakdown(r) if not any(upstream_rule_covers(o, p) for o in owner)]


def upstream_rbac_allows(objects: list[Obj], user: Obj, request: Obj) -> bool:
    """rbac.RBACAuthorizer over a settled snapshot: the rules of every ClusterRoleBinding and every
    RoleBinding of the request's namespace that applies to the user (visitRulesFor); aggregated
    ClusterRoles hold what the controller wrote, which is what `settle` gives them."""
    ns = request.get("namespace") or ""
    found: dict[tuple[str, str, str], Obj] = {}
    for o in objects:
        found.setdefault((o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]), o)
    for b in objects:
        here = b["metadata"].get("namespace", "")
        if not (b["kind"] == "ClusterRoleBinding" or (b["kind"] == "RoleBinding" and ns and here == ns)):
            continue
        if not any(upstream_applies(user, s, here) for s in b.get("subjects") or []):
            continue
        ref = b["roleRef"]
        role = found.get((ref["kind"], "" if ref["kind"] == "ClusterRole" else here, ref["name"]))
        if role is not None and any(upstream_rule_allows(r, request) for r in role.get("rules") or []):
            return True
    return False


# --- scenarios ---------------------------------------------------------------------------------
@st.composite
def scenarios(draw: st.DrawFn, masters: bool = False) -> tuple[list[str], list[Obj], list, list[Obj]]:
    """(namespaces, snapshot, user arguments, requests) over one vocabulary."""
    namespaces = draw(namespace_lists())
    objects = draw(snapshots(namespaces))
    users = draw(user_lists(objects, namespaces, masters))
    return namespaces, objects, users, draw(request_lists(objects, namespaces))


# --- rules that ask for part of others, for Covers -------------------------------------------------
NARROWER_RESOURCES = {"*": ["pods", "pods/exec", "deployments/scale", "*/scale"], "*/scale": ["deployments/scale"]}
NARROWER_URLS = {"*": ["/healthz", "/api/*", "/api/v1"], "/api/*": ["/api/v1", "/api/"]}


@st.composite
def narrower(draw: st.DrawFn, rule: Obj) -> Obj:
    """A rule that asks for part of `rule`: fewer values, or a wildcard traded for what it stands for,
    or resource names added; so that "A covers B" holds often enough to test what follows from it."""

    def part(values: list[str], wider: dict[str, list[str]] | None = None) -> list[str]:
        kept = draw(st.lists(st.sampled_from(values), min_size=1, max_size=len(values), unique=True))
        out = []
        for v in kept:
            swaps = (wider or {}).get(v, []) + (["get", "list"] if v == "*" and wider is None else [])
            out.append(draw(st.sampled_from([v, *swaps])) if swaps else v)
        return sorted(set(out))

    out: Obj = {"verbs": part(rule["verbs"])}
    if "nonResourceURLs" in rule:
        out["nonResourceURLs"] = part(rule["nonResourceURLs"], NARROWER_URLS)
        return out
    out["apiGroups"] = part(rule["apiGroups"], {"*": ["", "apps"]})
    out["resources"] = part(rule["resources"], NARROWER_RESOURCES)
    names = rule.get("resourceNames") or []
    if names:
        out["resourceNames"] = part(names)
    elif draw(st.booleans()):
        out["resourceNames"] = ["web"]
    return out


@st.composite
def narrower_lists(draw: st.DrawFn, owner: list[Obj]) -> list[Obj]:
    """Narrower rules of `owner`'s, and sometimes a random one (then "covered" is usually false)."""
    out = [draw(narrower(r)) for r in owner if draw(st.booleans())]
    if not owner or draw(st.integers(0, 3)) == 0:
        out.append(draw(rules()))
    return out


# --- the rules against upstream ---------------------------------------------------------------------
@settings(max_examples=300)
@given(data=st.data())
def test_rule_allows_is_upstreams(policy: Policy, data: st.DataObject) -> None:
    """rule_allows is RuleAllows: the property blocks compare the rules with themselves, this one pins
    the matching they all share. Half the requests are aimed at the rule (its `*/scale`, its
    names, its URL prefixes), where the matching has its cases."""
    rule = data.draw(rules(), "rule")
    namespaces = ["ns-a", "ns-b"]
    request = data.draw(st.one_of(requests(namespaces), aimed_request(rule, namespaces)), "request")
    assert ask(policy, "rule_allows", rule, request) == upstream_rule_allows(rule, request)


@settings(max_examples=150)
@given(data=st.data())
def test_covers_is_upstreams(policy: Policy, data: st.DataObject) -> None:
    """covers is Covers, down to the uncovered pieces and their order: escalation prevention must
    refuse exactly what the apiserver refuses."""
    owner = data.draw(rule_lists(most=3), "owner")
    servant = data.draw(narrower_lists(owner), "servant")
    uncovered = upstream_covers(owner, servant)
    assert ask(policy, "covers", owner, servant) == {"covered": not uncovered, "uncovered": uncovered}


@settings(max_examples=100)
@given(scenario=scenarios(masters=True))
def test_rbac_authorize_is_upstreams(policy: Policy, scenario: tuple) -> None:
    """rbac_authorize decides as the RBAC authorizer does on the same settled snapshot: the
    properties above compare the rules' views with one another, this one with upstream, aggregation
    (selectors, the empty selector, a role aggregating an aggregated one) included."""
    _, objects, users, reqs = scenario
    cluster = ClusterView(objects)
    for user in make_users(policy, users):
        for request in reqs:
            expected = upstream_rbac_allows(objects, user, request)
            assert allowed(policy, cluster, user, request, "rbac_authorize") == expected, (
                f"{user} {request}\nsnapshot:\n{show(objects)}"
            )


@settings(max_examples=100)
@given(data=st.data())
def test_aggregation_of_manifests_is_the_controllers(policy: Policy, data: st.DataObject) -> None:
    """Offline snapshots are often manifests, whose aggregated ClusterRoles carry no rules yet: the
    rules must grant what the controller would write once it settled (chains and cycles of up to
    four aggregated roles, each selecting by labels, none selecting itself)."""
    namespaces = data.draw(namespace_lists())
    manifests = data.draw(snapshots(namespaces, settled=False, most_aggregated=4))
    settled = settle(manifests)
    users = make_users(policy, data.draw(user_lists(manifests, namespaces)))
    reqs = data.draw(request_lists(settled, namespaces))
    cluster = ClusterView(manifests)
    for user in users:
        for request in reqs:
            expected = upstream_rbac_allows(settled, user, request)
            assert allowed(policy, cluster, user, request, "rbac_authorize") == expected, (
                f"{user} {request}\nmanifests:\n{show(manifests)}\nsettled:\n{show(settled)}"
            )


@settings(max_examples=100)
@given(scenario=scenarios(masters=True))
def test_applies_to_is_upstreams(policy: Policy, scenario: tuple) -> None:
    """applies_to is appliesTo, for every binding of a snapshot and every user."""
    _, objects, users, _ = scenario
    for user in make_users(policy, users):
        for b in objects:
            if b["kind"] in ("RoleBinding", "ClusterRoleBinding"):
                ns = b["metadata"].get("namespace", "")
                expected = any(upstream_applies(user, s, ns) for s in b["subjects"])
                assert ask(policy, "applies_to", user, b["subjects"], ns) == expected, (user, b)
