"""Consistent clusters: lists of objects as `kubectl get -o yaml` would show a settled cluster.

Consistent means what refers to something finds it: workloads run as service accounts that exist,
services select some workload's pods, bindings refer to roles that exist and name service accounts that
exist, aggregated ClusterRoles hold the rules the controller gives them, network policies select pods
of their namespace and their peers select pods and namespaces of the cluster. Each knob bounds a count;
the defaults keep a cluster small enough to read when a property fails on it.
"""

from __future__ import annotations

from hypothesis import strategies as st

from . import objects, rbac, values, workload
from .choices import pick
from .meta import Obj

POD_LABELS = {"app": ("web", "db", "api"), "tier": ("front", "back")}
_ADDRESSES = st.tuples(st.integers(0, 3), st.integers(1, 254))  # of pods: 10.0.<a>.<b>


def _namespace_labels(namespace: Obj) -> dict[str, str]:
    """A namespace's labels as selectors see them, with the name label the apiserver sets."""
    name = namespace["metadata"]["name"]
    return {**namespace["metadata"].get("labels", {}), "kubernetes.io/metadata.name": name}


@st.composite
def _namespaces(draw: st.DrawFn, most: int) -> list[Obj]:
    names = draw(st.lists(values.namespace_names(), min_size=1, max_size=max(most, 1), unique=True))
    return [draw(objects.namespaces(n)) for n in names]


@st.composite
def _accounts(draw: st.DrawFn, namespaces: list[str]) -> list[Obj]:
    """The `default` ServiceAccount of each namespace, and sometimes `builder`."""
    wanted = [(ns, sa) for ns in namespaces for sa in rbac.SERVICE_ACCOUNTS if sa == "default" or draw(st.booleans())]
    return [draw(objects.serviceaccounts(ns, sa)) for ns, sa in wanted]


@st.composite
def _roles(draw: st.DrawFn, namespaces: list[str], most: int) -> list[Obj]:
    """0-`most` Roles in the namespaces and 1-`most` ClusterRoles (some aggregated, then settled), names
    unique per kind and namespace."""
    count = draw(st.integers(0, most))
    places = [pick(draw, namespaces) for _ in range(count)]
    out = [draw(rbac.roles(ns, f"role-{i}")) for i, ns in enumerate(places)]
    out += [draw(rbac.clusterroles(f"cluster-role-{i}")) for i in range(draw(st.integers(1, max(most, 1))))]
    return rbac.settle(out)


@st.composite
def _bindings(draw: st.DrawFn, namespaces: list[str], roles: list[Obj], accounts: list[Obj], most: int) -> list[Obj]:
    """0-`most` RoleBindings and ClusterRoleBindings to roles that exist, naming service accounts that exist."""
    pairs = [(a["metadata"]["namespace"], a["metadata"]["name"]) for a in accounts]
    cluster_roles = [r["metadata"]["name"] for r in roles if r["kind"] == "ClusterRole"]
    out = []
    places = [pick(draw, [None, *namespaces]) for _ in range(draw(st.integers(0, most)))]
    for i, place in enumerate(places):
        if place is None:
            out.append(draw(rbac.clusterrolebindings(f"binding-{i}", cluster_roles, namespaces, pairs)))
            continue
        refs = [("ClusterRole", n) for n in cluster_roles] + [
            ("Role", r["metadata"]["name"]) for r in roles if r["metadata"].get("namespace") == place]
        out.append(draw(rbac.rolebindings(place, f"binding-{i}", refs, pairs)))
    return out


@st.composite
def _workloads(draw: st.DrawFn, namespace: str, most: int, accounts: tuple[str, ...]) -> list[Obj]:
    """0-`most` Pods and workloads of any kind, names unique in the namespace."""
    names = draw(st.lists(values.dns1035_labels(12), max_size=most, unique=True))
    out = []
    for name in names:
        kind = draw(st.sampled_from(("Pod", *workload.WORKLOAD_KINDS)))
        if kind == "Pod":
            labels = {**draw(values.label_sets(max_size=1)), "app": name}
            out.append(draw(workload.pods(namespace, name=name, labels=labels, service_accounts=accounts)))
        else:
            out.append(draw(workload.BY_KIND[kind](namespace, name, accounts)))
    return out


@st.composite
def _services(draw: st.DrawFn, running: list[Obj]) -> list[Obj]:
    """For some workloads, a Service of the same name selecting some of its pods' labels (`app` always)."""
    out = []
    for w in running:
        if draw(st.booleans()):
            labels = workload.template_labels(w)
            selector = {"app": labels["app"], **{k: v for k, v in labels.items() if draw(st.booleans())}}
            out.append(draw(objects.services(w["metadata"]["namespace"], w["metadata"]["name"], selector)))
    return out


