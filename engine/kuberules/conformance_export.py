"""Conformance cases generated from the model: inputs drawn from kuberules.strategies, `want` the
verdict policies/kubernetes gives, written as specs/conformance case files.

The files use functions the conformance runner already has adapters for (tests/conformance), and
`want` is computed by the queries those adapters ask, so every row passes against kuberules itself.
Their use is elsewhere: another implementation, or a harness against a real cluster, runs the same
rows and learns where it and the model disagree. Each area is a table entry: the case-file function,
the strategies drawing raw material, and how a draw becomes one row's input and want.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, reporting, seed, settings
from hypothesis import strategies as st

from .engine import Engine
from .k8s.cluster import ClusterView
from .policy import Policy
from .resources import policies_dir
from .strategies import GENERATORS, rbac
from .strategies.objects import limitranges, networkpolicies

Obj = dict[str, Any]
Row = tuple[Obj, Obj]  # (input, want)

# Addresses outside netpol_clusters' pod range (10.0.0.0/22): some inside the ipBlocks the strategies
# write, some outside every one of them, one IPv6.
EXTERNAL_IPS = ("10.1.2.3", "192.168.1.7", "192.168.7.7", "169.254.169.254", "8.8.8.8", "2001:db8:1::5")
PROTOCOLS = ("TCP", "UDP", "SCTP")
OTHER_PORTS = (80, 443, 53, 8080, 9090)


@dataclass(frozen=True)
class Area:
    """One `--area`: which adapter the file is for, what is drawn, and how a draw becomes a row."""

    name: str
    function: str  # the case file's `function`: an adapter of tests/conformance
    rules: str  # the rule file whose verdicts `want` holds, for the header
    generators: str  # the kuberules.strategies the inputs come from, for the header
    shape: str  # the input and want of a row, for the header
    draws: tuple[Callable[[], st.SearchStrategy[Any]], ...]  # taken in turn, row after row
    row: Callable[[Policy, Any], Row]


# --- limitrange: PodMutateLimitFunc then PodValidateLimitFunc -----------------------------------
@st.composite
def _limitrange_draws(draw: st.DrawFn) -> Obj:
    pod = draw(GENERATORS["pods"].build())
    lr = draw(limitranges(namespace=pod["metadata"]["namespace"]))
    return {"limitRange": lr, "pod": pod, "defaulted": draw(st.booleans())}


def _limitrange_row(policy: Policy, value: Obj) -> Row:
    """As the limitrange_pod adapter: the pod defaulted by the LimitRange when `defaulted`, then
    validated; want carries the defaulted pod too, so defaulting is checked as well as the verdict."""
    pod, lr = value["pod"], value["limitRange"]
    if value["defaulted"]:
        pod = policy.query("kubernetes.limitrange.mutate", pod, [lr])
    verdict = policy.query("kubernetes.limitrange.validate_pod", pod, lr, {"featureGates": {}})
    want: Obj = {"allowed": verdict["allowed"]}
    if not verdict["allowed"]:
        want["message"] = verdict["message"]
    if value["defaulted"]:
        want["pod"] = pod
    return value, want


# --- resourcequota: the ResourceQuota admission plugin on a CREATE -------------------------------
QUOTA_KINDS = {"Pod": "pods", "Service": "services", "Deployment": "deployments"}


@st.composite
def _quota_draws(draw: st.DrawFn) -> Obj:
    kind = draw(st.sampled_from(sorted(QUOTA_KINDS)))
    obj = draw(GENERATORS[QUOTA_KINDS[kind]].build())
    namespace = obj["metadata"]["namespace"]
    quotas = draw(GENERATORS["resourcequotas"].build(namespace=namespace).filter(len))
    return {"kind": kind, "operation": "CREATE", "namespace": namespace, "object": obj, "quotas": quotas}


def _quota_row(policy: Policy, value: Obj) -> Row:
    """As the quota_admit adapter (no limitedResources configured); want is the whole decision: allowed,
    the message of a denial, and every quota's status.used afterwards."""
    options = {"operation": value["operation"], "namespace": value["namespace"], "limitedResources": []}
    got = policy.query("kubernetes.resourcequota.admit", value["kind"], value["object"], None, value["quotas"],
                       options)
    want: Obj = {"allowed": got["allowed"]}
    if not got["allowed"]:
        want["message"] = got["message"]
    want["used"] = got["used"]
    return value, want


