"""The objects around workloads: Service, Namespace, ServiceAccount, LimitRange, ResourceQuota and
NetworkPolicy, one manifest at a time.

Each is valid by construction against the JSON Schemas and upstream's validation: names are DNS names,
the values within a LimitRange item are ordered, a quota's scopes suit its resources, an ipBlock's
excepts lie inside its cidr. Fields the API leaves optional are often left out, which is also where
shrinking goes. A LimitRange's items, a quota's hard names and the objects of a namespace's list are drawn
as lists (`st.lists`), so that shrinking can delete any of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

from hypothesis import strategies as st

from . import values
from .choices import one_in, pick
from .meta import Obj, metadata, namespace_or_drawn
from .workload import PORT_NAMES, PORT_NUMBERS, PROTOCOLS, RESOURCES


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


_ACCOUNT_NAMES = st.sampled_from(("default", "builder", "ci-bot", "x1", "9-runner"))


@st.composite
def serviceaccounts(draw: st.DrawFn, namespace: str | None = None, name: str | None = None) -> Obj:
    """A ServiceAccount (`default` first): sometimes automountServiceAccountToken, sometimes an image
    pull secret."""
    sa: Obj = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata(
        name or draw(_ACCOUNT_NAMES), draw(namespace_or_drawn(namespace)))}
    if draw(st.booleans()):
        sa["automountServiceAccountToken"] = draw(st.booleans())
    if draw(st.booleans()):
        sa["imagePullSecrets"] = [{"name": "registry"}]
    return sa


# --- Service ------------------------------------------------------------------------------------
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "Headless")


def _service_ports(draw: st.DrawFn) -> list[Obj]:
    """1-2 ports, unique by port and protocol, each named when there are two (validation wants that);
    targetPort absent (the port), a number, or a container port's name."""
    count = draw(st.integers(1, 2))
    numbers = draw(st.lists(st.sampled_from(PORT_NUMBERS), min_size=count, max_size=count, unique=True))
    ports = []
    for number, name in zip(numbers, PORT_NAMES, strict=False):
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
    explicit = draw(st.booleans())  # drawn for every type, so that shrinking finds the plain ClusterIP simplest
    spec: Obj = {"ports": _service_ports(draw)}
    if kind == "Headless":
        spec["clusterIP"] = "None"
    elif explicit or kind != "ClusterIP":
        spec["type"] = kind
    if selector is None:
        drawn = draw(values.label_sets(1, 2))  # drawn either way, so that shrinking keeps a selector
        selector = None if one_in(draw, 4) else drawn
    if selector:
        spec["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": metadata(name or draw(values.dns1035_labels(15)), draw(namespace_or_drawn(namespace))),
            "spec": spec}


# --- LimitRange ---------------------------------------------------------------------------------
RATIOS = {"1": 1000, "2": 2000, "1500m": 1500, "4": 4000, "10": 10000}  # in thousandths
LIMIT_TYPES = ("Container", "Pod", "PersistentVolumeClaim")


def _bounds(draw: st.DrawFn, resource: str, fields: tuple[str, ...]) -> dict[str, int]:
    """Some of `fields` (given in the order min, defaultRequest, default, max) with nondecreasing amounts."""
    chosen = [f for f in fields if one_in(draw, 3)]
    amounts = sorted(draw(values.amounts(resource)) for _ in chosen)
    return dict(zip(chosen, amounts, strict=True))