@st.composite
def clusters(draw: st.DrawFn, namespaces: int = 2, workloads_per_namespace: int = 2, policies: int = 2,
             bindings: int = 2) -> list[Obj]:
    """A consistent cluster: 1-`namespaces` Namespaces, each with its ServiceAccounts and 0-
    `workloads_per_namespace` Pods or workloads of any kind running as those accounts; Services selecting
    some workloads' pods; Roles, ClusterRoles (aggregated ones settled) and 0-`bindings` bindings to them
    naming accounts that exist; 0-`policies` NetworkPolicies over the pods of their namespace."""
    spaces = draw(_namespaces(namespaces))
    names = [n["metadata"]["name"] for n in spaces]
    accounts = draw(_accounts(names))
    running: list[Obj] = []
    for ns in names:
        own = tuple(a["metadata"]["name"] for a in accounts if a["metadata"]["namespace"] == ns)
        running += draw(_workloads(ns, workloads_per_namespace, own))
    roles = draw(_roles(names, max(bindings // 2, 1))) if bindings else []
    return [*spaces, *accounts, *running, *draw(_services(running)), *roles,
            *draw(_bindings(names, roles, accounts, bindings)), *draw(_policies(spaces, running, policies))]


@st.composite
def _policies(draw: st.DrawFn, spaces: list[Obj], running: list[Obj], most: int) -> list[Obj]:
    """0-`most` NetworkPolicies, each in a namespace of the cluster, selecting its pods' labels and with
    peers selecting pods and namespaces of the cluster."""
    pod_labels = [workload.template_labels(w) for w in running]
    namespace_labels = [_namespace_labels(n) for n in spaces]
    names = [n["metadata"]["name"] for n in spaces]
    out = []
    for i in range(draw(st.integers(0, most))):
        ns = pick(draw, names)
        own = [workload.template_labels(w) for w in running if w["metadata"]["namespace"] == ns]
        out.append(draw(objects.networkpolicies(ns, f"policy-{i}", own or pod_labels, namespace_labels)))
    return out


@st.composite
def rbac_clusters(draw: st.DrawFn, namespaces: int = 2, roles: int = 3, bindings: int = 3) -> list[Obj]:
    """The RBAC objects of a consistent cluster: 1-`namespaces` Namespaces and their ServiceAccounts,
    0-`roles` Roles, 1-`roles` ClusterRoles (some aggregated, holding the rules they select), and
    0-`bindings` RoleBindings and ClusterRoleBindings to roles that exist, naming users, groups and
    service accounts that exist."""
    spaces = draw(_namespaces(namespaces))
    names = [n["metadata"]["name"] for n in spaces]
    accounts = draw(_accounts(names))
    found = draw(_roles(names, roles))
    return [*spaces, *accounts, *found, *draw(_bindings(names, found, accounts, bindings))]


@st.composite
def _netpol_pods(draw: st.DrawFn, namespaces: list[str], most: int) -> list[Obj]:
    """1-`most` Pods with distinct IPs in 10.0.0.0/22, labels from a small vocabulary (so that selectors
    select), ports, spread over the namespaces."""
    count = draw(st.integers(1, max(most, 1)))
    ips = draw(st.lists(_ADDRESSES, min_size=count, max_size=count, unique=True))
    out = []
    for i, (a, b) in enumerate(ips):
        labels = {k: draw(st.sampled_from(vs)) for k, vs in POD_LABELS.items() if k == "app" or draw(st.booleans())}
        out.append(draw(workload.pods(pick(draw, namespaces), True, f"pod-{i}", labels,
                                       f"10.0.{a}.{b}")))
    return out


@st.composite
def netpol_clusters(draw: st.DrawFn, namespaces: int = 2, pods: int = 4, policies: int = 3) -> list[Obj]:
    """The objects NetworkPolicy is about: 1-`namespaces` Namespaces with labels, 1-`pods` Pods with
    distinct pod IPs and ports, sometimes a Deployment, and 0-`policies` NetworkPolicies whose selectors
    often select those pods and namespaces."""
    spaces = draw(_namespaces(namespaces))
    names = [n["metadata"]["name"] for n in spaces]
    running = draw(_netpol_pods(names, pods))
    if draw(st.booleans()):
        running.append(draw(workload.deployments(pick(draw, names), "deploy")))
    return [*spaces, *running, *draw(_policies(spaces, running, policies))]
