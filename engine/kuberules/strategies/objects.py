"""The objects around workloads: Service, Namespace, ServiceAccount, LimitRange, ResourceQuota and
NetworkPolicy, one manifest at a time.

Each is valid by construction against the JSON Schemas and upstream's validation: names are DNS names,
the values within a LimitRange item are ordered, a quota's scopes suit its resources, an ipBlock's
excepts lie inside its cidr. Fields the API leaves optional are often left out, which is also where
shrinking goes.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from . import values
from .meta import Obj, metadata, namespace_or_drawn
from .workloads import PORT_NAMES, PORT_NUMBERS, PROTOCOLS, RESOURCES


# --- Namespace and ServiceAccount ---------------------------------------------------------------
@st.composite
def namespaces(draw: st.DrawFn, name: str | None = None) -> Obj:
    """A Namespace: labels or none, sometimes with the `kubernetes.io/metadata.name` label the apiserver
    sets."""
    name = name or draw(values.namespace_names())
    labels = draw(values.label_sets(max_size=2))
    if draw(st.booleans()):
        labels["kubernetes.io/metadata.name"] = name
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata(name, labels=labels)}


@st.composite
def serviceaccounts(draw: st.DrawFn, namespace: str | None = None, name: str | None = None) -> Obj:
    """A ServiceAccount (`default` first): sometimes automountServiceAccountToken, sometimes an image
    pull secret."""
    sa: Obj = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata(
        name or draw(st.one_of(st.just("default"), values.dns_labels())), draw(namespace_or_drawn(namespace)))}
    if draw(st.booleans()):
        sa["automountServiceAccountToken"] = draw(st.booleans())
    if draw(st.booleans()):
        sa["imagePullSecrets"] = [{"name": "registry"}]
    return sa


# --- Service ------------------------------------------------------------------------------------
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "Headless")


@st.composite
def _service_ports(draw: st.DrawFn) -> list[Obj]:
    """1-2 ports, unique by port and protocol, each named when there are two (validation wants that);
    targetPort absent (the port), a number, or a container port's name."""
    count = draw(st.integers(1, 2))
    numbers = draw(st.lists(st.sampled_from(PORT_NUMBERS), min_size=count, max_size=count, unique=True))
    names = draw(st.permutations(PORT_NAMES))
    ports = []
    for number, name in zip(numbers, names, strict=False):
        port: Obj = {"port": number}
        if count > 1 or draw(st.booleans()):
            port["name"] = name
        protocol = draw(st.sampled_from((None, *PROTOCOLS)))
        if protocol is not None:
            port["protocol"] = protocol
        target = draw(st.sampled_from(("absent", "number", "name")))
        if target == "number":
            port["targetPort"] = draw(st.sampled_from(PORT_NUMBERS))
        elif target == "name":
            port["targetPort"] = draw(st.sampled_from(PORT_NAMES))
        ports.append(port)
    return ports


@st.composite
def services(draw: st.DrawFn, namespace: str | None = None, name: str | None = None,
             selector: dict[str, str] | None = None) -> Obj:
    """A Service of each type (ClusterIP, NodePort, LoadBalancer, headless), its selector `selector`, or
    drawn, or (sometimes, when not given) none: a service without selector whose endpoints are managed by
    hand; 1-2 ports with numeric or named target ports."""
    kind = draw(st.sampled_from(SERVICE_TYPES))
    spec: Obj = {"ports": draw(_service_ports())}
    if kind == "Headless":
        spec["clusterIP"] = "None"
    elif kind != "ClusterIP" or draw(st.booleans()):
        spec["type"] = kind
    chosen = selector if selector is not None else draw(st.one_of(values.label_sets(1, 2), st.none()))
    if chosen:
        spec["selector"] = chosen
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": metadata(name or draw(values.dns1035_labels(15)), draw(namespace_or_drawn(namespace))),
            "spec": spec}


# --- LimitRange ---------------------------------------------------------------------------------
RATIOS = {"1": 1000, "2": 2000, "1500m": 1500, "4": 4000, "10": 10000}  # in thousandths
LIMIT_TYPES = ("Container", "Pod", "PersistentVolumeClaim")


