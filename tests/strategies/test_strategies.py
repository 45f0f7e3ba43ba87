"""The public strategies (kuberules.strategies): what they draw is valid, covers what their docstrings
promise, stays consistent within a cluster, and every registry name builds.

Validity is checked three ways: the JSON Schemas (strict, as `check --strict`), upstream's validation as
policies/kubernetes/validation.rules ports it (for the kinds it covers), and the apimachinery name and
label validators on every name, label and selector (for the rest, and for what neither of the others
checks: a workload's selector selects its template, names are unique within a pod, ...). Coverage draws
1,000 examples of each family (200 of each kind of cluster) and asserts that every promised feature was
seen at least once.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kuberules import Engine, Policy
from kuberules.k8s import names
from kuberules.k8s.cluster import ClusterView
from kuberules.k8s.labels import parse_selector, selector_from_label_selector
from kuberules.k8s.quantity import Quantity
from kuberules.k8s.schema import SchemaValidator
from kuberules.resources import policies_dir
from kuberules.strategies import GENERATORS, cluster, objects, rbac, values, workload

Obj = dict[str, Any]
VALIDATED = ("LimitRange", "ResourceQuota", "NetworkPolicy", "Role", "ClusterRole", "RoleBinding",
             "ClusterRoleBinding")
CLUSTER_SCOPED = ("Namespace", "ClusterRole", "ClusterRoleBinding")
SELECTING = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")
RESTART_POLICIES = {"Pod": (None, "Always", "OnFailure", "Never"), "Job": ("OnFailure", "Never"),
                    "CronJob": ("OnFailure", "Never")}  # the other workloads: Always (or absent)
QUICK = settings(max_examples=100, database=None, deadline=None, suppress_health_check=list(HealthCheck))
SLOW = settings(QUICK, max_examples=50)  # whole clusters: each example holds a dozen objects
# Derandomized: whether a feature shows up is a property of the strategy, not of a run's luck.
COUNTING = settings(max_examples=1000, database=None, deadline=None, phases=[Phase.generate], derandomize=True,
                    suppress_health_check=list(HealthCheck))


@cache
def schema() -> SchemaValidator:
    return SchemaValidator(strict=True)


@cache
def policy() -> Policy:
    return Engine().load(policies_dir() / "kubernetes")


# --- validity ---------------------------------------------------------------------------------
def label_problems(labels: object, where: str) -> list[str]:
    if not isinstance(labels, dict):
        return [f"{where}: not a map"]
    return [f"{where}: {k}={v}: {m}" for k, v in labels.items()
            for m in names.is_qualified_name(k) + names.is_valid_label_value(v)]


def selector_problems(sel: Obj, where: str) -> list[str]:
    """A LabelSelector: its labels and expressions valid, and LabelSelectorAsSelector accepts it."""
    out = label_problems(sel.get("matchLabels", {}), where + ".matchLabels")
    for e in sel.get("matchExpressions", []):
        out += [f"{where}: {e}: {m}" for m in names.is_qualified_name(e["key"])]
        out += [f"{where}: {e}: {m}" for v in e.get("values", []) for m in names.is_valid_label_value(v)]
    try:
        selector_from_label_selector(sel)
    except ValueError as err:
        out.append(f"{where}: {err}")
    return out


def walk(node: object, path: str = "") -> Iterator[tuple[str, str, object]]:
    """(path, key, value) for every map entry of a manifest."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield path, k, v
            yield from walk(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, f"{path}[{i}]")


def meta_problems(obj: Obj) -> list[str]:
    meta, kind = obj["metadata"], obj["kind"]
    name = meta["name"]
    out = names.is_dns1123_label(name) if kind in ("Namespace", "Service") else names.is_dns1123_subdomain(name)
    if kind == "Service" and not name[0].isalpha():
        out.append("a Service name is a DNS-1035 label")
    if (kind in CLUSTER_SCOPED) != ("namespace" not in meta):
        out.append(f"{kind} with namespace {meta.get('namespace')!r}")
    out += names.is_dns1123_label(meta.get("namespace", "default"))
    return [f"{kind} {name}: {m}" for m in out]


def pod_spec_problems(spec: Obj, kind: str) -> list[str]:
    """What ValidatePodSpec checks and neither the schemas nor the rules do: unique names, unique ports,
    limits not below requests, a restartPolicy the kind allows, an init container's restartPolicy only
    Always (a sidecar), a regular container's only on Pods (ContainerRestartRules, on in 1.37: Always,
    OnFailure or Never; the strategies draw none on workload templates)."""
    out = []
    every = spec["containers"] + spec.get("initContainers", [])
    if len({c["name"] for c in every}) != len(every):
        out.append("container names repeat")
    ports = [p for c in every for p in c.get("ports", [])]
    if len({(p["containerPort"], p.get("protocol", "TCP")) for p in ports}) != len(ports):
        out.append("container ports repeat")
    port_names = [p["name"] for p in ports if "name" in p]
    if len(set(port_names)) != len(port_names):
        out.append("port names repeat")
    for c in every:
        res = c.get("resources", {})
        for r, limit in res.get("limits", {}).items():
            if r in res.get("requests", {}) and Quantity.parse(limit) < Quantity.parse(res["requests"][r]):
                out.append(f"{c['name']}: {r} limit below request")
    own = [c["restartPolicy"] for c in spec["containers"] if "restartPolicy" in c]
    if own and (kind != "Pod" or not set(own) <= {"Always", "OnFailure", "Never"}):
        out.append(f"restartPolicy {own} on a regular container of a {kind}")
    if any(c.get("restartPolicy", "Always") != "Always" for c in spec.get("initContainers", [])):
        out.append("an init container's restartPolicy is not Always")
    if spec.get("restartPolicy") not in RESTART_POLICIES.get(kind, (None, "Always")):
        out.append(f"{kind} with restartPolicy {spec.get('restartPolicy')}")
    return out


