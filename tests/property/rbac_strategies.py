"""Hypothesis strategies for small, consistent RBAC snapshots, the users who ask and what they ask.

Every value comes from a small vocabulary (five verbs, three API groups, seven
resources, two resource names, three URLs, three namespaces), so that
generated rules, bindings and requests collide often: a property about who
may do what says nothing when no rule ever matches a request.

"Consistent" means a snapshot as `kubectl get -o yaml` would show a settled
cluster: names are unique per kind and namespace, RoleBindings refer to
Roles of their own namespace, ClusterRoleBindings to ClusterRoles, service
account subjects of ClusterRoleBindings name their namespace (API validation
requires it), and the rules of every aggregated ClusterRole are the ones the
aggregation controller would have written (`settle`). Role references to
missing roles are kept on purpose: upstream grants nothing through them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from kuberules.strategies import rbac as strategies_rbac

Obj = dict[str, Any]

API_VERSION = "rbac.authorization.k8s.io/v1"
RBAC_GROUP = "rbac.authorization.k8s.io"

ALL_NAMESPACES = ("ns-a", "ns-b", "ns-c")
VERBS = ("get", "list", "create", "delete", "*")
API_GROUPS = ("", "apps", "*")
RESOURCES = ("pods", "pods/exec", "secrets", "deployments", "deployments/scale", "*", "*/scale")
RESOURCE_NAMES = ("web", "db")
URLS = ("/healthz", "/api/*", "*")

# Requests: the concrete resources and subresources the rule vocabulary talks about, plus kubectl's
# `can-i '*' '*'`, and paths on both sides of each URL pattern.
REQUEST_VERBS = (*VERBS, "watch")
REQUEST_RESOURCES = {"": ("pods", "secrets", "*"), "apps": ("deployments", "*"), "batch": ("jobs",), "*": ("*",)}
SUBRESOURCES = ("", "", "exec", "scale", "status")
REQUEST_NAMES = ("", "", *RESOURCE_NAMES, "other")
PATHS = ("/healthz", "/healthz/ready", "/api", "/api/", "/api/v1", "/apis", "/metrics")

AGGREGATE_KEY = "rbac.example.com/aggregate-to"
AGGREGATE_VALUES = ("view", "edit")

USER_NAMES = ("alice", "bob", "carol")
GROUP_NAMES = ("dev", "ops")
# Groups that bindings name and that user() adds on its own.
IMPLICIT_GROUPS = ("system:authenticated", "system:unauthenticated", "system:serviceaccounts")
SERVICE_ACCOUNTS = ("builder", "default")
MISSING_ROLE = "missing"


def metadata(name: str, namespace: str | None = None, labels: Mapping[str, str] | None = None) -> Obj:
    meta: Obj = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = dict(labels)
    return meta


# --- rules ----------------------------------------------------------------------------
def _some(values: tuple[str, ...], most: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), min_size=1, max_size=most, unique=True)


@st.composite
def resource_rules(draw: st.DrawFn) -> Obj:
    """A rule on resources; a third of them limited to resource names, as upstream allows."""
    rule: Obj = {
        "verbs": draw(_some(VERBS, 3)),
        "apiGroups": draw(_some(API_GROUPS, 2)),
        "resources": draw(_some(RESOURCES, 3)),
    }
    if draw(st.integers(0, 2)) == 0:
        rule["resourceNames"] = draw(_some(RESOURCE_NAMES, 2))
    return rule


@st.composite
def url_rules(draw: st.DrawFn) -> Obj:
    """A rule on non-resource URLs (only ClusterRoles may hold them, as API validation says)."""
    return {"verbs": draw(_some(VERBS, 2)), "nonResourceURLs": draw(_some(URLS, 2))}


def rules(urls: bool = True) -> st.SearchStrategy[Obj]:
    """Any one rule; resource rules four times as often as URL rules."""
    if not urls:
        return resource_rules()
    return st.one_of(resource_rules(), resource_rules(), resource_rules(), resource_rules(), url_rules())


def rule_lists(urls: bool = True, most: int = 3) -> st.SearchStrategy[list[Obj]]:
    return st.lists(rules(urls), min_size=0, max_size=most)


# --- roles ----------------------------------------------------------------------------
def label_sets() -> st.SearchStrategy[dict[str, str]]:
    """No labels, or the aggregation label with one of its values (which selectors pick)."""
    return st.one_of(st.just({}), st.sampled_from(AGGREGATE_VALUES).map(lambda v: {AGGREGATE_KEY: v}))


def selectors() -> st.SearchStrategy[Obj]:
    """A LabelSelector of an aggregationRule: by matchLabels, by matchExpressions, or the empty
    selector, which upstream's LabelSelectorAsSelector turns into Everything()."""
    return st.one_of(
        st.sampled_from(AGGREGATE_VALUES).map(lambda v: {"matchLabels": {AGGREGATE_KEY: v}}),
        _some(AGGREGATE_VALUES, 2).map(
            lambda vs: {"matchExpressions": [{"key": AGGREGATE_KEY, "operator": "In", "values": vs}]}
        ),
        st.just({"matchExpressions": [{"key": AGGREGATE_KEY, "operator": "Exists"}]}),
        st.just({}),
    )