@st.composite
def _limitrange_item(draw: st.DrawFn) -> Obj:
    """One item of a type ("Container", "Pod" or "PersistentVolumeClaim"), valid as ValidateLimitRange
    wants: min <= defaultRequest <= default <= max per resource, defaults only on Container items, a
    maxLimitRequestRatio of at least 1 and at most max/min, a min or max of storage on a PVC item."""
    type_ = draw(st.sampled_from(LIMIT_TYPES))
    item: Obj = {"type": type_}
    if type_ == "PersistentVolumeClaim":
        bounds = _bounds(draw, "storage", ("min", "max")) or {"max": draw(values.amounts("storage"))}
        for field, amount in bounds.items():
            item[field] = {"storage": values.spell(draw, "storage", amount)}
        return item
    fields = ("min", "defaultRequest", "default", "max") if type_ == "Container" else ("min", "max")
    for resource in RESOURCES:
        bounds = _bounds(draw, resource, fields)
        for field, amount in bounds.items():
            item.setdefault(field, {})[resource] = values.spell(draw, resource, amount)
        if one_in(draw, 4):
            ratio = draw(st.sampled_from(tuple(RATIOS)))
            if "min" not in bounds or "max" not in bounds or RATIOS[ratio] * bounds["min"] <= 1000 * bounds["max"]:
                item.setdefault("maxLimitRequestRatio", {})[resource] = ratio
    return item


@st.composite
def limitranges(draw: st.DrawFn, namespace: str | None = None, name: str | None = None) -> Obj:
    """A LimitRange with 1-3 items of distinct types (validation forbids two of one type): Container
    items with min, max, default, defaultRequest and ratios; Pod items with min, max and ratios; PVC
    items with storage bounds."""
    items = draw(_LIMITRANGE_ITEMS)
    return {"apiVersion": "v1", "kind": "LimitRange",
            "metadata": metadata(name or draw(values.dns_labels()), draw(namespace_or_drawn(namespace))),
            "spec": {"limits": items}}


_LIMITRANGE_ITEMS = st.lists(_limitrange_item(), min_size=1, max_size=3, unique_by=lambda item: item["type"])
MOST_OBJECTS = 8  # the most a namespace's list of LimitRanges or ResourceQuotas may be asked to hold


def _least(min_size: int) -> int:
    if type(min_size) is not int or not 0 <= min_size <= MOST_OBJECTS:
        raise ValueError(f"min_size must be an int from 0 to {MOST_OBJECTS}, not {min_size!r}")
    return min_size


def _named(objs: list[Obj], stem: str) -> list[Obj]:
    """The objects named `stem`, `stem-1`, `stem-2`, ... in order (distinct, whatever shrinking deletes)."""
    for i, obj in enumerate(objs):
        obj["metadata"]["name"] = f"{stem}-{i}" if i else stem
    return objs


@cache
def _limitrange_list(namespace: str, min_size: int) -> st.SearchStrategy[list[Obj]]:
    return st.lists(limitranges(namespace, "limits"), min_size=min_size, max_size=max(2, min_size))


@st.composite
def limitrange_lists(draw: st.DrawFn, namespace: str | None = None, min_size: int = 0) -> list[Obj]:
    """The LimitRanges of one namespace, as admission takes them: `min_size` (default 0) to 2 (or
    `min_size`, when more), names distinct (`limits`, `limits-1`, ...), all in `namespace` or in one drawn
    namespace."""
    least = _least(min_size)
    ns = draw(namespace_or_drawn(namespace))
    return _named(draw(_limitrange_list(ns, least)), "limits")


# --- ResourceQuota ------------------------------------------------------------------------------
COMPUTE = ("pods", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "cpu", "memory")
OBJECT_COUNTS = ("services", "configmaps", "secrets", "persistentvolumeclaims", "count/deployments.apps")
STORAGE = ("requests.storage",)
# Scopes that apply to pod compute resources only, and BestEffort, which applies to `pods` only.
COMPUTE_SCOPES = ((), ("NotTerminating",), ("Terminating",), ("NotBestEffort",), ("NotBestEffort", "NotTerminating"))
PRIORITY_CLASSES = ("high", "low")


def _quota_text(draw: st.DrawFn, name: str, amount: int) -> str:
    """An amount of a quota resource: cpu and memory in any spelling, counts as whole numbers."""
    if name.endswith("cpu"):
        return values.spell(draw, "cpu", amount)
    if name.endswith(("memory", "storage")):
        return values.spell(draw, "memory", amount)
    return str(amount)


def _quota_amount(draw: st.DrawFn, name: str) -> int:
    """Room for a few containers' worth of cpu or memory (four times an amount: whole millicores, even
    for the amounts below a millicore's precision); up to 20 objects of a count."""
    if name.endswith(("cpu", "memory", "storage")):
        return int(draw(values.amounts("cpu" if name.endswith("cpu") else "memory")) * 4)
    return draw(st.integers(0, 20))