def status_problems(pod: Obj) -> list[str]:
    """A pod's container statuses as the kubelet writes them: one per container at most, of a container of
    its list; `started` only on a running container, true when it is ready; lastState only after a restart."""
    out = []
    spec, status = pod["spec"], pod.get("status", {})
    for field, source in (("containerStatuses", "containers"), ("initContainerStatuses", "initContainers")):
        listed = [s["name"] for s in status.get(field, [])]
        if len(set(listed)) != len(listed) or not set(listed) <= {c["name"] for c in spec.get(source, [])}:
            out.append(f"{field} {listed} do not match the {source}")
        for s in status.get(field, []):
            if "started" in s and "running" not in s["state"]:
                out.append(f"{s['name']}: started without running")
            if s["ready"] and s.get("started") is not True:
                out.append(f"{s['name']}: ready before started")
            if "lastState" in s and not s["restartCount"]:
                out.append(f"{s['name']}: a last state without a restart")
    return out


def workload_problems(obj: Obj) -> list[str]:
    kind, spec = obj["kind"], obj["spec"]
    if kind == "Pod":
        return pod_spec_problems(spec, kind) + status_problems(obj)
    template = spec["jobTemplate"]["spec"]["template"] if kind == "CronJob" else spec["template"]
    out = pod_spec_problems(template["spec"], kind)
    labels = template["metadata"]["labels"]
    if kind in SELECTING:
        selector = selector_from_label_selector(spec["selector"])
        if selector.empty() or not selector.matches(labels):
            out.append(f"{kind} selector {spec['selector']} does not select its template {labels}")
    if kind == "ReplicationController" and any(labels.get(k) != v for k, v in spec.get("selector", {}).items()):
        out.append("ReplicationController selector does not select its template")
    return out


def problems(obj: Obj) -> list[str]:
    """Everything wrong with a manifest; [] when it is valid."""
    out = [p.message for p in schema().errors(obj)]
    if obj["kind"] in VALIDATED:
        out += policy().query("kubernetes.validation.object_errors", obj)
    out += meta_problems(obj)
    map_selectors = obj["kind"] in ("Service", "ReplicationController")  # a plain map of labels
    for path, key, value in walk(obj):
        if key in ("labels", "matchLabels") or (key == "selector" and map_selectors):
            out += label_problems(value, f"{path}.{key}")
        elif key in ("selector", "podSelector", "namespaceSelector"):
            out += selector_problems(value, f"{path}.{key}")
        elif key == "clusterRoleSelectors":
            out += [m for i, sel in enumerate(value) for m in selector_problems(sel, f"{path}.{key}[{i}]")]
    if obj["kind"] == "Pod" or obj["kind"] in workload.WORKLOAD_KINDS:
        out += workload_problems(obj)
    if obj["kind"] == "NetworkPolicy":
        out += ip_block_problems(obj)
    return out


def ip_block_problems(np: Obj) -> list[str]:
    out = []
    for _, key, block in walk(np):
        if key == "ipBlock":
            cidr = ipaddress.ip_network(block["cidr"])
            out += [f"{e} is not inside {cidr}" for e in block.get("except", [])
                    if not (ipaddress.ip_network(e).subnet_of(cidr) and ipaddress.ip_network(e) != cidr)]
    return out


def manifests(value: object) -> list[Obj]:
    return value if isinstance(value, list) else [value]


OBJECT_STRATEGIES = {
    "pods": workload.pods(), "pods with status": workload.pods(status=True),
    "pods with resources": workload.pods(resources=True), "quotas with status": objects.resourcequota_lists(
        status=True, min_size=1),
    **{k.lower() + "s": s() for k, s in workload.BY_KIND.items()},
    "workloads": workload.workloads(), "services": objects.services(), "namespaces": objects.namespaces(),
    "serviceaccounts": objects.serviceaccounts(), "limitranges": objects.limitrange_lists(),
    "resourcequotas": objects.resourcequota_lists(), "networkpolicies": objects.networkpolicies(),
    "roles": rbac.roles(), "clusterroles": rbac.clusterroles(), "rolebindings": rbac.rolebindings(),
    "clusterrolebindings": rbac.clusterrolebindings(),
}
CLUSTER_STRATEGIES = {"clusters": cluster.clusters(), "rbac_clusters": cluster.rbac_clusters(),
                      "netpol_clusters": cluster.netpol_clusters()}


@pytest.mark.parametrize("name", sorted(OBJECT_STRATEGIES))
def test_objects_are_valid(name: str) -> None:
    @QUICK
    @given(OBJECT_STRATEGIES[name])
    def check(value: object) -> None:
        for obj in manifests(value):
            assert problems(obj) == [], obj

    check()


@pytest.mark.parametrize("name", sorted(CLUSTER_STRATEGIES))
def test_clusters_are_valid_and_consistent(name: str) -> None:
    @SLOW
    @given(CLUSTER_STRATEGIES[name])
    def check(objs: list[Obj]) -> None:
        for obj in objs:
            assert problems(obj) == [], obj
        assert inconsistencies(objs) == [], objs

    check()