@st.composite
def cluster_role(draw: st.DrawFn, name: str, aggregated: bool) -> Obj:
    labels = draw(label_sets())
    role: Obj = {"apiVersion": API_VERSION, "kind": "ClusterRole", "metadata": metadata(name, labels=labels)}
    if aggregated:
        role["aggregationRule"] = {"clusterRoleSelectors": draw(st.lists(selectors(), min_size=1, max_size=2))}
    else:
        role["rules"] = draw(rule_lists())
    return role


@st.composite
def role(draw: st.DrawFn, name: str, namespace: str) -> Obj:
    return {
        "apiVersion": API_VERSION, "kind": "Role", "metadata": metadata(name, namespace),
        "rules": draw(rule_lists(urls=False)),
    }


# --- subjects and bindings --------------------------------------------------------------
@st.composite
def subjects(draw: st.DrawFn, namespaces: list[str], cluster_wide: bool) -> Obj:
    """A User, a Group (sometimes one the authenticators add) or a ServiceAccount; a RoleBinding's
    service account may leave its namespace out (it is then the binding's)."""
    kind = draw(st.sampled_from(["User", "Group", "ServiceAccount"]))
    if kind == "User":
        return {"kind": "User", "apiGroup": RBAC_GROUP, "name": draw(st.sampled_from(USER_NAMES))}
    if kind == "Group":
        group_names = (
            *GROUP_NAMES, *IMPLICIT_GROUPS, *(f"system:serviceaccounts:{ns}" for ns in namespaces),
        )
        return {"kind": "Group", "apiGroup": RBAC_GROUP, "name": draw(st.sampled_from(group_names))}
    subject: Obj = {"kind": "ServiceAccount", "name": draw(st.sampled_from(SERVICE_ACCOUNTS))}
    if cluster_wide or draw(st.booleans()):
        subject["namespace"] = draw(st.sampled_from(namespaces))
    return subject


@st.composite
def binding(draw: st.DrawFn, name: str, namespace: str | None, roles: list[Obj], namespaces: list[str]) -> Obj:
    """A RoleBinding in `namespace` (None: a ClusterRoleBinding) to one of `roles` it may refer to,
    or, one time in five, to a role that does not exist."""
    cluster_wide = namespace is None
    targets = [
        (r["kind"], r["metadata"]["name"]) for r in roles
        if r["kind"] == "ClusterRole" or (not cluster_wide and r["metadata"]["namespace"] == namespace)
    ]
    missing = [("ClusterRole", MISSING_ROLE)] + ([] if cluster_wide else [("Role", MISSING_ROLE)])
    if not targets or draw(st.integers(0, 4)) == 0:
        kind, role_name = draw(st.sampled_from(missing))
    else:
        kind, role_name = draw(st.sampled_from(targets))
    return {
        "apiVersion": API_VERSION,
        "kind": "ClusterRoleBinding" if cluster_wide else "RoleBinding",
        "metadata": metadata(name, namespace),
        "subjects": draw(st.lists(subjects(namespaces, cluster_wide), min_size=1, max_size=3)),
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": kind, "name": role_name},
    }


