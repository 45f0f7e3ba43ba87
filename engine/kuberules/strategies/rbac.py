"""RBAC objects one at a time (Role, ClusterRole, RoleBinding, ClusterRoleBinding) and the requests an
authorizer is asked (`rbac_requests`).

Rules come from a small vocabulary (verbs with `*`, API groups with `*`, resources with subresources and
`*/scale`, resource names, non-resource URLs) so that rules and requests meet often; given a cluster's
objects, `rbac_requests` aims half its requests at what a binding grants. Objects pass
ValidateRole and friends: resource rules name groups and resources, only ClusterRoles hold URL rules,
a ClusterRoleBinding's service account names its namespace, User and Group subjects carry the RBAC group.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from ..k8s.labels import selector_from_label_selector
from . import values
from .choices import one_in, pick
from .meta import Obj, metadata, namespace_or_drawn

API_VERSION = "rbac.authorization.k8s.io/v1"
RBAC_GROUP = "rbac.authorization.k8s.io"
VERBS = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "*", "bind",
         "escalate", "impersonate")
API_GROUPS = ("", "apps", "batch", RBAC_GROUP, "*")
RESOURCES = ("pods", "pods/exec", "pods/log", "deployments", "deployments/scale", "secrets", "configmaps",
             "jobs", "roles", "rolebindings", "*", "*/scale")
RESOURCE_NAMES = ("web", "db", "config")
URLS = ("/healthz", "/healthz/*", "/metrics", "/api/*", "*")
USERS = ("alice", "bob", "carol")
GROUPS = ("dev", "ops", "system:authenticated", "system:serviceaccounts", "system:masters")
SERVICE_ACCOUNTS = ("default", "builder")
AGGREGATE_KEY = "rbac.example.com/aggregate-to"
AGGREGATE_VALUES = ("view", "edit")


def _some(options: Sequence[str], most: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(options), min_size=1, max_size=most, unique=True)


# --- rules --------------------------------------------------------------------------------------
def _resource_rule(draw: st.DrawFn) -> Obj:
    """A rule on resources: verbs (`*` among them), API groups (`*` too), resources with subresources and
    wildcards (`*`, `*/scale`), and a third of the time resourceNames."""
    rule: Obj = {"verbs": draw(_some(VERBS, 3)), "apiGroups": draw(_some(API_GROUPS, 2)),
                 "resources": draw(_some(RESOURCES, 3))}
    if one_in(draw, 3):
        rule["resourceNames"] = draw(_some(RESOURCE_NAMES, 2))
    return rule


def _url_rule(draw: st.DrawFn) -> Obj:
    """A rule on non-resource URLs, exact or ending in `*` (only ClusterRoles may hold them)."""
    return {"verbs": draw(_some(("get", "post", "*"), 2)), "nonResourceURLs": draw(_some(URLS, 2))}


def _rules(draw: st.DrawFn, urls: bool) -> list[Obj]:
    """0-3 rules; with `urls`, about one in four on non-resource URLs."""
    return [_url_rule(draw) if urls and one_in(draw, 4) else _resource_rule(draw)
            for _ in range(draw(st.integers(0, 3)))]


# --- roles --------------------------------------------------------------------------------------
_ROLE_NAMES = st.sampled_from(("view", "edit", "admin", "reader", *values.dns_subdomains().elements))


@st.composite
def roles(draw: st.DrawFn, namespace: str | None = None, name: str | None = None) -> Obj:
    """A Role: 0-3 rules on resources, with wildcard verbs, groups and resources, subresources (`pods/exec`,
    `*/scale`) and resourceNames."""
    return {"apiVersion": API_VERSION, "kind": "Role",
            "metadata": metadata(name or draw(_ROLE_NAMES), draw(namespace_or_drawn(namespace))),
            "rules": _rules(draw, urls=False)}


def _aggregation_selector(draw: st.DrawFn) -> Obj:
    """A clusterRoleSelector: the aggregation label by matchLabels, by In or Exists, or any selector."""
    shape = draw(st.sampled_from(("matchLabels", "In", "Exists", "any")))
    if shape == "matchLabels":
        return {"matchLabels": {AGGREGATE_KEY: draw(st.sampled_from(AGGREGATE_VALUES))}}
    if shape == "In":
        chosen = draw(_some(AGGREGATE_VALUES, 2))
        return {"matchExpressions": [{"key": AGGREGATE_KEY, "operator": "In", "values": chosen}]}
    if shape == "Exists":
        return {"matchExpressions": [{"key": AGGREGATE_KEY, "operator": "Exists"}]}
    return values.selector_of(draw)


@st.composite
def clusterroles(draw: st.DrawFn, name: str | None = None, aggregated: bool | None = None) -> Obj:
    """A ClusterRole: 0-3 rules on resources or non-resource URLs, sometimes the aggregation label that
    other roles select; or (when `aggregated`, sometimes when None) an aggregated role, with 1-2
    clusterRoleSelectors and no rules of its own yet (the controller writes them)."""
    labels = {AGGREGATE_KEY: draw(st.sampled_from(AGGREGATE_VALUES))} if draw(st.booleans()) else None
    role: Obj = {"apiVersion": API_VERSION, "kind": "ClusterRole",
                 "metadata": metadata(name or draw(_ROLE_NAMES), labels=labels)}
    if aggregated or (aggregated is None and one_in(draw, 4)):
        selectors = [_aggregation_selector(draw) for _ in range(draw(st.integers(1, 2)))]
        role["aggregationRule"] = {"clusterRoleSelectors": selectors}
    else:
        role["rules"] = _rules(draw, urls=True)
    return role


# --- bindings -----------------------------------------------------------------------------------
def _subject(draw: st.DrawFn, namespaces: Sequence[str], cluster_wide: bool,
             accounts: Sequence[tuple[str, str]]) -> Obj:
    """A User, a Group, or a ServiceAccount (given `accounts` as (namespace, name), one of them). A
    ClusterRoleBinding's service account names its namespace; a RoleBinding's may leave it out (then it
    is the binding's own)."""
    kind = draw(st.sampled_from(("User", "Group", "ServiceAccount")))
    if kind != "ServiceAccount":
        names = USERS if kind == "User" else GROUPS
        return {"kind": kind, "apiGroup": RBAC_GROUP, "name": draw(st.sampled_from(names))}
    if accounts:
        namespace, name = pick(draw, accounts)
    else:
        namespace, name = pick(draw, namespaces), draw(st.sampled_from(SERVICE_ACCOUNTS))
    subject: Obj = {"kind": "ServiceAccount", "name": name}
    if cluster_wide or draw(st.booleans()):
        subject["namespace"] = namespace
    return subject


@st.composite
def rolebindings(draw: st.DrawFn, namespace: str | None = None, name: str | None = None,
                 role_refs: Sequence[tuple[str, str]] = (), accounts: Sequence[tuple[str, str]] = ()) -> Obj:
    """A RoleBinding to a Role or a ClusterRole (given `role_refs` as (kind, name), one of them), with 1-3
    subjects: Users, Groups, ServiceAccounts (one of `accounts`, as (namespace, name), when given), with or
    without their namespace."""
    ns = draw(namespace_or_drawn(namespace))
    kind, role = pick(draw, role_refs) if role_refs else (
        draw(st.sampled_from(("Role", "ClusterRole"))), draw(_ROLE_NAMES))
    own = [a for a in accounts if a[0] == ns] or accounts
    return {"apiVersion": API_VERSION, "kind": "RoleBinding",
            "metadata": metadata(name or draw(values.dns_subdomains()), ns),
            "subjects": [_subject(draw, (ns,), False, own) for _ in range(draw(st.integers(1, 3)))],
            "roleRef": {"apiGroup": RBAC_GROUP, "kind": kind, "name": role}}


@st.composite
def clusterrolebindings(draw: st.DrawFn, name: str | None = None, roles: Sequence[str] = (),
                        namespaces: Sequence[str] = ("default",), accounts: Sequence[tuple[str, str]] = ()) -> Obj:
    """A ClusterRoleBinding to a ClusterRole (one of `roles` when given), with 1-3 subjects; service
    account subjects name their namespace, as validation requires."""
    role = pick(draw, roles) if roles else draw(_ROLE_NAMES)
    return {"apiVersion": API_VERSION, "kind": "ClusterRoleBinding",
            "metadata": metadata(name or draw(values.dns_subdomains())),
            "subjects": [_subject(draw, namespaces, True, accounts) for _ in range(draw(st.integers(1, 3)))],
            "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role}}


# --- requests -----------------------------------------------------------------------------------
REQUEST_VERBS = ("get", "list", "watch", "create", "update", "delete", "bind", "escalate", "impersonate")
# (apiGroup, resource) in one list: one draw each, so every request costs the shrinker the same.
REQUEST_RESOURCES = (("", "pods"), ("", "secrets"), ("", "configmaps"), ("apps", "deployments"),
                     ("apps", "replicasets"), ("batch", "jobs"), (RBAC_GROUP, "roles"), (RBAC_GROUP, "clusterroles"))
SUBRESOURCES = ("", "exec", "log", "scale", "status")
PATHS = ("/healthz", "/healthz/ready", "/metrics", "/api", "/api/v1", "/apis")


def _user(draw: st.DrawFn, namespaces: Sequence[str]) -> Obj:
    """Who asks: a user, a service account (system:serviceaccount:<ns>:<name>) or system:anonymous,
    with 0-2 groups besides those the authenticators add."""
    accounts = [f"system:serviceaccount:{ns}:{sa}" for ns in namespaces for sa in SERVICE_ACCOUNTS]
    return {"user": draw(st.sampled_from((*USERS, *accounts, "system:anonymous"))),
            "groups": draw(st.lists(st.sampled_from(GROUPS), max_size=2, unique=True))}


def _asked(draw: st.DrawFn, ns: str) -> Obj:
    """A request as `rbac_requests` draws it without objects: anyone asking anything."""
    out = _user(draw, [ns])
    group, kind = draw(st.sampled_from(REQUEST_RESOURCES))
    resource = {"verb": draw(st.sampled_from(REQUEST_VERBS)), "apiGroup": group, "resource": kind,
                "subresource": draw(st.sampled_from(SUBRESOURCES)),
                "name": draw(st.sampled_from(("", *RESOURCE_NAMES, "other"))),
                "namespace": draw(st.sampled_from((ns, "")))}
    if one_in(draw, 4):  # after the resource's draws, so that shrinking prefers a resource request
        return {**out, "verb": draw(st.sampled_from(("get", "post"))), "path": draw(st.sampled_from(PATHS))}
    return {**out, **resource}


def grants(objects: Sequence[Obj], namespace: str | None = None) -> list[tuple[Obj, Obj]]:
    """(binding, rule) for each rule of the role each binding of `objects` refers to (a Role of the
    binding's namespace, or a ClusterRole; aggregated ClusterRoles as the objects hold them, settled or
    not), leaving out URL rules under RoleBindings (they grant nothing there), bindings without subjects,
    rules that name no verb, group, resource or URL, and, given `namespace`, the RoleBindings of other
    namespaces."""
    roles = {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o.get("rules") or []
             for o in objects if o.get("kind") in ("Role", "ClusterRole")}
    out = []
    for b in objects:
        if b.get("kind") not in ("RoleBinding", "ClusterRoleBinding") or not b.get("subjects"):
            continue
        home = b["metadata"].get("namespace", "") if b["kind"] == "RoleBinding" else ""
        if home and namespace is not None and home != namespace:
            continue
        ref = b["roleRef"]
        for rule in roles.get((ref["kind"], home if ref["kind"] == "Role" else "", ref["name"]), []):
            fields = ("verbs", "nonResourceURLs") if "nonResourceURLs" in rule else ("verbs", "apiGroups", "resources")
            if all(rule.get(f) for f in fields) and not (home and "nonResourceURLs" in rule):
                out.append((b, rule))
    return out


_GROUP_RESOURCES = {g: tuple(r for rg, r in REQUEST_RESOURCES if rg == g) for g, _ in REQUEST_RESOURCES}


def _concrete_path(draw: st.DrawFn, url: str) -> str:
    """A path that `url` (exact, or a prefix ending in `*`) matches: one of PATHS when one does."""
    if not url.endswith("*"):
        return url
    matching = [p for p in PATHS if p.startswith(url[:-1])]
    return pick(draw, matching) if matching else url[:-1] + "x"


def _aimed(draw: st.DrawFn, chosen: list[tuple[Obj, Obj]], namespaces: Sequence[str],
           namespace: str | None) -> Obj:
    """A request that a subject of a binding makes and a rule of its role allows, wildcards made
    concrete (`*` verbs, groups and resources, `*/scale`, URL prefixes): a user the binding names (with
    no groups), one of USERS in a group it names, or the service account it names."""
    binding, rule = pick(draw, chosen)
    home = binding["metadata"].get("namespace", "") if binding["kind"] == "RoleBinding" else ""
    subject = pick(draw, binding["subjects"])
    if subject["kind"] == "User":
        who: Obj = {"user": subject["name"], "groups": []}
    elif subject["kind"] == "Group":
        who = {"user": draw(st.sampled_from(USERS)), "groups": [subject["name"]]}
    else:
        who = {"user": f"system:serviceaccount:{subject.get('namespace') or home}:{subject['name']}", "groups": []}
    verb = pick(draw, rule["verbs"])
    if "nonResourceURLs" in rule:
        return {**who, "verb": "get" if verb == "*" else verb,
                "path": _concrete_path(draw, pick(draw, rule["nonResourceURLs"]))}
    group = pick(draw, rule["apiGroups"])
    if group == "*":
        group = pick(draw, tuple(_GROUP_RESOURCES))
    resource, _, subresource = pick(draw, rule["resources"]).partition("/")
    if resource == "*":
        resource = pick(draw, _GROUP_RESOURCES.get(group) or ("pods",))
    if home:
        ns = home
    elif namespace is not None:
        ns = draw(st.sampled_from((namespace, "")))
    else:
        ns = pick(draw, ("", *namespaces))
    return {**who, "verb": draw(st.sampled_from(REQUEST_VERBS)) if verb == "*" else verb, "apiGroup": group,
            "resource": resource, "subresource": subresource,
            "name": pick(draw, rule.get("resourceNames") or ("", *RESOURCE_NAMES, "other")), "namespace": ns}


@st.composite
def rbac_requests(draw: st.DrawFn, namespace: str | None = None, objects: Sequence[Obj] | None = None) -> Obj:
    """A request to authorize, with who asks: {"user", "groups", "verb", "apiGroup", "resource",
    "subresource", "name", "namespace"} for a resource (namespaced in `namespace` or a drawn one, or
    cluster-wide: namespace ""), or {"user", "groups", "verb", "path"} for a non-resource URL. Pass
    `kubernetes.rbac.user(r.user, r.groups)` and the map itself to `kubernetes.rbac.authorize`.

    Given `objects` (a cluster's RBAC objects, as `rbac_clusters` draws them), about half the requests
    are aimed when a binding grants anything (see `grants`): a subject the binding names asks for what
    a rule of its role allows (an aggregated ClusterRole's rules as the objects hold them: `rbac_clusters`
    settles them), so that `kubernetes.rbac.authorize` on those objects allows it; the others are drawn
    as without objects, in a namespace of the cluster when `namespace` is not given. Shrinks toward the
    request drawn as without objects."""
    if objects is not None and (isinstance(objects, (str, bytes)) or not isinstance(objects, Sequence)):
        raise ValueError(f"objects must be a list of objects, not {type(objects).__name__}")
    try:
        cluster_namespaces = [o["metadata"]["name"] for o in objects or () if o.get("kind") == "Namespace"]
        chosen = grants(objects, namespace) if objects is not None else []
    except (KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"objects must be Kubernetes objects with their metadata ({err!r})") from None
    if chosen and draw(st.booleans()):
        return _aimed(draw, chosen, cluster_namespaces, namespace)
    if namespace is None and cluster_namespaces:
        return _asked(draw, pick(draw, cluster_namespaces))
    return _asked(draw, draw(namespace_or_drawn(namespace)))


# --- aggregation --------------------------------------------------------------------------------
def settle(objects: list[Obj]) -> list[Obj]:
    """The objects as a running cluster shows them once the ClusterRole aggregation controller is done:
    each aggregated ClusterRole's rules are those of the ClusterRoles its selectors select (itself aside),
    without repeats, repeated until nothing changes (aggregated roles may select aggregated roles).
    Changes the aggregated roles in place and returns `objects`."""
    cluster_roles = sorted((o for o in objects if o["kind"] == "ClusterRole"), key=lambda o: o["metadata"]["name"])
    aggregated = [o for o in cluster_roles if "aggregationRule" in o]
    selectors = {id(o): [selector_from_label_selector(s) for s in o["aggregationRule"]["clusterRoleSelectors"]]
                 for o in aggregated}
    for o in aggregated:
        o["rules"] = []
    changed = True
    while changed:
        changed = False
        for target in aggregated:
            new: list[Obj] = []
            for selector in selectors[id(target)]:
                for source in cluster_roles:
                    if source is not target and selector.matches(source["metadata"].get("labels", {})):
                        new.extend(r for r in source.get("rules", []) if r not in new)
            if new != target["rules"]:
                target["rules"], changed = new, True
    return objects