@st.composite
def _bounds(draw: st.DrawFn, resource: str, fields: tuple[str, ...]) -> dict[str, int]:
    """Some of `fields` (given in the order min, defaultRequest, default, max) with nondecreasing amounts."""
    chosen = [f for f in fields if draw(st.integers(0, 2)) == 0]
    amounts = sorted(draw(st.lists(values.amounts(resource), min_size=len(chosen), max_size=len(chosen))))
    return dict(zip(chosen, amounts, strict=True))


@st.composite
def limitrange_items(draw: st.DrawFn, type_: str) -> Obj:
    """One item of `type_` ("Container", "Pod" or "PersistentVolumeClaim"), valid as ValidateLimitRange
    wants: min <= defaultRequest <= default <= max per resource, defaults only on Container items, a
    maxLimitRequestRatio of at least 1 and at most max/min, a min or max of storage on a PVC item."""
    item: Obj = {"type": type_}
    if type_ == "PersistentVolumeClaim":
        bounds = draw(_bounds("storage", ("min", "max"))) or {"max": draw(values.amounts("storage"))}
        for field, amount in bounds.items():
            item[field] = {"storage": draw(values.quantity_text("storage", amount))}
        return item
    fields = ("min", "defaultRequest", "default", "max") if type_ == "Container" else ("min", "max")
    for resource in RESOURCES:
        bounds = draw(_bounds(resource, fields))
        for field, amount in bounds.items():
            item.setdefault(field, {})[resource] = draw(values.quantity_text(resource, amount))
        if draw(st.integers(0, 3)) == 0:
            ratio = draw(st.sampled_from(list(RATIOS)))
            if "min" not in bounds or "max" not in bounds or RATIOS[ratio] * bounds["min"] <= 1000 * bounds["max"]:
                item.setdefault("maxLimitRequestRatio", {})[resource] = ratio
    return item


@st.composite
def limitranges(draw: st.DrawFn, namespace: str | None = None, name: str | None = None) -> Obj:
    """A LimitRange with 1-3 items of distinct types (validation forbids two of one type): Container
    items with min, max, default, defaultRequest and ratios; Pod items with min, max and ratios; PVC
    items with storage bounds."""
    types = draw(st.lists(st.sampled_from(LIMIT_TYPES), min_size=1, max_size=3, unique=True))
    return {"apiVersion": "v1", "kind": "LimitRange",
            "metadata": metadata(name or draw(values.dns_labels()), draw(namespace_or_drawn(namespace))),
            "spec": {"limits": [draw(limitrange_items(t)) for t in types]}}


@st.composite
def limitrange_lists(draw: st.DrawFn, namespace: str | None = None) -> list[Obj]:
    """The LimitRanges of one namespace, as admission takes them: 0-2, names distinct, all in `namespace`
    or in one drawn namespace."""
    ns = draw(namespace_or_drawn(namespace))
    return [draw(limitranges(ns, f"limits-{i}" if i else "limits")) for i in range(draw(st.integers(0, 2)))]


# --- ResourceQuota ------------------------------------------------------------------------------
COMPUTE = ("pods", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "cpu", "memory")
OBJECT_COUNTS = ("services", "configmaps", "secrets", "persistentvolumeclaims", "count/deployments.apps")
STORAGE = ("requests.storage",)
# Scopes that apply to pod compute resources only, and BestEffort, which applies to `pods` only.
COMPUTE_SCOPES = ((), ("NotTerminating",), ("Terminating",), ("NotBestEffort",), ("NotBestEffort", "NotTerminating"))
PRIORITY_CLASSES = ("high", "low")


def _quota_text(name: str, amount: int) -> st.SearchStrategy[str]:
    """An amount of a quota resource: cpu and memory in any spelling, counts as whole numbers."""
    if name.endswith("cpu"):
        return values.quantity_text("cpu", amount)
    if name.endswith(("memory", "storage")):
        return values.quantity_text("memory", amount)
    return st.just(str(amount))