# --- rbac: the RBAC authorizer alone ------------------------------------------------------------
RBAC_LISTS = {"Role": "roles", "ClusterRole": "clusterRoles", "RoleBinding": "roleBindings",
              "ClusterRoleBinding": "clusterRoleBindings"}


# Concrete values for the wildcards a rule may hold (and for a group's member asking).
URL_EXAMPLES = {"*": "/metrics", "/healthz/*": "/healthz/ready", "/api/*": "/api/v1"}
ANY_VERB = ("get", "list", "create", "delete", "escalate")
ANY_RESOURCE = {"": ("pods", "secrets"), "apps": ("deployments",), "batch": ("jobs",),
                "rbac.authorization.k8s.io": ("roles", "clusterroles")}
NAMES = ("", "web", "other")
MEMBER = "dana"
GRANTING = "granting"  # the ClusterRole and ClusterRoleBinding added to a cluster that grants nothing


@st.composite
def _granted_request(draw: st.DrawFn, objects: list[Obj]) -> Obj:
    """A request that a binding's subject makes and its role's rule allows (wildcards made concrete), in
    rbac_requests' shape. Drawn requests alone are nearly always denied: these are the allowed rows."""
    namespaces = [o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"]
    binding, rule = draw(st.sampled_from(_grants(objects)))
    home = binding["metadata"].get("namespace", "")
    subject = draw(st.sampled_from(binding["subjects"]))
    if subject["kind"] == "User":
        who: Obj = {"user": subject["name"], "groups": []}
    elif subject["kind"] == "Group":
        who = {"user": MEMBER, "groups": [subject["name"]]}
    else:
        who = {"user": f"system:serviceaccount:{subject.get('namespace', home)}:{subject['name']}", "groups": []}
    verb = draw(st.sampled_from(rule["verbs"]))
    if "nonResourceURLs" in rule:
        url = draw(st.sampled_from(rule["nonResourceURLs"]))
        return {**who, "verb": "get" if verb == "*" else verb, "path": URL_EXAMPLES.get(url, url)}
    group = draw(st.sampled_from(rule["apiGroups"]))
    group = draw(st.sampled_from(sorted(ANY_RESOURCE))) if group == "*" else group
    resource, _, subresource = draw(st.sampled_from(rule["resources"])).partition("/")
    if resource == "*":
        resource = draw(st.sampled_from(ANY_RESOURCE.get(group, ("things",))))
    return {**who, "verb": draw(st.sampled_from(ANY_VERB)) if verb == "*" else verb, "apiGroup": group,
            "resource": resource, "subresource": subresource,
            "name": draw(st.sampled_from(rule.get("resourceNames") or NAMES)),
            "namespace": home or draw(st.sampled_from(["", *namespaces]))}


def _grants(objects: list[Obj]) -> list[tuple[Obj, Obj]]:
    """(binding, rule) for every rule of the role each binding refers to."""
    roles = {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o.get("rules", [])
             for o in objects if o["kind"] in ("Role", "ClusterRole")}
    return [(b, rule) for b in objects if b["kind"] in ("RoleBinding", "ClusterRoleBinding")
            for rule in roles.get((b["roleRef"]["kind"], b["metadata"].get("namespace", "") if
                                   b["roleRef"]["kind"] == "Role" else "", b["roleRef"]["name"]), [])]


@st.composite
def _granting_cluster(draw: st.DrawFn) -> list[Obj]:
    """rbac_clusters' objects with at least one binding to a role with rules (most drawn clusters have
    none): where missing, a ClusterRole with rules and a ClusterRoleBinding to it are added, naming
    subjects of the cluster, and aggregation is settled again (the new role may be selected)."""
    objects = draw(GENERATORS["rbac_clusters"].build())
    if _grants(objects):
        return objects
    ruled = [o["metadata"]["name"] for o in objects if o["kind"] == "ClusterRole" and o.get("rules")]
    if not ruled:
        objects.append(draw(rbac.clusterroles(GRANTING, aggregated=False).filter(lambda r: r["rules"])))
        rbac.settle(objects)
        ruled = [GRANTING]
    namespaces = [o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"]
    accounts = [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in objects if o["kind"] == "ServiceAccount"]
    objects.append(draw(rbac.clusterrolebindings(GRANTING, ruled, namespaces, accounts)))
    return objects


@st.composite
def _granted_draws(draw: st.DrawFn) -> tuple[list[Obj], Obj]:
    objects = draw(_granting_cluster())
    return objects, draw(_granted_request(objects))


# Another value for each field of a request, for the near misses.
CHANGES = {"namespace": ("", "elsewhere"), "verb": ("get", "list", "delete", "escalate"), "name": ("", "other"),
           "subresource": ("", "status"), "user": ("mallory",), "path": ("/healthz", "/logs")}


@st.composite
def _near_miss_draws(draw: st.DrawFn) -> tuple[list[Obj], Obj]:
    """A granted request with one field changed: denied, unless a wildcard or another rule still allows
    it. These rows sit on the boundaries of rule matching, where implementations differ."""
    objects, request = draw(_granted_draws())
    field = draw(st.sampled_from(sorted(set(request) & set(CHANGES))))
    return objects, {**request, field: draw(st.sampled_from(CHANGES[field]).filter(lambda v: v != request[field]))}


@st.composite
def _any_request_draws(draw: st.DrawFn) -> tuple[list[Obj], Obj]:
    objects = draw(GENERATORS["rbac_clusters"].build())
    namespaces = [o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"]
    return objects, draw(GENERATORS["rbac_requests"].build(namespace=draw(st.sampled_from(namespaces))))


def _rbac_row(policy: Policy, drawn: tuple[list[Obj], Obj]) -> Row:
    """The cluster's RBAC objects by kind (Namespaces and ServiceAccounts are no input of the
    authorizer); the user as the authenticator presents it, with the groups it adds
    (system:authenticated, the service account groups), so that the row is the authorizer's view."""
    objects, asked = drawn
    value: Obj = {key: [o for o in objects if o["kind"] == kind] for kind, key in RBAC_LISTS.items()}
    value["user"] = policy.query("kubernetes.rbac.user", asked["user"], asked["groups"])
    value["request"] = {k: v for k, v in asked.items() if k not in ("user", "groups")}
    cluster = ClusterView([o for key in RBAC_LISTS.values() for o in value[key]])
    got = policy.query("kubernetes.rbac.rbac_authorize", value["user"], value["request"], cluster=cluster)
    return value, {"allowed": got["allowed"]}


# --- netpol: whether one connection is allowed ---------------------------------------------------
def _pod_key(pod: Obj) -> str:
    return f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"


@st.composite
def _guard(draw: st.DrawFn, objects: list[Obj], pod: Obj, direction: str) -> Obj:
    """A NetworkPolicy that selects `pod` for `direction` alone, its rules for that direction drawn
    (peers often selecting the cluster's pods and namespaces)."""
    rules = direction.lower()
    drawn = draw(networkpolicies(
        pod["metadata"]["namespace"], "guard",
        [o["metadata"].get("labels", {}) for o in objects if o["kind"] == "Pod"],
        [{**o["metadata"].get("labels", {}), "kubernetes.io/metadata.name": o["metadata"]["name"]}
         for o in objects if o["kind"] == "Namespace"]))
    spec = {"podSelector": {"matchLabels": pod["metadata"].get("labels", {})}, "policyTypes": [direction]}
    if rules in drawn["spec"]:
        spec[rules] = drawn["spec"][rules]
    return {**drawn, "spec": spec}


@st.composite
def _netpol_draws(draw: st.DrawFn, guarded: bool = False) -> Obj:
    """A cluster, two ends (pods, or one an address outside the cluster) and a port of the destination
    or another one, with a protocol (a number: reach takes the number a named port resolves to).
    Drawn clusters mostly leave the pair open; `guarded` adds a policy selecting the destination pod
    for ingress (the source for egress when the destination is outside), so that the verdict turns
    on its peers and ports."""
    objects = draw(GENERATORS["netpol_clusters"].build())
    pods = {_pod_key(o): o for o in objects if o["kind"] == "Pod"}
    src, dst = draw(st.sampled_from(sorted(pods))), draw(st.sampled_from(sorted(pods)))
    outside = draw(st.sampled_from((None, None, "src", "dst")))
    if outside == "src":
        src = draw(st.sampled_from(EXTERNAL_IPS))
    elif outside == "dst":
        dst = draw(st.sampled_from(EXTERNAL_IPS))
    if guarded:
        pod, direction = (pods[dst], "Ingress") if dst in pods else (pods[src], "Egress")
        objects = [*objects, draw(_guard(objects, pod, direction))]
    ports = [p for c in pods[dst]["spec"]["containers"] for p in c.get("ports", [])] if dst in pods else []
    port, protocol = draw(st.sampled_from(OTHER_PORTS)), draw(st.sampled_from(PROTOCOLS))
    if ports and draw(st.booleans()):
        listed = draw(st.sampled_from(ports))
        port, protocol = listed["containerPort"], listed.get("protocol", "TCP")
    return {"objects": objects, "src": src, "dst": dst, "port": port, "protocol": protocol}


def _netpol_row(policy: Policy, drawn: Obj) -> Row:
    """The cluster in the netpol_reach shape: namespaces as {name, labels}, pods as the endpoints
    `kubernetes.networkpolicy.endpoint` makes of them, each container cut to its ports (all that
    reachability reads); then the verdict as the adapter asks it."""
    objects = drawn["objects"]
    namespaces = [{"name": o["metadata"]["name"], "labels": o["metadata"].get("labels", {})}
                  for o in objects if o["kind"] == "Namespace"]
    pods = []
    for o in objects:
        if o["kind"] == "Pod":
            end = policy.query("kubernetes.networkpolicy.endpoint", o, o["metadata"]["name"])
            end["containers"] = [{"ports": c["ports"]} for c in end["containers"] if c.get("ports")]
            pods.append(end)
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    value = {"namespaces": namespaces, "pods": pods, "policies": policies, "src": drawn["src"],
             "dst": drawn["dst"], "port": drawn["port"], "protocol": drawn["protocol"]}
    by_key = {f"{p['namespace']}/{p['name']}": p for p in pods}
    src, dst = (by_key.get(end, {"ip": end}) for end in (value["src"], value["dst"]))
    cluster = ClusterView([*({"apiVersion": "v1", "kind": "Namespace",
                              "metadata": {"name": ns["name"], "labels": ns["labels"]}} for ns in namespaces),
                           *policies])
    got = policy.query("kubernetes.networkpolicy.reach", src, dst, value["port"], value["protocol"], cluster=cluster)
    return value, {"allowed": got["allowed"]}


# --- lifecycle: the kubelet's getPhase ------------------------------------------------------------
@st.composite
def _lifecycle_draws(draw: st.DrawFn) -> Obj:
    return {"pod": draw(GENERATORS["pods"].build(status=True)), "podIsTerminal": draw(st.booleans()),
            "podHasInitialized": draw(st.booleans())}


def _lifecycle_row(policy: Policy, value: Obj) -> Row:
    """The phase with ContainerRestartRules on and off: a row without featureGates claims both (the
    pod_phase adapter checks both), so where the gate changes the phase the row pins it on."""
    options = {k: value[k] for k in ("podIsTerminal", "podHasInitialized")}
    phases = [policy.query("kubernetes.lifecycle.phase_of", value["pod"],
                           {**options, "featureGates": {"ContainerRestartRules": on}})["phase"] for on in (True, False)]
    if phases[0] != phases[1]:
        value = {**value, "featureGates": {"ContainerRestartRules": True}}
    return value, {"phase": phases[0]}


AREAS: dict[str, Area] = {a.name: a for a in (
    Area("limitrange", "limitrange_pod", "limitrange.rules", "pods, objects.limitranges",
         "input {limitRange, pod, defaulted}; want {allowed, message (when denied), pod (the pod after "
         "defaulting, when defaulted)}", (_limitrange_draws,), _limitrange_row),
    Area("resourcequota", "quota_admit", "resourcequota.rules", "pods, services, deployments, resourcequotas",
         "input {kind, operation, namespace, object, quotas}; want {allowed, message (when denied), used: "
         "{quota name: status.used after admission}}", (_quota_draws,), _quota_row),
    Area("rbac", "rbac_authorize", "rbac.rules", "rbac_clusters, rbac_requests",
         "input {roles, clusterRoles, roleBindings, clusterRoleBindings, user: {name, groups}, request}; "
         "want {allowed}", (_granted_draws, _near_miss_draws, _any_request_draws), _rbac_row),
    Area("netpol", "netpol_reach", "networkpolicy.rules", "netpol_clusters",
         "input {namespaces, pods, policies, src, dst, port, protocol} (src/dst \"ns/name\" or an IP); "
         "want {allowed}", (_netpol_draws, partial(_netpol_draws, guarded=True)), _netpol_row),
    Area("lifecycle", "pod_phase", "lifecycle.rules", "pods(status: true)",
         "input {pod, podIsTerminal, podHasInitialized, featureGates (only where the gate matters)}; "
         "want {phase}", (_lifecycle_draws,), _lifecycle_row),
)}


class _Enough(Exception):
    """Raised from inside hypothesis' loop once enough distinct rows are in: it stops generation."""


def _collect(strategy: st.SearchStrategy[Any], wanted: int, seed_value: int, take: Callable[[Any], bool]) -> None:
    """Feed drawn values to `take` (True when it kept one) until it has kept `wanted`, or ten draws a
    value have gone by. Hypothesis is seeded and keeps no example database: the same seed, the same
    draws."""
    kept = 0

    @settings(max_examples=10 * wanted + 100, database=None, deadline=None, derandomize=False,
              phases=(Phase.generate,), verbosity=Verbosity.quiet, report_multiple_bugs=False, print_blob=False,
              suppress_health_check=(HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
                                     HealthCheck.large_base_example))
    @given(strategy)
    def draw(drawn: Any) -> None:
        nonlocal kept
        if kept >= wanted:  # hypothesis replays the stopping example once: stop it again
            raise _Enough
        kept += take(drawn)
        if kept >= wanted:
            raise _Enough

    with reporting.with_reporter(lambda _: None), contextlib.suppress(_Enough):
        seed(seed_value)(draw)()


def generate(area: Area, count: int, seed_value: int, policy: Policy | None = None) -> list[Row]:
    """Up to `count` rows of distinct inputs. Each of the area's strategies gives its share, and the
    rows alternate between them (one strategy with an inner choice would not do: hypothesis draws
    similar examples in runs, so a short file could hold one kind only). Fewer than `count` only
    when the strategies run out of new inputs."""
    model = policy or Engine().load(policies_dir() / "kubernetes")
    seen: set[str] = set()
    shares: list[list[Row]] = []
    for index, build in enumerate(area.draws):
        share: list[Row] = []

        def take(drawn: Any, share: list[Row] = share) -> bool:
            value, want = area.row(model, drawn)
            key = json.dumps(value, sort_keys=True)
            if key in seen:
                return False
            seen.add(key)
            share.append((value, want))
            return True

        _collect(build(), count // len(area.draws) + (index < count % len(area.draws)), seed_value, take)
        shares.append(share)
    return [share[i] for i in range(max(map(len, shares))) for share in shares if i < len(share)]


# --- writing ---------------------------------------------------------------------------------------
PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Words some YAML reader takes for a boolean or null when unquoted.
YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _quoted(text: str) -> str:
    """A double-quoted scalar: printable ASCII as is, everything else escaped, so that no reader's
    notion of line breaks or encodings changes the string."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _key(key: str) -> str:
    return key if PLAIN_KEY.fullmatch(key) and key.lower() not in YAML_WORDS else _quoted(key)


def flow(value: Any) -> str:
    """A value in YAML flow style, every string double-quoted (specs/conformance/README.md)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value is None:
        return "null"
    raise TypeError(f"no YAML form for a {type(value).__name__} in a case file")


def command(area: str, count: int, seed_value: int) -> str:
    return f"kuberules conformance generate --area {area} --count {count} --seed {seed_value}"


def render(area: Area, rows: list[Row], count: int, seed_value: int) -> str:
    """The case file: a header comment saying whose verdicts these are, then one row per input."""
    lines = [
        f"# Generated by kuberules from its own model: every `want` is the verdict policies/kubernetes/{area.rules}",
        "# gives, NOT one read from upstream's tests or observed on a cluster. Inputs are drawn from",
        f"# kuberules.strategies ({area.generators}). Run the rows against another implementation, or a",
        "# cluster, to check it against the model; regenerate with the command in `source`.",
        f"# {area.function}: {area.shape}.",
        f"source: {_quoted(f'kuberules model, generated ({command(area.name, count, seed_value)})')}",
        f"function: {_quoted(area.function)}",
        "cases:",
    ]
    for number, (value, want) in enumerate(rows, 1):
        lines.append(f"- note: {_quoted(f'generated-{number:04d}')}")
        lines.append("  input:")
        lines.extend(f"    {_key(k)}: {flow(v)}" for k, v in value.items())
        lines.append(f"  want: {flow(want)}")
    return "\n".join(lines) + "\n"


def file_name(area: str) -> str:
    return f"{area}-generated.yaml"


def write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file in the same directory and rename it into place, so that a
    reader (or a crash) never sees half a file. The temporary file is opened as any new file is, so
    the result has the usual permissions."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temp.open("w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