def inconsistencies(objs: list[Obj]) -> list[str]:
    """What `clusters` promises: unique names, and every reference finds what it names."""
    keys = [(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]) for o in objs]
    out = [f"{k} repeats" for k, n in Counter(keys).items() if n > 1]
    present = set(keys)
    namespaces = {o["metadata"]["name"] for o in objs if o["kind"] == "Namespace"}
    out += [f"{k} in a namespace that does not exist" for k in keys if k[1] and k[1] not in namespaces]
    pods = [(o["metadata"]["namespace"], workload.template_labels(o)) for o in objs
            if o["kind"] == "Pod" or o["kind"] in workload.WORKLOAD_KINDS]
    for o in objs:
        ns = o["metadata"].get("namespace", "")
        if o["kind"] == "Service" and not any(n == ns and parse_selector(",".join(
                f"{k}={v}" for k, v in o["spec"]["selector"].items())).matches(labels) for n, labels in pods):
            out.append(f"Service {o['metadata']['name']} selects no pod")
        if o["kind"] in ("RoleBinding", "ClusterRoleBinding"):
            ref = o["roleRef"]
            if (ref["kind"], "" if ref["kind"] == "ClusterRole" else ns, ref["name"]) not in present:
                out.append(f"{o['kind']} {o['metadata']['name']} refers to a missing {ref['name']}")
            out += [f"missing service account {s}" for s in o["subjects"] if s["kind"] == "ServiceAccount" and (
                "ServiceAccount", s.get("namespace", ns), s["name"]) not in present]
        if o["kind"] == "Pod" or o["kind"] in workload.WORKLOAD_KINDS:
            account = pod_spec_of(o).get("serviceAccountName")
            if account and ("ServiceAccount", ns, account) not in present:
                out.append(f"{o['kind']} {o['metadata']['name']} runs as a missing {account}")
    aggregated = [o for o in objs if "aggregationRule" in o]
    if aggregated and rbac.settle([dict(o) for o in objs]) != objs:
        out.append("aggregated ClusterRoles are not settled")
    ips = [o["status"]["podIP"] for o in objs if "podIP" in o.get("status", {})]
    if len(set(ips)) != len(ips):
        out.append("pod IPs repeat")
    return out


def pod_spec_of(obj: Obj) -> Obj:
    if obj["kind"] == "Pod":
        return obj["spec"]
    spec = obj["spec"]["jobTemplate"]["spec"] if obj["kind"] == "CronJob" else obj["spec"]
    return spec["template"]["spec"]


def test_values_are_valid() -> None:
    @QUICK
    @given(values.label_sets(), values.selectors(), values.selector_strings(), values.dns_subdomains(),
           values.dns1035_labels(), st.sampled_from(("cpu", "memory", "storage")).flatmap(
               lambda r: values.amounts(r).map(lambda a: (r, a))))
    def check(labels: dict[str, str], selector: Obj, text: str, subdomain: str, service: str,
              amount: tuple[str, int]) -> None:
        assert label_problems(labels, "labels") == []
        assert selector_problems(selector, "selector") == []
        parse_selector(text)
        assert names.is_dns1123_subdomain(subdomain) == [] and names.is_dns1123_label(service) == []
        assert service[0].isalpha()
        spelled = values.spellings(*amount)
        assert {Quantity.parse(s) for s in spelled} == {Quantity.parse(spelled[0])}
        assert str(Quantity.parse(spelled[0])) == spelled[0]
        assert Quantity.parse(spelled[0]) == Quantity.parse(f"{amount[1]}{'m' if amount[0] == 'cpu' else ''}")

    check()


def test_a_selector_given_labels_selects_them() -> None:
    @QUICK
    @given(values.label_sets().flatmap(lambda ls: st.tuples(st.just(ls), values.selectors(ls))))
    def check(pair: tuple[dict[str, str], Obj]) -> None:
        labels, selector = pair
        assert selector_from_label_selector(selector).matches(labels)

    check()


# --- coverage ---------------------------------------------------------------------------------
def seen(strategy: st.SearchStrategy[Any], features: Callable[[Any], Iterable[str]], examples: int = 1000) -> Counter:
    """The features of 1,000 drawn values (fewer when the strategy has fewer distinct values), counted."""
    counts: Counter = Counter()

    @settings(COUNTING, max_examples=examples)
    @given(strategy)
    def count(value: Any) -> None:
        counts.update(features(value))

    count()
    return counts


def assert_covers(counts: Counter, promised: Iterable[str]) -> None:
    missing = sorted(set(promised) - set(counts))
    assert not missing, f"never seen: {missing}"


def quantity_features(text: str) -> Iterator[str]:
    body = text.lstrip("0123456789.")
    yield "canonical" if str(Quantity.parse(text)) == text else "odd spelling"
    if Quantity.parse(text) != Quantity.parse(f"{Quantity.parse(text).milli_value()}m"):
        yield "sub-millicore"
    if "." in text:
        yield "fraction"
    if body.startswith(("e", "E")):
        yield "exponent"
    elif body in ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"):
        yield "binary suffix"
    elif body in ("k", "M", "G", "T", "P", "E"):
        yield "decimal suffix"
    elif body in ("m", "u", "n"):
        yield {"m": "milli", "u": "micro", "n": "nano"}[body]
    elif body == "":
        yield "plain number"


def test_quantities_cover_every_spelling() -> None:
    cpu = seen(values.quantities("cpu"), quantity_features)
    assert_covers(cpu, ["canonical", "odd spelling", "milli", "micro", "fraction", "exponent", "plain number",
                        "sub-millicore"])
    drawn = cpu["canonical"] + cpu["odd spelling"]  # every distinct value, fewer than 1,000
    assert 0.05 <= cpu["sub-millicore"] / drawn <= 0.3, cpu  # now and then: 4 amounts of 22
    memory = seen(values.quantities("memory"), quantity_features)
    assert_covers(memory, ["canonical", "odd spelling", "binary suffix", "decimal suffix", "exponent",
                           "plain number", "fraction"])


def label_features(labels: dict[str, str]) -> Iterator[str]:
    yield "empty set" if not labels else "labels"
    for k, v in labels.items():
        yield "prefixed key" if "/" in k else "bare key"
        yield "empty value" if v == "" else "value"
        if set(v) & set("_.-") or any(c.isupper() for c in k + v):
            yield "odd characters"
        if len(v) == 63 or len(k.rpartition("/")[2]) == 63:
            yield "longest"


def test_labels_and_names_cover_their_forms() -> None:
    assert_covers(seen(values.label_sets(), label_features),
                  ["empty set", "labels", "prefixed key", "bare key", "empty value", "value", "odd characters",
                   "longest"])
    assert_covers(seen(values.dns_labels(), lambda n: ["digit first" if n[0].isdigit() else "letter first",
                                                       *(["dash"] if "-" in n else []), f"length {len(n)}"]),
                  ["digit first", "letter first", "dash", "length 63"])
    assert_covers(seen(values.dns_subdomains(), lambda n: ["dotted" if "." in n else "single"]), ["dotted", "single"])