def _quota_amounts(name: str) -> st.SearchStrategy[int]:
    if name.endswith(("cpu", "memory", "storage")):
        unit = "cpu" if name.endswith("cpu") else "memory"
        return values.amounts(unit).map(lambda a: a * 4)
    return st.integers(0, 20)


@st.composite
def _scopes(draw: st.DrawFn, names: list[str]) -> Obj:
    """spec.scopes or spec.scopeSelector suiting `names` (IsResourceQuotaScopeValidForResource), or neither."""
    if names == ["pods"] and draw(st.integers(0, 3)) == 0:
        return {"scopes": ["BestEffort"]}
    if not set(names) <= set(COMPUTE):
        return {}
    shape = draw(st.sampled_from(("none", "scopes", "selector")))
    if shape == "scopes":
        scopes = draw(st.sampled_from(COMPUTE_SCOPES))
        return {"scopes": list(scopes)} if scopes else {}
    if shape == "selector":
        expression = draw(st.sampled_from((
            {"scopeName": "PriorityClass", "operator": "In", "values": list(PRIORITY_CLASSES[:1])},
            {"scopeName": "PriorityClass", "operator": "NotIn", "values": list(PRIORITY_CLASSES)},
            {"scopeName": "PriorityClass", "operator": "Exists"},
            {"scopeName": "NotTerminating", "operator": "Exists"},
        )))
        return {"scopeSelector": {"matchExpressions": [expression]}}
    return {}