def _scopes(draw: st.DrawFn, names: list[str]) -> Obj:
    """spec.scopes or spec.scopeSelector suiting `names` (IsResourceQuotaScopeValidForResource), or neither."""
    if names == ["pods"] and one_in(draw, 4):
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


USAGES = {None: ("none", "within", "over"), True: ("within", "over"), False: ("none",)}


@cache
def _hard_entries(usage: str) -> st.SearchStrategy[list[tuple[str, str, str | None]]]:
    """1-4 (name, hard, used) of distinct names, each drawn whole (so that shrinking deletes one with its
    amounts): used None under usage "none", some usage within hard, or over it."""

    @st.composite
    def entry(draw: st.DrawFn) -> tuple[str, str, str | None]:
        name = draw(st.sampled_from(COMPUTE + OBJECT_COUNTS + STORAGE))
        amount = _quota_amount(draw, name)
        hard = _quota_text(draw, name, amount)
        if usage == "none":
            return name, hard, None
        used = draw(st.integers(0, amount)) if usage == "within" else \
            amount + draw(st.integers(1, 3)) * (amount // 4 or 1)
        return name, hard, _quota_text(draw, name, used)

    return st.lists(entry(), min_size=1, max_size=4, unique_by=lambda e: e[0])


@st.composite
def resourcequotas(draw: st.DrawFn, namespace: str | None = None, name: str | None = None,
                   status: bool | None = None) -> Obj:
    """A ResourceQuota: 1-4 hard limits (compute, object counts, storage, a count/<resource>); scopes or a
    scopeSelector that suit them; a status as the quota controller leaves it (status.hard = spec.hard and
    some usage within hard), or over hard (usage admitted before the quota shrank), or no status yet.
    `status`: True, always a status (within or over hard); False, never; None (default), any of the three."""
    if status not in USAGES:
        raise ValueError(f"status must be true, false or absent, not {status!r}")
    usage = draw(st.sampled_from(USAGES[status]))
    entries = draw(_hard_entries(usage))
    names = [n for n, _, _ in entries]
    hard = {n: h for n, h, _ in entries}
    quota: Obj = {"apiVersion": "v1", "kind": "ResourceQuota",
                  "metadata": metadata(name or draw(values.dns_labels()), draw(namespace_or_drawn(namespace))),
                  "spec": {"hard": hard, **_scopes(draw, names)}}
    if usage != "none":
        quota["status"] = {"hard": dict(hard), "used": {n: u for n, _, u in entries}}
    return quota


@cache
def _resourcequota_list(namespace: str, status: bool | None, min_size: int) -> st.SearchStrategy[list[Obj]]:
    return st.lists(resourcequotas(namespace, "quota", status), min_size=min_size, max_size=max(2, min_size))


@st.composite
def resourcequota_lists(draw: st.DrawFn, namespace: str | None = None, status: bool | None = None,
                        min_size: int = 0) -> list[Obj]:
    """The ResourceQuotas of one namespace, as admission takes them: `min_size` (default 0) to 2 (or
    `min_size`, when more), names distinct (`quota`, `quota-1`, ...), all in `namespace` or in one drawn
    namespace. `status` as for `resourcequotas`: True, every quota has status.hard and status.used."""
    least = _least(min_size)
    ns = draw(namespace_or_drawn(namespace))
    return _named(draw(_resourcequota_list(ns, status, least)), "quota")


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


def _ip_block(draw: st.DrawFn) -> Obj:
    """An ipBlock: a CIDR (IPv4 or IPv6), sometimes with excepts strictly inside it."""
    cidr = draw(st.sampled_from(tuple(CIDRS)))
    block: Obj = {"cidr": cidr}
    excepts = [e for e in CIDRS[cidr] if draw(st.booleans())]
    if excepts:
        block["except"] = excepts
    return block


def _selector(draw: st.DrawFn, labels: Sequence[dict[str, str]]) -> Obj:
    """A selector of one of the given label sets (so that it selects a known pod or namespace), or any."""
    if labels and draw(st.booleans()):
        return values.selector_of(draw, pick(draw, labels))
    return values.selector_of(draw)


class _Vocabulary:
    """The labels of the pods and namespaces a policy's selectors aim at (none: any selector)."""

    def __init__(self, pod_labels: Sequence[dict[str, str]], namespace_labels: Sequence[dict[str, str]]) -> None:
        self.pods, self.namespaces = tuple(pod_labels), tuple(namespace_labels)

    def peer(self, draw: st.DrawFn) -> Obj:
        """A peer: a podSelector, a namespaceSelector, both in one peer (pods in the selected namespaces),
        or an ipBlock."""
        shape = draw(st.sampled_from(("pod", "namespace", "both", "ipBlock")))
        if shape == "ipBlock":
            return {"ipBlock": _ip_block(draw)}
        out: Obj = {}
        if shape in ("pod", "both"):
            out["podSelector"] = _selector(draw, self.pods)
        if shape in ("namespace", "both"):
            out["namespaceSelector"] = _selector(draw, self.namespaces)
        return out

    def rule(self, draw: st.DrawFn, peers_key: str) -> Obj:
        """An ingress (peers under `from`) or egress (`to`) rule: peers and ports absent, empty or listed."""
        out: Obj = {}
        for key, element in ((peers_key, self.peer), ("ports", _policy_port)):
            chosen = _absent_empty_or(draw, element)
            if chosen is not None:
                out[key] = chosen
        return out


def _policy_port(draw: st.DrawFn) -> Obj:
    """A NetworkPolicyPort: a number, a container port's name, a range (port and endPort), or none (every
    port); a protocol sometimes."""
    shape = draw(st.sampled_from(("number", "name", "range", "none")))
    protocol = draw(st.sampled_from((None, *PROTOCOLS)))
    out: Obj = {} if protocol is None else {"protocol": protocol}
    if shape == "name":
        out["port"] = draw(st.sampled_from(PORT_NAMES))
    elif shape != "none":
        out["port"] = draw(st.sampled_from(PORT_NUMBERS))
        if shape == "range":
            out["endPort"] = min(out["port"] + draw(st.integers(0, 100)), 65535)
    return out


def _absent_empty_or(draw: st.DrawFn, element: Callable[[st.DrawFn], Obj]) -> list[Obj] | None:
    """Absent, empty (for rules: none allowed; for peers and ports: everything) or 1-2 elements."""
    shape = draw(st.sampled_from(("absent", "empty", "listed")))
    if shape == "absent":
        return None
    return [element(draw) for _ in range(draw(st.integers(1, 2)))] if shape == "listed" else []


@st.composite
def networkpolicies(draw: st.DrawFn, namespace: str | None = None, name: str | None = None,
                    pod_labels: Sequence[dict[str, str]] = (), namespace_labels: Sequence[dict[str, str]] = ()) -> Obj:
    """A NetworkPolicy: a podSelector (empty: every pod of the namespace); policyTypes absent or any of
    Ingress, Egress, both; ingress and egress rules absent, empty (deny all) or 1-2 rules, each with
    peers and ports absent, empty (everything) or listed. A peer is a podSelector, a namespaceSelector,
    both in one peer, or an ipBlock (IPv4 or IPv6, sometimes with excepts); a port a number, a named
    port, a range with endPort, or only a protocol. Given the labels of pods and namespaces, selectors
    often select some of them."""
    vocabulary = _Vocabulary(pod_labels, namespace_labels)
    spec: Obj = {"podSelector": _selector(draw, vocabulary.pods)}
    types = draw(st.sampled_from(POLICY_TYPES))
    if types is not None:
        spec["policyTypes"] = list(types)
    for key, peers_key in (("ingress", "from"), ("egress", "to")):
        rules = _absent_empty_or(draw, lambda d, k=peers_key: vocabulary.rule(d, k))
        if rules is not None:
            spec[key] = rules
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": metadata(name or draw(values.dns_labels()), draw(namespace_or_drawn(namespace))),
            "spec": spec}