# --- snapshots ------------------------------------------------------------------------
def settle(objects: list[Obj]) -> list[Obj]:
    """The objects once the ClusterRole aggregation controller is done (kuberules.strategies' model of
    clusterroleaggregation_controller.go's syncClusterRole, independent of the rules), as new objects."""
    return strategies_rbac.settle(copy.deepcopy(objects))


ROLE_KINDS = ("Role", "Role", "ClusterRole", "ClusterRole", "aggregated")


@st.composite
def snapshots(
    draw: st.DrawFn, namespaces: list[str] | None = None, settled: bool = True, most_aggregated: int = 2,
) -> list[Obj]:
    """1-6 Roles and ClusterRoles (up to `most_aggregated` aggregated ClusterRoles among them) and 1-8
    bindings over 2-3 namespaces: settled, or as manifests are written before the controller ran
    (aggregated ClusterRoles without rules)."""
    if namespaces is None:
        namespaces = draw(namespace_lists())
    kinds = draw(st.lists(st.sampled_from(ROLE_KINDS), min_size=1, max_size=6))
    aggregated = [i for i, k in enumerate(kinds) if k == "aggregated"]
    kinds = ["ClusterRole" if i in aggregated[most_aggregated:] else k for i, k in enumerate(kinds)]
    roles: list[Obj] = []
    for i, kind in enumerate(kinds):
        if kind == "Role":
            roles.append(draw(role(f"role-{i}", draw(st.sampled_from(namespaces)))))
        else:
            roles.append(draw(cluster_role(f"cluster-role-{i}", kind == "aggregated")))
    places = draw(st.lists(st.sampled_from([None, *namespaces]), min_size=1, max_size=8))
    bindings = [draw(binding(f"binding-{i}", ns, roles, namespaces)) for i, ns in enumerate(places)]
    return settle(roles + bindings) if settled else roles + bindings


def namespace_lists() -> st.SearchStrategy[list[str]]:
    return st.integers(2, 3).map(lambda n: list(ALL_NAMESPACES[:n]))


# --- users and requests -------------------------------------------------------------------
def user_names(namespaces: list[str]) -> st.SearchStrategy[str]:
    """Users the subjects name, service accounts of each namespace, and system:anonymous."""
    accounts = [f"system:serviceaccount:{ns}:{sa}" for ns in namespaces for sa in SERVICE_ACCOUNTS]
    return st.sampled_from([*USER_NAMES, "dave", *accounts, "system:anonymous"])


@st.composite
def user_args(draw: st.DrawFn, namespaces: list[str], masters: bool = False) -> tuple[str, list[str]]:
    """(name, groups) for `user()`: the explicit groups, sometimes system:masters when `masters`."""
    pool = [*GROUP_NAMES, "system:masters"] if masters else list(GROUP_NAMES)
    return draw(user_names(namespaces)), draw(st.lists(st.sampled_from(pool), max_size=2, unique=True))


def subject_user(subject: Obj, namespace: str) -> tuple[str, list[str]] | None:
    """(name, groups) of a user a binding's subject names (None: a service account subject that names
    nobody, or a group only the authenticators give)."""
    if subject["kind"] == "User":
        return subject["name"], []
    if subject["kind"] == "Group":
        return ("dave", [subject["name"]]) if subject["name"] in GROUP_NAMES else None
    ns = subject.get("namespace") or namespace
    return (f"system:serviceaccount:{ns}:{subject['name']}", []) if ns else None


@st.composite
def user_lists(draw: st.DrawFn, objects: list[Obj], namespaces: list[str], masters: bool = False) -> list:
    """Random users, and some the snapshot's bindings name: random ones alone are mostly strangers."""
    out = draw(st.lists(user_args(namespaces, masters), min_size=1, max_size=3))
    named = [
        u for b in objects if b["kind"] in ("RoleBinding", "ClusterRoleBinding")
        for s in b.get("subjects") or [] if (u := subject_user(s, b["metadata"].get("namespace", ""))) is not None
    ]
    if named:
        out += draw(st.lists(st.sampled_from(named), max_size=3, unique_by=repr))
    return out