@st.composite
def resourcequotas(draw: st.DrawFn, namespace: str | None = None, name: str | None = None) -> Obj:
    """A ResourceQuota: 1-4 hard limits (compute, object counts, storage, a count/<resource>); scopes or a
    scopeSelector that suit them; a status as the quota controller leaves it (status.hard = spec.hard and
    some usage within hard), or over hard (usage admitted before the quota shrank), or no status yet."""
    names = draw(st.lists(st.sampled_from(COMPUTE + OBJECT_COUNTS + STORAGE), min_size=1, max_size=4, unique=True))
    hard_amounts = {n: draw(_quota_amounts(n)) for n in names}
    hard = {n: draw(_quota_text(n, a)) for n, a in hard_amounts.items()}
    quota: Obj = {"apiVersion": "v1", "kind": "ResourceQuota",
                  "metadata": metadata(name or draw(values.dns_labels()), draw(namespace_or_drawn(namespace))),
                  "spec": {"hard": hard, **draw(_scopes(names))}}
    usage = draw(st.sampled_from(("none", "within", "over")))
    if usage != "none":
        used = {n: draw(st.integers(0, a)) if usage == "within" else a + draw(st.integers(1, 3)) * (a // 4 or 1)
                for n, a in hard_amounts.items()}
        quota["status"] = {"hard": dict(hard), "used": {n: draw(_quota_text(n, u)) for n, u in used.items()}}
    return quota


@st.composite
def resourcequota_lists(draw: st.DrawFn, namespace: str | None = None) -> list[Obj]:
    """The ResourceQuotas of one namespace, as admission takes them: 0-2, names distinct."""
    ns = draw(namespace_or_drawn(namespace))
    return [draw(resourcequotas(ns, f"quota-{i}" if i else "quota")) for i in range(draw(st.integers(0, 2)))]


# --- NetworkPolicy ------------------------------------------------------------------------------
# CIDRs with excepts strictly inside them, IPv4 and IPv6.
CIDRS = {
    "10.0.0.0/16": ("10.0.1.0/24", "10.0.2.0/23"),
    "10.0.0.0/24": ("10.0.0.0/28", "10.0.0.1/32"),
    "10.0.1.1/32": (),
    "0.0.0.0/0": ("10.0.0.0/8", "169.254.169.254/32"),
    "192.168.0.0/16": ("192.168.1.0/24",),
    "2001:db8::/32": ("2001:db8:1::/48",),
}
POLICY_TYPES = (None, ("Ingress",), ("Egress",), ("Ingress", "Egress"))


@st.composite
def ip_blocks(draw: st.DrawFn) -> Obj:
    """An ipBlock: a CIDR (IPv4 or IPv6), sometimes with excepts strictly inside it."""
    cidr = draw(st.sampled_from(sorted(CIDRS)))
    block: Obj = {"cidr": cidr}
    excepts = draw(st.lists(st.sampled_from(CIDRS[cidr]), unique=True, max_size=2)) if CIDRS[cidr] else []
    if excepts:
        block["except"] = excepts
    return block


def _selector(pod_labels: Sequence[dict[str, str]]) -> st.SearchStrategy[Obj]:
    """A selector of one of the given label sets (so that it selects a known pod), or any selector."""
    if pod_labels:
        return st.one_of(st.sampled_from(list(pod_labels)).flatmap(values.selectors), values.selectors())
    return values.selectors()


@st.composite
def peers(draw: st.DrawFn, pod_labels: Sequence[dict[str, str]] = (),
          namespace_labels: Sequence[dict[str, str]] = ()) -> Obj:
    """A peer: a podSelector, a namespaceSelector, both in one peer (pods in the selected namespaces),
    or an ipBlock. Given the labels of pods and namespaces, selectors often select some of them."""
    shape = draw(st.sampled_from(("pod", "namespace", "both", "ipBlock")))
    if shape == "ipBlock":
        return {"ipBlock": draw(ip_blocks())}
    out: Obj = {}
    if shape in ("pod", "both"):
        out["podSelector"] = draw(_selector(pod_labels))
    if shape in ("namespace", "both"):
        out["namespaceSelector"] = draw(_selector(namespace_labels))
    return out


@st.composite
def policy_ports(draw: st.DrawFn) -> Obj:
    """A NetworkPolicyPort: a number, a container port's name, a range (port and endPort), or none (every
    port); a protocol sometimes."""
    shape = draw(st.sampled_from(("number", "name", "range", "none")))
    out: Obj = {}
    if draw(st.booleans()):
        out["protocol"] = draw(st.sampled_from(PROTOCOLS))
    if shape == "name":
        out["port"] = draw(st.sampled_from(PORT_NAMES))
    elif shape != "none":
        out["port"] = draw(st.sampled_from(PORT_NUMBERS))
        if shape == "range":
            out["endPort"] = min(out["port"] + draw(st.integers(0, 100)), 65535)
    return out


def _absent_empty_or(element: st.SearchStrategy[Obj]) -> st.SearchStrategy[list[Obj] | None]:
    """Absent, empty (for peers and ports: everything) or 1-2 elements."""
    return st.one_of(st.none(), st.just([]), st.lists(element, min_size=1, max_size=2))


@st.composite
def _policy_rules(draw: st.DrawFn, peers_key: str, pod_labels: Sequence[dict[str, str]],
                  namespace_labels: Sequence[dict[str, str]]) -> Obj:
    out: Obj = {}
    for key, element in ((peers_key, peers(pod_labels, namespace_labels)), ("ports", policy_ports())):
        chosen = draw(_absent_empty_or(element))
        if chosen is not None:
            out[key] = chosen
    return out


@st.composite
def networkpolicies(draw: st.DrawFn, namespace: str | None = None, name: str | None = None,
                    pod_labels: Sequence[dict[str, str]] = (), namespace_labels: Sequence[dict[str, str]] = ()) -> Obj:
    """A NetworkPolicy: a podSelector (empty: every pod of the namespace); policyTypes absent or any of
    Ingress, Egress, both; ingress and egress rules absent, empty (deny all) or 1-2 rules, each with
    peers and ports absent, empty (everything) or listed (see `peers`, `policy_ports`). Given the labels
    of pods and namespaces, the selectors often select some of them."""
    spec: Obj = {"podSelector": draw(_selector(pod_labels))}
    types = draw(st.sampled_from(POLICY_TYPES))
    if types is not None:
        spec["policyTypes"] = list(types)
    for key, peers_key in (("ingress", "from"), ("egress", "to")):
        rules = draw(_absent_empty_or(_policy_rules(peers_key, pod_labels, namespace_labels)))
        if rules is not None:
            spec[key] = rules
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": metadata(name or draw(values.dns_labels()), draw(namespace_or_drawn(namespace))),
            "spec": spec}