def selector_features(selector: Obj) -> Iterator[str]:
    yield "+".join(sorted(selector)) or "empty"
    for e in selector.get("matchExpressions", []):
        yield e["operator"]


def string_selector_features(text: str) -> Iterator[str]:
    yield "empty" if not text else "string"
    for part in text.split(","):
        for token, feature in ((" notin (", "notin"), (" in (", "in"), ("!=", "!="), ("==", "=="), ("!", "!")):
            if token in part:
                yield feature
                break
        else:
            if part:
                yield "=" if "=" in part else "exists"


def test_selectors_cover_both_forms_and_every_operator() -> None:
    assert_covers(seen(values.selectors(), selector_features),
                  ["empty", "matchLabels", "matchExpressions", "matchExpressions+matchLabels", *values.OPERATORS])
    assert_covers(seen(values.selector_strings(), string_selector_features),
                  ["empty", "string", "=", "==", "!=", "in", "notin", "exists", "!"])


def pod_features(pod: Obj) -> Iterator[str]:
    spec = pod["spec"]
    yield f"{len(spec['containers'])} containers"
    yield "init containers" if "initContainers" in spec else "no init containers"
    yield f"restartPolicy {spec.get('restartPolicy')}"
    for c in spec["containers"]:
        if "restartPolicy" in c:
            yield "own restartPolicy " + c["restartPolicy"]
    for c in spec.get("initContainers", []):
        if "restartPolicy" in c:
            yield "sidecar"
    for c in spec["containers"] + spec.get("initContainers", []):
        res = c.get("resources")
        yield from ("sub-millicore" for part in ("requests", "limits") for q in [(res or {}).get(part, {}).get("cpu")]
                    if q and Quantity.parse(q) != Quantity.parse(f"{Quantity.parse(q).milli_value()}m"))
        yield "resources absent" if res is None else "resources empty" if not res else "resources set"
        for part in (res or {}):
            yield part + " " + "+".join(sorted(res[part]))
        if res and "requests" in res and "limits" in res:
            yield "requests and limits"
        for p in c.get("ports", []):
            yield "named port" if "name" in p else "unnamed port"
            yield p.get("protocol", "no protocol")
    status = pod.get("status")
    yield "status" if status else "no status"
    statuses = (status or {}).get("containerStatuses", []) + (status or {}).get("initContainerStatuses", [])
    if status is not None:
        every = len(spec["containers"]) + len(spec.get("initContainers", []))
        yield from ["container status"] * len(statuses) + ["no container status"] * (every - len(statuses))
    for s in statuses:
        yield "state " + next(iter(s["state"]))
        if "running" in s["state"]:
            yield f"started {s.get('started', 'absent')}"
        if "terminated" in s["state"]:
            yield f"exit code {s['state']['terminated']['exitCode']}"
        if "lastState" in s:
            yield "last state"
            yield f"exit code {s['lastState']['terminated']['exitCode']}"


def test_pods_cover_containers_resources_and_status() -> None:
    assert_covers(seen(workload.pods(), pod_features), [
        "1 containers", "2 containers", "3 containers", "init containers", "no init containers", "sidecar",
        "resources absent", "resources empty", "resources set", "requests cpu", "requests memory",
        "limits cpu", "limits memory", "requests cpu+memory", "limits cpu+memory", "requests and limits",
        "named port", "unnamed port", "TCP", "UDP", "SCTP", "no protocol", "status", "no status", "state running",
        "state waiting", "state terminated", "last state", "restartPolicy None", "restartPolicy Always",
        "restartPolicy OnFailure", "restartPolicy Never", "own restartPolicy Always", "own restartPolicy OnFailure",
        "own restartPolicy Never", "sub-millicore"])


def test_pods_with_status_cover_started_exit_codes_and_missing_statuses() -> None:
    counts = seen(workload.pods(status=True), pod_features, 500)
    assert_covers(counts, ["started True", "started False", "started absent",
                           *(f"exit code {c}" for c in workload.EXIT_CODES)])
    missing = counts["no container status"] / (counts["no container status"] + counts["container status"])
    assert 0.35 <= missing <= 0.65, counts  # a missing status about as often as a present one


def test_pods_with_resources_set_them_all_and_with_none_leave_them_out() -> None:
    def features(pod: Obj) -> Iterator[str]:
        every = pod["spec"]["containers"] + pod["spec"].get("initContainers", [])
        yield from pod_features(pod)
        yield "all set" if all(
            set(c.get("resources", {})) == {"requests", "limits"}
            and all(set(c["resources"][p]) == {"cpu", "memory"} for p in ("requests", "limits")) for c in every) \
            else "not all set"

    full = seen(workload.pods(resources=True), features, 300)
    assert full["all set"] == 300 and "not all set" not in full, full
    assert_covers(full, ["init containers", "sidecar", "sub-millicore", "3 containers"])
    none = seen(workload.pods(resources=False), lambda pod: ["no resources" if not any(
        "resources" in c for c in pod["spec"]["containers"] + pod["spec"].get("initContainers", [])) else "resources"],
        100)
    assert none == Counter({"no resources": 100}), none


def workload_features(w: Obj) -> Iterator[str]:
    yield w["kind"]
    spec = w["spec"]
    if "replicas" in spec:
        yield "replicas"
    if "strategy" in spec:
        yield "strategy " + spec["strategy"]["type"] + ("" if "rollingUpdate" not in spec["strategy"] else " set")
    if "matchExpressions" in spec.get("selector", {}):
        yield "selector expressions"
    for field in ("volumeClaimTemplates", "serviceName", "podManagementPolicy", "updateStrategy",
                  "concurrencyPolicy", "suspend", "parallelism", "completions", "backoffLimit"):
        if field in spec or field in spec.get("jobTemplate", {}).get("spec", {}):
            yield field
    if w["kind"] == "ReplicationController":
        yield "selector map" if "selector" in spec else "no selector"
    if w["kind"] == "DaemonSet" and "nodeSelector" in spec["template"]["spec"]:
        yield "nodeSelector"
    if w["kind"] == "CronJob":
        yield "schedule macro" if spec["schedule"].startswith("@") else "schedule fields"