@st.composite
def resource_requests(draw: st.DrawFn, namespaces: list[str]) -> Obj:
    """A resource request, namespaced or cluster-wide (namespace "")."""
    group = draw(st.sampled_from(sorted(REQUEST_RESOURCES)))
    return {
        "verb": draw(st.sampled_from(REQUEST_VERBS)),
        "apiGroup": group,
        "resource": draw(st.sampled_from(REQUEST_RESOURCES[group])),
        "subresource": draw(st.sampled_from(SUBRESOURCES)),
        "name": draw(st.sampled_from(REQUEST_NAMES)),
        "namespace": draw(st.sampled_from(["", *namespaces, *namespaces])),
    }


@st.composite
def url_requests(draw: st.DrawFn) -> Obj:
    return {"verb": draw(st.sampled_from(REQUEST_VERBS)), "path": draw(st.sampled_from(PATHS))}


def requests(namespaces: list[str]) -> st.SearchStrategy[Obj]:
    return st.one_of(resource_requests(namespaces), resource_requests(namespaces), url_requests())


@st.composite
def aimed_request(draw: st.DrawFn, rule: Obj, namespaces: list[str], namespace: str | None = None) -> Obj:
    """A request built from one of a rule's own values (in `namespace` when given), so that it often
    allows it: random requests alone mostly ask for what nobody is given."""
    verb = draw(st.sampled_from(rule.get("verbs") or ["get"]))
    if "nonResourceURLs" in rule:
        url = draw(st.sampled_from(rule["nonResourceURLs"]))
        path = url.rstrip("*") + draw(st.sampled_from(["", "v1"])) if url.endswith("*") else url
        return {"verb": verb, "path": path if path.startswith("/") else "/" + path}
    group = draw(st.sampled_from(rule.get("apiGroups") or [""]))
    resource = draw(st.sampled_from(rule.get("resources") or ["pods"]))
    base, _, sub = resource.partition("/")
    if base == "*" and sub:
        base = draw(st.sampled_from(["pods", "deployments"]))
    names = rule.get("resourceNames") or ["", *RESOURCE_NAMES]
    return {
        "verb": verb, "apiGroup": group, "resource": base, "subresource": sub,
        "name": draw(st.sampled_from(names)),
        "namespace": namespace if namespace is not None else draw(st.sampled_from(["", *namespaces])),
    }


def granted_rules(objects: list[Obj]) -> list[tuple[Obj, str | None]]:
    """(rule, namespace) for each rule a binding hands out: a RoleBinding's in its namespace, a
    ClusterRoleBinding's anywhere (None)."""
    found = {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o for o in objects}
    out = []
    for b in objects:
        if b["kind"] not in ("RoleBinding", "ClusterRoleBinding"):
            continue
        ns = b["metadata"].get("namespace", "")
        ref = b["roleRef"]
        role = found.get((ref["kind"], "" if ref["kind"] == "ClusterRole" else ns, ref["name"]))
        out += [(r, ns or None) for r in (role or {}).get("rules") or []]
    return out


def all_rules(objects: list[Obj]) -> list[Obj]:
    return [r for o in objects if o["kind"] in ("Role", "ClusterRole") for r in o.get("rules") or []]


@st.composite
def request_lists(draw: st.DrawFn, objects: list[Obj], namespaces: list[str], most: int = 8) -> list[Obj]:
    """Random requests, some aimed at the snapshot's rules, and some at what its bindings grant (in
    the binding's namespace)."""
    out = draw(st.lists(requests(namespaces), min_size=1, max_size=most))
    known = all_rules(objects)
    if known:
        aimed = st.sampled_from(known).flatmap(lambda r: aimed_request(r, namespaces))
        out += draw(st.lists(aimed, max_size=most // 2))
    granted = granted_rules(objects)
    if granted:
        aimed = st.sampled_from(granted).flatmap(lambda g: aimed_request(g[0], namespaces, g[1]))
        out += draw(st.lists(aimed, max_size=most // 2))
    return out
