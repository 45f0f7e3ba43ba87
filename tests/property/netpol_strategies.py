"""Hypothesis strategies for small NetworkPolicy snapshots: namespaces, pods and policies.

Every value comes from a small vocabulary (three namespaces, two pod label
keys with three values, three port names, a dozen port numbers, a handful of
CIDRs inside 10.0.0.0/16), so that selectors select, peers match and rule
ports meet container ports often: a property about who may connect says
nothing when every policy misses every pod.

The snapshots are what the apiserver would accept: names are unique per
kind and namespace, a pod's port names and (number, protocol) pairs are
unique, `endPort` comes only with a numeric `port` and is not below it, a
peer is either an ipBlock or selectors, and an ipBlock's `except` entries
lie inside its `cidr`. `partition`, at the end, is a small transcription of
upstream semantics that the tests use as an oracle apart from the rules.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

Obj = dict[str, Any]

NETPOL_API = "networking.k8s.io/v1"
PROTOCOLS = ("TCP", "UDP", "SCTP")
ALL_NAMESPACES = ("alpha", "beta", "gamma")
NAMESPACE_LABELS = {"team": ("red", "blue"), "env": ("prod", "dev")}
# namespaceSelectors also use the label the apiserver puts on every namespace (never written by hand here).
NAMESPACE_SELECTOR_LABELS = {**NAMESPACE_LABELS, "kubernetes.io/metadata.name": ALL_NAMESPACES}
POD_LABELS = {"app": ("web", "db", "api"), "tier": ("front", "back")}
PORT_NAMES = ("http", "dns", "metrics")
# Numbers close together (8080/8081, 9000..9003) so that endPort ranges cover some container ports and not others,
# and both ends of the port space, where the runs of allowed ports start and stop.
PORT_NUMBERS = (1, 53, 80, 443, 5432, 8080, 8081, 9000, 9001, 9002, 9003, 65533, 65535)
# CIDRs that contain some pod IPs (all are in 10.0.0.0/22) and not others, with excepts strictly inside.
CIDRS = {
    "10.0.0.0/16": ("10.0.1.0/24", "10.0.2.0/23"),
    "10.0.0.0/23": ("10.0.1.0/24", "10.0.0.0/25"),
    "10.0.1.0/24": ("10.0.1.0/25", "10.0.1.128/26"),
    "10.0.0.0/24": ("10.0.0.0/28", "10.0.0.1/32"),
    "10.0.0.1/32": (),
    "10.0.1.1/32": (),
    "0.0.0.0/0": ("10.0.0.0/16", "10.0.2.0/24"),
    "192.168.0.0/16": ("192.168.1.0/24",),
}
# Addresses outside the cluster's pods, to ask about as endpoints `{"ip": ...}`.
EXTERNAL_IPS = ("10.0.3.7", "192.168.1.9", "8.8.8.8")


@dataclass
class Snapshot:
    """A cluster as the properties need it: the endpoints as `reach` takes them, and the objects."""

    namespaces: list[Obj]
    pods: list[Obj]
    policies: list[Obj]
    externals: list[Obj] = field(default_factory=list)

    def objects(self) -> list[Obj]:
        """What `ClusterView` is given: the Namespaces and the NetworkPolicies (pods are not asked for)."""
        return [*self.namespaces, *self.policies]

    def endpoints(self) -> list[Obj]:
        """The pods as endpoints of `reach` (namespace, name, labels, ip, hostNetwork, containers)."""
        return [endpoint(p) for p in self.pods]

    def manifests(self) -> list[Obj]:
        """Every object as a manifest file would hold it: Namespaces, Pods, NetworkPolicies."""
        return [*self.namespaces, *self.pods, *self.policies]


def endpoint(pod: Obj) -> Obj:
    """A Pod manifest as the endpoint `reach` takes (what `networkpolicy.endpoint` makes of it)."""
    meta, spec = pod["metadata"], pod["spec"]
    return {"namespace": meta["namespace"], "name": meta["name"], "labels": meta.get("labels", {}),
            "ip": pod["status"]["podIP"], "hostNetwork": spec.get("hostNetwork", False),
            "containers": [{"ports": c.get("ports", [])} for c in spec["containers"]]}


# --- namespaces and pods ---------------------------------------------------------------------
def labels(vocabulary: dict[str, tuple[str, ...]], max_size: int = 2) -> st.SearchStrategy[dict[str, str]]:
    """Some keys of the vocabulary, each with one of its values."""
    keys = st.lists(st.sampled_from(sorted(vocabulary)), unique=True, max_size=max_size)
    return keys.flatmap(lambda ks: st.fixed_dictionaries({k: st.sampled_from(vocabulary[k]) for k in ks}))


@st.composite
def container_ports(draw: st.DrawFn) -> list[Obj]:
    """1-2 ports of one pod, named or not, unique by name and by (number, protocol) as validation wants."""
    count = draw(st.integers(1, 2))
    numbers = draw(st.lists(st.sampled_from(PORT_NUMBERS), min_size=count, max_size=count, unique=True))
    names = draw(st.lists(st.sampled_from(PORT_NAMES), min_size=count, max_size=count, unique=True))
    ports = []
    for number, name in zip(numbers, names, strict=True):
        port: Obj = {"containerPort": number}
        protocol = draw(st.sampled_from((None, *PROTOCOLS)))
        if protocol is not None:  # absent means TCP
            port["protocol"] = protocol
        if draw(st.booleans()):
            port["name"] = name
        ports.append(port)
    return ports


@st.composite
def pod(draw: st.DrawFn, namespace: str, name: str, ip: str) -> Obj:
    """A Pod with labels, its ports in one or two containers, sometimes on the host network."""
    ports = draw(container_ports())
    split = draw(st.integers(1, len(ports))) if len(ports) > 1 and draw(st.booleans()) else len(ports)
    groups = [ports[:split], ports[split:]] if split < len(ports) else [ports]
    containers = [{"name": f"c{i}", "image": "nginx", "ports": group} for i, group in enumerate(groups)]
    spec: Obj = {"containers": containers}
    if draw(st.integers(0, 4)) == 0:
        spec["hostNetwork"] = True
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"namespace": namespace, "name": name, "labels": draw(labels(POD_LABELS))},
            "spec": spec, "status": {"podIP": ip}}


# --- selectors -----------------------------------------------------------------------------
@st.composite
def selector(draw: st.DrawFn, vocabulary: dict[str, tuple[str, ...]]) -> Obj:
    """A LabelSelector: often empty (everything), else matchLabels and/or matchExpressions of every operator."""
    if draw(st.integers(0, 2)) == 0:
        return {}
    out: Obj = {}
    match_labels = draw(labels(vocabulary, max_size=1))
    if match_labels:
        out["matchLabels"] = match_labels
    expressions = []
    for key in draw(st.lists(st.sampled_from(sorted(vocabulary)), unique=True, max_size=1)):
        operator = draw(st.sampled_from(("In", "NotIn", "Exists", "DoesNotExist")))
        expression: Obj = {"key": key, "operator": operator}
        if operator in ("In", "NotIn"):
            expression["values"] = draw(st.lists(st.sampled_from(vocabulary[key]), min_size=1, max_size=2,
                                                 unique=True))
        expressions.append(expression)
    if expressions:
        out["matchExpressions"] = expressions
    return out


# --- policies ------------------------------------------------------------------------------
@st.composite
def peer(draw: st.DrawFn) -> Obj:
    """A peer of a rule: podSelector, namespaceSelector, both in one peer (an AND), or an ipBlock."""
    shape = draw(st.sampled_from(("pod", "namespace", "both", "ipBlock")))
    if shape == "ipBlock":
        cidr = draw(st.sampled_from(sorted(CIDRS)))
        block: Obj = {"cidr": cidr}
        excepts = draw(st.lists(st.sampled_from(CIDRS[cidr]), unique=True, max_size=2)) if CIDRS[cidr] else []
        if excepts:
            block["except"] = excepts
        return {"ipBlock": block}
    out: Obj = {}
    if shape in ("pod", "both"):
        out["podSelector"] = draw(selector(POD_LABELS))
    if shape in ("namespace", "both"):
        out["namespaceSelector"] = draw(selector(NAMESPACE_SELECTOR_LABELS))
    return out


@st.composite
def rule_port(draw: st.DrawFn) -> Obj:
    """A NetworkPolicyPort: a number, a name, a number with endPort, or none (every port of the protocol,
    TCP when that is absent too); protocol sometimes."""
    shape = draw(st.sampled_from(("number", "name", "range", "none")))
    out: Obj = {}
    if draw(st.booleans()):
        out["protocol"] = draw(st.sampled_from(PROTOCOLS))
    if shape == "number":
        out["port"] = draw(st.sampled_from(PORT_NUMBERS))
    elif shape == "name":
        out["port"] = draw(st.sampled_from(PORT_NAMES))
    elif shape == "range":
        out["port"] = draw(st.sampled_from(PORT_NUMBERS))
        out["endPort"] = min(out["port"] + draw(st.integers(0, 4)), 65535)
    return out


def optional_list(element: st.SearchStrategy[Obj], max_size: int = 2) -> st.SearchStrategy[list[Obj] | None]:
    """Absent, empty (which means "everything" for peers and ports) or a short list."""
    return st.one_of(st.none(), st.lists(element, max_size=max_size))


@st.composite
def rule(draw: st.DrawFn, peers_key: str) -> Obj:
    """An ingress (peers under `from`) or egress (`to`) rule; absent keys and empty lists both appear."""
    out: Obj = {}
    peers = draw(optional_list(peer()))
    if peers is not None:
        out[peers_key] = peers
    ports = draw(optional_list(rule_port()))
    if ports is not None:
        out["ports"] = ports
    return out


POLICY_TYPES = (None, ["Ingress"], ["Egress"], ["Ingress", "Egress"], ["Egress", "Ingress"])


@st.composite
def policy(draw: st.DrawFn, namespace: str, name: str, pod_selector: Obj | None = None) -> Obj:
    """A NetworkPolicy: a podSelector, maybe policyTypes, maybe ingress and egress rules."""
    spec: Obj = {"podSelector": draw(selector(POD_LABELS)) if pod_selector is None else pod_selector}
    types = draw(st.sampled_from(POLICY_TYPES))
    if types is not None:
        spec["policyTypes"] = list(types)
    for key, peers_key in (("ingress", "from"), ("egress", "to")):
        rules = draw(optional_list(rule(peers_key)))
        if rules is not None:
            spec[key] = rules
    return {"apiVersion": NETPOL_API, "kind": "NetworkPolicy",
            "metadata": {"namespace": namespace, "name": name}, "spec": spec}


# --- snapshots -----------------------------------------------------------------------------
@st.composite
def snapshots(draw: st.DrawFn, min_policies: int = 0, max_policies: int = 5) -> Snapshot:
    """2-3 labelled namespaces (one sometimes without its Namespace object: it still has the name label),
    2-6 pods with distinct IPs in 10.0.0.0/22, and some policies."""
    names = draw(st.lists(st.sampled_from(ALL_NAMESPACES), min_size=2, max_size=3, unique=True))
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": draw(labels(
        NAMESPACE_LABELS))}} for n in names]
    if draw(st.integers(0, 4)) == 0:
        namespaces.pop(draw(st.integers(0, len(namespaces) - 1)))
    count = draw(st.integers(2, 6))
    # Low host numbers often, so that the /32 blocks and excepts of CIDRS meet pods.
    host = st.one_of(st.integers(1, 3), st.integers(1, 254))
    ips = draw(st.lists(st.tuples(st.integers(0, 2), host), min_size=count, max_size=count,
                        unique=True))
    pods = [draw(pod(draw(st.sampled_from(names)), f"pod{i}", f"10.0.{a}.{b}")) for i, (a, b) in enumerate(ips)]
    policy_count = draw(st.integers(min_policies, max_policies))
    policies = [draw(policy(draw(st.sampled_from(names)), f"np{i}")) for i in range(policy_count)]
    externals = [{"ip": ip} for ip in draw(st.lists(st.sampled_from(EXTERNAL_IPS), unique=True, max_size=1))]
    return Snapshot(namespaces, pods, policies, externals)


# --- ports to ask about --------------------------------------------------------------------
def partition(snapshot: Snapshot, dst: Obj, protocol: str) -> list[tuple[int, int]]:
    """The port ranges of a protocol on which every (src, dst) answer is constant, from upstream's
    semantics and independent of the rules: a numeric rule port p (with endPort e)
    can only change the answer at p and at e + 1, a named port only at the destination's port of that
    name. So the answer is constant between consecutive such points."""
    points = {1, 65536}
    for p in snapshot.policies:
        for direction in ("ingress", "egress"):
            for r in p["spec"].get(direction) or []:
                for rp in r.get("ports") or []:
                    if rp.get("protocol", "TCP") == protocol and isinstance(rp.get("port"), int):
                        points |= {rp["port"], rp.get("endPort", rp["port"]) + 1}
    for c in dst.get("containers") or []:
        for cp in c.get("ports") or []:
            if cp.get("protocol", "TCP") == protocol:
                points |= {cp["containerPort"], cp["containerPort"] + 1}
    ordered = sorted(points)
    return [(a, b - 1) for a, b in itertools.pairwise(ordered)]