def test_workloads_cover_every_kind_and_their_options() -> None:
    assert_covers(seen(workload.workloads(), workload_features), [
        "Pod", *workload.WORKLOAD_KINDS, "replicas", "strategy Recreate", "strategy RollingUpdate",
        "strategy RollingUpdate set", "selector expressions", "volumeClaimTemplates", "serviceName",
        "podManagementPolicy", "updateStrategy", "concurrencyPolicy", "suspend", "parallelism", "completions",
        "backoffLimit", "selector map", "no selector", "nodeSelector", "schedule macro", "schedule fields"])


def namespace_features(obj: Obj) -> Iterator[str]:
    labels = obj["metadata"].get("labels", {})
    yield "labels" if labels else "no labels"
    if "kubernetes.io/metadata.name" in labels:
        yield "name label"
    for field in ("automountServiceAccountToken", "imagePullSecrets"):
        if field in obj:
            yield field


def test_namespaces_and_serviceaccounts_cover_their_options() -> None:
    assert_covers(seen(objects.namespaces(), namespace_features), ["labels", "no labels", "name label"])
    assert_covers(seen(objects.serviceaccounts(), namespace_features),
                  ["automountServiceAccountToken", "imagePullSecrets"])


def service_features(svc: Obj) -> Iterator[str]:
    spec = svc["spec"]
    yield "headless" if spec.get("clusterIP") == "None" else spec.get("type", "default type")
    yield "selector" if "selector" in spec else "no selector"
    yield f"{len(spec['ports'])} ports"
    for p in spec["ports"]:
        target = p.get("targetPort")
        yield "no targetPort" if target is None else "named targetPort" if isinstance(target, str) else "targetPort"


def test_services_cover_types_selectors_and_ports() -> None:
    assert_covers(seen(objects.services(), service_features), [
        "default type", "ClusterIP", "NodePort", "LoadBalancer", "headless", "selector", "no selector",
        "1 ports", "2 ports", "no targetPort", "named targetPort", "targetPort"])


def limitrange_features(ranges: list[Obj]) -> Iterator[str]:
    yield f"{len(ranges)} ranges"
    for lr in ranges:
        for item in lr["spec"]["limits"]:
            yield item["type"]
            for field in ("min", "max", "default", "defaultRequest", "maxLimitRequestRatio"):
                if field in item:
                    yield f"{item['type']} {field}"
                    yield from ("odd spelling" for q in item[field].values() if str(Quantity.parse(q)) != q)


def test_limitranges_cover_every_type_and_field() -> None:
    assert_covers(seen(objects.limitrange_lists(), limitrange_features), [
        "0 ranges", "1 ranges", "2 ranges", "Container", "Pod", "PersistentVolumeClaim", "Container min",
        "Container max", "Container default", "Container defaultRequest", "Container maxLimitRequestRatio",
        "Pod min", "Pod max", "Pod maxLimitRequestRatio", "PersistentVolumeClaim min", "PersistentVolumeClaim max",
        "odd spelling"])


def quota_features(quotas: list[Obj]) -> Iterator[str]:
    yield f"{len(quotas)} quotas"
    for q in quotas:
        spec = q["spec"]
        yield from ("scope " + s for s in spec.get("scopes", []))
        yield from ("selector " + e["scopeName"] + " " + e["operator"]
                    for e in spec.get("scopeSelector", {}).get("matchExpressions", []))
        yield from ("count/" if k.startswith("count/") else k for k in spec["hard"])
        status = q.get("status")
        if status is None:
            yield "no status"
        else:
            over = any(Quantity.parse(u) > Quantity.parse(status["hard"][k]) for k, u in status["used"].items())
            yield "used over hard" if over else "used within hard"


def test_resourcequotas_cover_scopes_and_usage() -> None:
    assert_covers(seen(objects.resourcequota_lists(), quota_features), [
        "0 quotas", "1 quotas", "2 quotas", "scope BestEffort", "scope NotBestEffort", "scope Terminating",
        "scope NotTerminating", "selector PriorityClass In", "selector PriorityClass NotIn",
        "selector PriorityClass Exists", "selector NotTerminating Exists", *objects.COMPUTE, "services",
        "configmaps", "secrets", "persistentvolumeclaims", "requests.storage", "count/", "no status",
        "used within hard", "used over hard"])


def test_status_and_min_size_hold_for_every_list() -> None:
    with_status = seen(objects.resourcequota_lists(status=True, min_size=2), quota_features, 100)
    assert "no status" not in with_status and with_status["0 quotas"] == with_status["1 quotas"] == 0, with_status
    assert_covers(with_status, ["2 quotas", "used within hard", "used over hard"])
    without = seen(objects.resourcequota_lists(status=False, min_size=3), quota_features, 100)
    assert set(without) & {"used within hard", "used over hard"} == set() and without["3 quotas"] == 100, without
    ranges = seen(objects.limitrange_lists(min_size=1), lambda rs: [f"{len(rs)} ranges"], 100)
    assert set(ranges) == {"1 ranges", "2 ranges"}, ranges
    named = seen(objects.limitrange_lists(min_size=4), lambda rs: [",".join(r["metadata"]["name"] for r in rs)], 20)
    assert set(named) == {"limits,limits-1,limits-2,limits-3"}, named


def rbac_features(obj: Obj) -> Iterator[str]:
    yield obj["kind"]
    for rule in obj.get("rules") or []:
        if "nonResourceURLs" in rule:
            yield "nonResourceURLs"
            yield from ("URL prefix" for u in rule["nonResourceURLs"] if u.endswith("*") and u != "*")
        else:
            yield from ("verb *" for v in rule["verbs"] if v == "*")
            yield from ("apiGroup *" for g in rule["apiGroups"] if g == "*")
            for r in rule["resources"]:
                yield "resource *" if r == "*" else "*/subresource" if r.startswith("*/") else \
                    "subresource" if "/" in r else "resource"
            if "resourceNames" in rule:
                yield "resourceNames"
    if "aggregationRule" in obj:
        yield "aggregation"
    if obj.get("metadata", {}).get("labels"):
        yield "aggregation label"
    for s in obj.get("subjects", []):
        yield "subject " + s["kind"] + (" without namespace" if s["kind"] == "ServiceAccount" and
                                        "namespace" not in s else "")
    if "roleRef" in obj:
        yield obj["kind"] + " to " + obj["roleRef"]["kind"]


def test_rbac_objects_cover_wildcards_subresources_names_aggregation_and_subjects() -> None:
    every = st.one_of(rbac.roles(), rbac.clusterroles(), rbac.rolebindings(), rbac.clusterrolebindings())
    assert_covers(seen(every, rbac_features), [
        "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "verb *", "apiGroup *", "resource *",
        "*/subresource", "subresource", "resource", "resourceNames", "nonResourceURLs", "URL prefix", "aggregation",
        "aggregation label", "subject User", "subject Group", "subject ServiceAccount",
        "subject ServiceAccount without namespace", "RoleBinding to Role", "RoleBinding to ClusterRole",
        "ClusterRoleBinding to ClusterRole"])


def request_features(r: Obj) -> Iterator[str]:
    if "path" in r:
        yield "non-resource"
        return
    yield "cluster-wide" if r["namespace"] == "" else "namespaced"
    yield "subresource" if r["subresource"] else "no subresource"
    yield "named" if r["name"] else "unnamed"
    yield "service account" if r["user"].startswith("system:serviceaccount:") else r["user"]
    yield "groups" if r["groups"] else "no groups"


def test_rbac_requests_cover_both_shapes() -> None:
    assert_covers(seen(rbac.rbac_requests(), request_features), [
        "non-resource", "cluster-wide", "namespaced", "subresource", "no subresource", "named", "unnamed",
        "service account", "alice", "system:anonymous", "groups", "no groups"])


def authorized(objs: list[Obj], request: Obj) -> bool:
    """kubernetes.rbac.authorize as a property asks it: `with_cluster(objects, authorize(user(r.user,
    r.groups), r).allowed)`."""
    cluster = ClusterView(objs)
    user = policy().query("kubernetes.rbac.user", request["user"], request["groups"])
    return policy().query("kubernetes.rbac.authorize", user, request, cluster=cluster)["allowed"]


def aimed_features(drawn: tuple[list[Obj], Obj]) -> Iterator[str]:
    objs, request = drawn
    granting = "granting" if rbac.grants(objs) else "granting nothing"
    allowed = authorized(objs, request)
    yield granting
    yield f"{granting} allowed" if allowed else f"{granting} denied"
    if allowed and "path" in request:
        yield "allowed non-resource"
    if allowed and request.get("namespace"):
        yield "allowed namespaced"
    if allowed and request.get("subresource"):
        yield "allowed subresource"
    if allowed and request["user"].startswith("system:serviceaccount:"):
        yield "allowed service account"
    if allowed and request["groups"]:
        yield "allowed group"


def test_requests_aimed_at_a_cluster_are_often_allowed() -> None:
    """With a cluster's objects (rbac_clusters), about half the requests are aimed at what a binding
    grants: kubernetes.rbac.authorize (with_cluster(objects, ...)) allows at least 30% of the requests
    on clusters that grant anything (about a third of rbac_clusters' clusters grant nothing: no binding,
    or only roles without rules), through users, groups and service accounts, resource and URL rules."""
    drawn = cluster.rbac_clusters().flatmap(lambda objs: rbac.rbac_requests(objects=objs).map(lambda r: (objs, r)))
    counts = seen(drawn, aimed_features, 200)
    granting = counts["granting allowed"] / counts["granting"]
    assert granting >= 0.3, counts
    assert_covers(counts, ["granting", "granting nothing", "allowed non-resource", "allowed namespaced",
                           "allowed subresource", "allowed service account", "allowed group"])
    print(f"aimed: {granting:.0%} allowed on granting clusters, "
          f"{(counts['granting allowed'] + counts['granting nothing allowed']) / 200:.0%} of all")


RBAC = "rbac.authorization.k8s.io"


def role_bound(ns: str, user: str) -> list[Obj]:
    """A Namespace, a Role in it that lets pods be read, and a RoleBinding that gives it to `user`."""
    meta = {"name": "read-pods", "namespace": ns}
    return [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
            {"apiVersion": f"{RBAC}/v1", "kind": "Role", "metadata": meta,
             "rules": [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods", "pods/log"]}]},
            {"apiVersion": f"{RBAC}/v1", "kind": "RoleBinding", "metadata": meta,
             "subjects": [{"kind": "User", "apiGroup": RBAC, "name": user}],
             "roleRef": {"apiGroup": RBAC, "kind": "Role", "name": "read-pods"}}]


def test_aimed_requests_stay_in_the_namespace_asked_for() -> None:
    """Given `namespace`, a request is aimed only at the RoleBindings of that namespace (and at
    ClusterRoleBindings), and stays in it, or cluster-wide."""
    objs = role_bound("prod", "alice") + role_bound("dev", "bob")

    def features(request: Obj) -> list[str]:
        assert request.get("namespace", "prod") in ("prod", ""), request
        if "system:masters" in request["groups"]:
            return ["system:masters"]  # allowed everything, before RBAC
        return [request["user"] + (" allowed" if authorized(objs, request) else " denied")]

    counts = seen(rbac.rbac_requests("prod", objs), features, 100)
    assert_covers(counts, ["alice allowed", "alice denied"])
    assert "bob allowed" not in counts, counts


def netpol_features(np: Obj) -> Iterator[str]:
    spec = np["spec"]
    yield "empty podSelector" if not spec["podSelector"] else "podSelector"
    yield "policyTypes " + "+".join(spec.get("policyTypes", ["absent"]))
    for direction, peers_key in (("ingress", "from"), ("egress", "to")):
        rules = spec.get(direction)
        yield f"{direction} " + ("absent" if rules is None else "empty" if not rules else "rules")
        for rule in rules or []:
            for key in (peers_key, "ports"):
                yield f"{key} " + ("absent" if key not in rule else "empty" if not rule[key] else "listed")
            for peer in rule.get(peers_key, []):
                yield "peer " + "+".join(sorted(peer))
                block = peer.get("ipBlock", {})
                if "except" in block:
                    yield "ipBlock with except"
                if ":" in block.get("cidr", ""):
                    yield "IPv6"
            for port in rule.get("ports", []):
                yield "endPort" if "endPort" in port else "named port" if isinstance(port.get("port"), str) else \
                    "numbered port" if "port" in port else "no port"


def test_networkpolicies_cover_peers_ports_and_empty_rules() -> None:
    assert_covers(seen(objects.networkpolicies(), netpol_features), [
        "empty podSelector", "podSelector", "policyTypes absent", "policyTypes Ingress", "policyTypes Egress",
        "policyTypes Ingress+Egress", "ingress absent", "ingress empty", "ingress rules", "egress absent",
        "egress empty", "egress rules", "from absent", "from empty", "from listed", "to listed", "ports absent",
        "ports empty", "ports listed", "peer podSelector", "peer namespaceSelector",
        "peer namespaceSelector+podSelector", "peer ipBlock", "ipBlock with except", "IPv6", "endPort",
        "named port", "numbered port", "no port"])


def cluster_features(objs: list[Obj]) -> Iterator[str]:
    yield from {o["kind"] for o in objs}
    if any("aggregationRule" in o for o in objs):
        yield "aggregated"
    yield f"{sum(o['kind'] == 'Namespace' for o in objs)} namespaces"


def test_clusters_cover_every_kind_they_promise() -> None:
    """200 clusters each: a cluster is a dozen objects drawn by the object strategies (whose own features
    are counted above on 1,000 examples), so this counts only what a cluster adds, and a cluster costs
    as much to draw as a dozen objects."""
    assert_covers(seen(cluster.clusters(), cluster_features, 200), [
        "Namespace", "ServiceAccount", "Pod", *workload.WORKLOAD_KINDS, "Service", "Role", "ClusterRole",
        "RoleBinding", "ClusterRoleBinding", "NetworkPolicy", "aggregated", "1 namespaces", "2 namespaces"])
    assert_covers(seen(cluster.rbac_clusters(), cluster_features, 200), [
        "Namespace", "ServiceAccount", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "aggregated",
        "1 namespaces", "2 namespaces"])
    assert_covers(seen(cluster.netpol_clusters(), cluster_features, 200),
                  ["Namespace", "Pod", "Deployment", "NetworkPolicy", "1 namespaces", "2 namespaces"])


# --- the registry -----------------------------------------------------------------------------
ARGUMENTS = {"namespace": "prod", "status": True, "size": 1, "resource": "memory", "resources": True, "min_size": 3,
             "objects": role_bound("prod", "alice"), "min": -1, "max": 2, "values": ["Never", 143, {"a": 1}]}
ONE_OBJECT = {"pods": {"Pod"}, "deployments": {"Deployment"}, "statefulsets": {"StatefulSet"},
              "daemonsets": {"DaemonSet"}, "replicasets": {"ReplicaSet"},
              "replicationcontrollers": {"ReplicationController"}, "jobs": {"Job"}, "cronjobs": {"CronJob"},
              "workloads": {"Pod", *workload.WORKLOAD_KINDS}, "services": {"Service"}, "namespaces": {"Namespace"},
              "serviceaccounts": {"ServiceAccount"}, "roles": {"Role"}, "clusterroles": {"ClusterRole"},
              "rolebindings": {"RoleBinding"}, "clusterrolebindings": {"ClusterRoleBinding"},
              "networkpolicies": {"NetworkPolicy"}}
RBAC_KINDS = {"Namespace", "ServiceAccount", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}
OBJECT_LISTS = {"limitranges": {"LimitRange"}, "resourcequotas": {"ResourceQuota"},
                "clusters": {*RBAC_KINDS, "Pod", *workload.WORKLOAD_KINDS, "Service", "NetworkPolicy"},
                "rbac_clusters": RBAC_KINDS, "netpol_clusters": {"Namespace", "Pod", "Deployment", "NetworkPolicy"}}
VALUES: dict[str, Callable[[Any, dict[str, Any]], bool]] = {
    "rbac_requests": lambda r, args: {"user", "groups", "verb"} <= set(r) and (
        set(r) == {"user", "groups", "verb", "path"} or r["namespace"] in (args.get("namespace", r["namespace"]), "")),
    "label_sets": lambda v, _: isinstance(v, dict) and all(isinstance(x, str) for x in (*v, *v.values())),
    "selectors": lambda v, _: isinstance(v, dict) and set(v) <= {"matchLabels", "matchExpressions"},
    "quantities": lambda v, _: isinstance(v, str) and Quantity.parse(v).sign() > 0,
    "integers": lambda v, args: type(v) is int and args.get("min", -(2**63)) <= v <= args.get("max", 2**63 - 1),
    "booleans": lambda v, _: type(v) is bool,
    "sampled": lambda v, args: v in args["values"],
}


def fully_resourced(pod: Obj) -> bool:
    return all(set(c["resources"][part]) == {"cpu", "memory"} for c in pod_containers(pod) for part in (
        "requests", "limits"))


def pod_containers(pod: Obj) -> list[Obj]:
    return pod["spec"]["containers"] + pod["spec"].get("initContainers", [])


# What a parameter promises of each value, given the value of ARGUMENTS (true for status and resources).
PROMISES: dict[str, Callable[[Any, Any], bool]] = {
    "status": lambda v, _: all("status" in o for o in manifests(v)),
    "resources": lambda v, _: fully_resourced(v),
    "min_size": lambda v, least: len(v) >= least,
}


def declared(name: str, value: Any, args: dict[str, Any]) -> bool:
    """Whether a value is what the registry says `name` yields, in the namespace asked for, with what
    its other parameters promise."""
    if not all(PROMISES[k](value, v) for k, v in args.items() if k in PROMISES):
        return False
    if name in VALUES:
        return VALUES[name](value, args)
    objs = [value] if name in ONE_OBJECT else value
    kinds = ONE_OBJECT.get(name) or OBJECT_LISTS[name]
    return isinstance(objs, list) and all(o["kind"] in kinds for o in objs) and all(
        o["metadata"].get("namespace") == args["namespace"] for o in objs if "namespace" in args)


def test_the_registry_has_every_name_the_language_uses() -> None:
    assert set(GENERATORS) == set(ONE_OBJECT) | set(OBJECT_LISTS) | set(VALUES)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_every_generator_builds_with_its_params_and_yields_its_kind(name: str) -> None:
    generator = GENERATORS[name]
    assert generator.name == name and generator.yields
    assert all(p.type in ("string", "int", "bool", "list", "map") and p.name in ARGUMENTS for p in generator.params)
    assert all(type(ARGUMENTS[p.name]).__name__ == {"string": "str", "map": "dict"}.get(p.type, p.type)
               for p in generator.params)
    required = {p.name: ARGUMENTS[p.name] for p in generator.params if p.required}
    for args in (required, {p.name: ARGUMENTS[p.name] for p in generator.params}):
        yields_declared(name, args)


@pytest.mark.parametrize(("name", "args"), [
    ("integers", {"min": 3, "max": 2}), ("integers", {"min": 2**63}), ("sampled", {"values": []}),
    ("limitranges", {"min_size": -1}), ("resourcequotas", {"min_size": 99}),
    ("rbac_requests", {"objects": [{"kind": "RoleBinding", "subjects": [{"kind": "User", "name": "alice"}]}]}),
])
def test_a_generator_refuses_arguments_it_cannot_honour(name: str, args: dict[str, Any]) -> None:
    """With a ValueError, which `prove` reports as a located generator-error."""
    def draw() -> None:
        @settings(max_examples=1, database=None)
        @given(GENERATORS[name].build(**args))
        def one(value: Any) -> None:
            pass

        one()

    with pytest.raises(ValueError):
        draw()


def yields_declared(name: str, args: dict[str, Any]) -> None:
    @settings(max_examples=5, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(GENERATORS[name].build(**args))
    def check(value: Any) -> None:
        assert declared(name, value, args), value

    check()


# --- the README ------------------------------------------------------------------------------
def test_the_readme_example_holds() -> None:
    """The usage example of README.md's "Strategies for your own property tests" runs and passes."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("## Strategies for your own property tests", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict[str, Any] = {}
    exec(compile(code.replace('"policies/kubernetes"', repr(str(policies_dir() / "kubernetes"))), "README", "exec"),
         scope)
    tests = [f for name, f in scope.items() if name.startswith("test_")]
    assert tests
    for test in tests:
        settings(max_examples=25, database=None, deadline=None)(test)()


# --- the language ------------------------------------------------------------------------------
PROPERTIES = '''package strategies.props

import kubernetes.rbac as rbac

def full(c) = ["requests", "limits"].all(f, "cpu" in c.resources[f] && "memory" in c.resources[f])

property "plain values stay in range"
  for code in sampled(values: [0, 1, 2, 126, 127, 137, 143, 255]), window in integers(min: 0, max: 300)
  for flag in booleans()
  check code in [0, 1, 2, 126, 127, 137, 143, 255] && window >= 0 && window <= 300 && (flag || !flag)

property "resources: true sets cpu and memory everywhere"
  for pod in pods(resources: true, status: true)
  check ((pod.spec.initContainers ?? []) + pod.spec.containers).all(c, full(c))

property "status: true and min_size hold"
  for quotas in resourcequotas(namespace: "default", status: true, min_size: 1), ranges in limitranges(min_size: 2)
  check size(quotas) >= 1 && quotas.all(q, has(q.status.hard) && has(q.status.used)) && size(ranges) >= 2

property "some aimed requests are allowed"
  for objects in rbac_clusters(), req in rbac_requests(objects: objects)
  check !with_cluster(objects, rbac.authorize(rbac.user(req.user, req.groups), req).allowed)
'''


def test_property_blocks_use_the_new_generators_and_parameters(tmp_path: Path) -> None:
    """The checker takes the new parameters with their types, and `prove` draws from them: the first
    three properties hold, and the last finds an allowed request (it claims none is)."""
    from kuberules import prove

    rules = tmp_path / "props.rules"
    rules.write_text(PROPERTIES)
    props = prove.load(rules, policies_dir() / "kubernetes").properties(entry_only=True)
    results = {p.name: prove.run_property(p, examples=15, seed=3) for p in props if p.module == "strategies.props"}
    assert len(results) == 4
    for name, result in results.items():
        assert result.passed == (name != "some aimed requests are allowed"), prove.report(result)


def test_the_grammar_reference_lists_every_generator_with_its_parameters() -> None:
    reference = (Path(__file__).parents[2] / "grammar" / "README.md").read_text()
    table = reference.split("| Generator | One value |", 1)[1].split("\n\n", 1)[0]
    for generator in GENERATORS.values():
        params = ", ".join(f"{p.name}: {p.type}" for p in generator.params)
        assert f"`{generator.name}({params})`" in table or (
            f"`{generator.name}`" in table and all(f"`{p.name}: {p.type}`" in table for p in generator.params)
        ), generator.name
