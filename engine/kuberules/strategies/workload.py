"""Pods and the seven workload kinds that hold a pod template.

A container has an image, sometimes resources (requests and limits of cpu and memory, the limit never
below the request), sometimes ports (unique across the pod by name and by number and protocol); a pod
has 1-3 containers and 0-2 init containers, some of them sidecars. A workload's selector selects its own
template's labels, and its template's restartPolicy is one its kind allows.

Containers and init containers are drawn as lists (`st.lists`), named and their ports made unique after
the draw, so that shrinking can delete any of them: a shrunk counterexample keeps the containers it needs.
"""

from __future__ import annotations

from functools import cache

from hypothesis import strategies as st

from . import values
from .choices import one_in, pick
from .meta import Obj, metadata, namespace_or_drawn

RESOURCES = ("cpu", "memory")
IMAGES = ("nginx", "registry.example/app:1", "busybox:1.36")
PORT_NAMES = ("http", "metrics", "grpc", "dns")
PORT_NUMBERS = (80, 8080, 443, 53, 9090, 5432, 8443)
PROTOCOLS = ("TCP", "UDP", "SCTP")
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob")
RESTART_POLICIES = (None, "Always", "OnFailure", "Never")
# A regular container's own restartPolicy (KEP-5307, ContainerRestartRules: on by default in the Kubernetes
# 1.37 that policies/kubernetes models); drawn on Pods only, not on the workloads' templates.
CONTAINER_RESTART_POLICIES = ("Always", "OnFailure", "Never")
EXIT_CODES = (0, 1, 2, 126, 127, 137, 143, 255)  # success, errors, not executable, not found, SIGKILL, SIGTERM
_PORT_NUMBERS = st.sampled_from((*PORT_NUMBERS, 1, 65535, 1024, 6443, 10250, 30080))


# --- containers ---------------------------------------------------------------------------------
def _requirements(draw: st.DrawFn, full: bool = False) -> Obj:
    """A container's `resources`: for cpu and memory each, nothing, a request, a limit, or both (the
    limit at least the request), each amount in any valid spelling; {} when neither resource is set.
    `full`: both, for both resources."""
    out: Obj = {}
    for resource in RESOURCES:
        shape = "both" if full else draw(st.sampled_from(("none", "limit", "request", "both")))
        if shape == "none":
            continue
        low, high = sorted((draw(values.amounts(resource)), draw(values.amounts(resource))))
        if shape in ("request", "both"):
            out.setdefault("requests", {})[resource] = values.spell(draw, resource, low)
        if shape in ("limit", "both"):
            out.setdefault("limits", {})[resource] = values.spell(draw, resource, high)
    return out


def _ports(draw: st.DrawFn) -> list[Obj]:
    """0-2 ports, named or not, with or without a protocol (the pod makes them unique: `_unique_ports`)."""
    ports = []
    for _ in range(draw(st.integers(0, 2))):
        number = draw(_PORT_NUMBERS)
        protocol = draw(st.sampled_from((None, "UDP", "SCTP", "TCP")))
        name = draw(st.sampled_from((None, *PORT_NAMES)))
        port: Obj = {"containerPort": number}
        if protocol is not None:
            port["protocol"] = protocol
        if name is not None:
            port["name"] = name
        ports.append(port)
    return ports


def _unique_ports(containers: list[Obj]) -> None:
    """Leave out, in place, each port whose number and protocol an earlier one of the pod has, and each
    name an earlier port has (the port stays, unnamed): validation wants both unique across the pod."""
    numbers: set[tuple[int, str]] = set()
    names: set[str] = set()
    for c in containers:
        kept = []
        for port in c.get("ports", []):
            key = (port["containerPort"], port.get("protocol", "TCP"))
            if key in numbers:
                continue
            numbers.add(key)
            if "name" in port:
                if port["name"] in names:
                    del port["name"]
                else:
                    names.add(port["name"])
            kept.append(port)
        if kept:
            c["ports"] = kept
        else:
            c.pop("ports", None)


@cache
def _container(resources: bool | None, ports: bool, kind: str) -> st.SearchStrategy[Obj]:
    """A container without its name (the pod names it): an image; `resources` absent, set or explicitly
    empty (None), cpu and memory requests and limits all set (True), or absent (False); ports when `ports`.
    `kind`: "regular", "own policy" (a regular container that sometimes has a restartPolicy of its own) or
    "init" (sometimes a sidecar: `restartPolicy: Always`)."""

    @st.composite
    def container(draw: st.DrawFn) -> Obj:
        out: Obj = {"name": "", "image": draw(st.sampled_from(IMAGES))}
        shape = "set" if resources else "absent" if resources is False else \
            draw(st.sampled_from(("absent", "set", "empty")))
        if shape != "absent":
            out["resources"] = _requirements(draw, full=bool(resources)) if shape == "set" else {}
        if ports:
            drawn = _ports(draw)
            if drawn:
                out["ports"] = drawn
        if kind == "init" and draw(st.booleans()):
            out["restartPolicy"] = "Always"
        elif kind == "own policy" and one_in(draw, 6):
            out["restartPolicy"] = pick(draw, CONTAINER_RESTART_POLICIES)
        return out

    return container()


@cache
def _container_lists(resources: bool | None, own_policy: bool) -> tuple[st.SearchStrategy[list[Obj]], ...]:
    """(containers: 1-3, init containers: 0-2), lists that shrinking can delete elements from."""
    regular = _container(resources, True, "own policy" if own_policy else "regular")
    return (st.lists(regular, min_size=1, max_size=3), st.lists(_container(resources, False, "init"), max_size=2))


def _pod_spec(draw: st.DrawFn, restart_policies: tuple[str | None, ...] = RESTART_POLICIES,
              service_accounts: tuple[str, ...] = (), resources: bool | None = None,
              own_policy: bool = False) -> Obj:
    """Draw a PodSpec (see `pod_specs`); `own_policy`: regular containers may have a restartPolicy."""
    regular, init = _container_lists(resources, own_policy)
    containers = draw(regular)
    for i, c in enumerate(containers):
        c["name"] = f"c{i}" if i else "app"
    _unique_ports(containers)
    spec: Obj = {"containers": containers}
    inits = draw(init)
    for i, c in enumerate(inits):
        c["name"] = f"init{i}"
    if inits:
        spec["initContainers"] = inits
    policy = draw(st.sampled_from(restart_policies))
    if policy is not None:
        spec["restartPolicy"] = policy
    if service_accounts and draw(st.booleans()):
        spec["serviceAccountName"] = draw(st.sampled_from(service_accounts))
    return spec


@st.composite
def pod_specs(draw: st.DrawFn, restart_policies: tuple[str | None, ...] = RESTART_POLICIES,
              service_accounts: tuple[str, ...] = (), resources: bool | None = None) -> Obj:
    """A PodSpec: 1-3 containers (the first named `app`) with or without resources and ports, and 0-2
    init containers, some of them sidecars, names unique across both; a restartPolicy drawn from
    `restart_policies` (None: absent); sometimes a serviceAccountName from `service_accounts`.
    `resources`: True, every container and init container requests and limits cpu and memory (the limit
    at least the request); False, none has resources; None (default), each may or may not."""
    return _pod_spec(draw, restart_policies, service_accounts, resources)


# --- pod status ---------------------------------------------------------------------------------
_STARTED = (None, False, True)  # of a running container that is not ready: absent (false), false, true


def _container_status(draw: st.DrawFn, container: Obj) -> Obj:
    """A status as the kubelet reports it: running (ready or not; `started` true when ready, else absent,
    false or true), waiting, or terminated with an exit code (0, 1, 2, 126, 127, 137, 143 or 255); a
    restart count, and sometimes the last termination (a non-zero exit code)."""
    state = draw(st.sampled_from(("running", "waiting", "terminated")))
    ready = state == "running" and draw(st.booleans())
    status: Obj = {"name": container["name"], "image": container["image"], "imageID": "", "ready": ready}
    if state == "running":
        started = True if ready else pick(draw, _STARTED)  # ready only once started (the startup probe passed)
        if started is not None:
            status["started"] = started
    status["restartCount"] = draw(st.integers(0, 3))
    if state == "running":
        status["state"] = {"running": {"startedAt": "2024-01-01T00:00:00Z"}}
    elif state == "waiting":
        status["state"] = {"waiting": {"reason": draw(st.sampled_from(("ContainerCreating", "CrashLoopBackOff")))}}
    else:
        code = pick(draw, EXIT_CODES)
        status["state"] = {"terminated": {"exitCode": code, "reason": "Completed" if code == 0 else "Error"}}
    if status["restartCount"] and draw(st.booleans()):
        status["lastState"] = {"terminated": {"exitCode": pick(draw, EXIT_CODES[1:]), "reason": "Error"}}
    return status


def _pod_status(draw: st.DrawFn, spec: Obj, ip: str | None = None) -> Obj:
    """A status for a pod of this spec: for each container and init container, a status or (about as
    often) none, not known yet; `podIP` when `ip` is given. No phase: the kubelet derives it."""
    status: Obj = {}
    for field, source in (("containerStatuses", "containers"), ("initContainerStatuses", "initContainers")):
        listed = [c for c in spec.get(source, []) if not draw(st.booleans())]  # shrinks to listed
        if listed:
            status[field] = [_container_status(draw, c) for c in listed]
    if ip is not None:
        status["podIP"] = ip
    return status


# --- Pod ----------------------------------------------------------------------------------------
@st.composite
def pods(draw: st.DrawFn, namespace: str | None = None, status: bool | None = None, name: str | None = None,
         labels: dict[str, str] | None = None, ip: str | None = None, service_accounts: tuple[str, ...] = (),
         resources: bool | None = None) -> Obj:
    """A Pod in `namespace` (else a drawn one): labels or none; 1-3 containers with or without resources
    and ports, now and then one with a restartPolicy of its own (Always, OnFailure, Never: the API allows
    it with ContainerRestartRules, on in 1.37); init containers and sidecars; any restartPolicy (see
    `pod_specs`). `resources`: True, every container and init container requests and limits cpu and memory
    (the limit at least the request); False, none has resources; None (default), each may or may not. A
    status with container states when `status` is True, none when False, sometimes when None: each
    container's status running (with `started`), waiting or terminated (exit codes 0, 1, 2, 126, 127, 137,
    143, 255), or missing about as often. In a cluster: its `name`, `labels`, a `podIP` `ip` and a
    serviceAccountName among `service_accounts`."""
    spec = _pod_spec(draw, service_accounts=service_accounts, resources=resources, own_policy=True)
    pod: Obj = {"apiVersion": "v1", "kind": "Pod",
                "metadata": metadata(name or draw(values.dns_labels()), draw(namespace_or_drawn(namespace)),
                                     draw(values.label_sets(max_size=3)) if labels is None else labels),
                "spec": spec}
    if status or (status is None and one_in(draw, 3)) or ip is not None:
        pod["status"] = _pod_status(draw, spec, ip)
    return pod


# --- workloads ----------------------------------------------------------------------------------
def _template(draw: st.DrawFn, name: str, policies: tuple[str | None, ...],
              service_accounts: tuple[str, ...]) -> tuple[Obj, Obj]:
    """(selector, template): the template labelled `app: <name>` and maybe more; the selector selects
    those labels (matchLabels and expressions that hold on them), never empty, as apps/v1 requires."""
    labels = {**draw(values.label_sets(max_size=2)), "app": name}
    selector = values.selector_of(draw, labels) or {"matchLabels": {"app": name}}
    template = {"metadata": {"labels": labels}, "spec": _pod_spec(draw, policies, service_accounts)}
    return selector, template


def _with_replicas(draw: st.DrawFn, spec: Obj) -> Obj:
    if draw(st.booleans()):
        spec["replicas"] = draw(st.integers(0, 5))
    return spec


def _workload(kind: str, api: str, name: str, namespace: str, spec: Obj) -> Obj:
    return {"apiVersion": api, "kind": kind, "metadata": metadata(name, namespace), "spec": spec}


ALWAYS = (None, "Always")
STRATEGIES = (None, {"type": "Recreate"}, {"type": "RollingUpdate"},
              {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
              {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "50%", "maxUnavailable": "25%"}},
              {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}})


@st.composite
def deployments(draw: st.DrawFn, namespace: str | None = None, name: str | None = None,
                service_accounts: tuple[str, ...] = ()) -> Obj:
    """A Deployment: replicas absent or 0-5; the default strategy, Recreate, or RollingUpdate with
    maxSurge and maxUnavailable as numbers or percentages (never both zero)."""
    name = name or draw(values.dns_labels())
    selector, template = _template(draw, name, ALWAYS, service_accounts)
    spec = _with_replicas(draw, {"selector": selector, "template": template})
    strategy = draw(st.sampled_from(STRATEGIES))
    if strategy is not None:
        spec["strategy"] = strategy
    return _workload("Deployment", "apps/v1", name, draw(namespace_or_drawn(namespace)), spec)


@st.composite
def replicasets(draw: st.DrawFn, namespace: str | None = None, name: str | None = None,
                service_accounts: tuple[str, ...] = ()) -> Obj:
    """A ReplicaSet: replicas absent or 0-5."""
    name = name or draw(values.dns_labels())
    selector, template = _template(draw, name, ALWAYS, service_accounts)
    return _workload("ReplicaSet", "apps/v1", name, draw(namespace_or_drawn(namespace)),
                     _with_replicas(draw, {"selector": selector, "template": template}))


@st.composite
def statefulsets(draw: st.DrawFn, namespace: str | None = None, name: str | None = None,
                 service_accounts: tuple[str, ...] = ()) -> Obj:
    """A StatefulSet: replicas absent or 0-5, a serviceName sometimes, Parallel pod management
    sometimes, and sometimes a volumeClaimTemplate asking for storage."""
    name = name or draw(values.dns_labels())
    selector, template = _template(draw, name, ALWAYS, service_accounts)
    spec = _with_replicas(draw, {"selector": selector, "template": template})
    if draw(st.booleans()):
        spec["serviceName"] = name
    if draw(st.booleans()):
        spec["podManagementPolicy"] = "Parallel"
    if draw(st.booleans()):
        storage = {"requests": {"storage": draw(values.quantities("storage"))}}
        spec["volumeClaimTemplates"] = [{"metadata": {"name": "data"},
                                         "spec": {"accessModes": ["ReadWriteOnce"], "resources": storage}}]
    return _workload("StatefulSet", "apps/v1", name, draw(namespace_or_drawn(namespace)), spec)


@st.composite
def daemonsets(draw: st.DrawFn, namespace: str | None = None, name: str | None = None,
               service_accounts: tuple[str, ...] = ()) -> Obj:
    """A DaemonSet: sometimes an OnDelete update strategy, sometimes a nodeSelector."""
    name = name or draw(values.dns_labels())
    selector, template = _template(draw, name, ALWAYS, service_accounts)
    spec: Obj = {"selector": selector, "template": template}
    if draw(st.booleans()):
        spec["updateStrategy"] = {"type": "OnDelete"}
    if draw(st.booleans()):
        template["spec"]["nodeSelector"] = {"kubernetes.io/os": "linux"}
    return _workload("DaemonSet", "apps/v1", name, draw(namespace_or_drawn(namespace)), spec)


@st.composite
def replicationcontrollers(draw: st.DrawFn, namespace: str | None = None, name: str | None = None,
                           service_accounts: tuple[str, ...] = ()) -> Obj:
    """A ReplicationController: replicas absent or 0-5, its selector a map (some of the template's labels)
    or absent (then it is the template's labels)."""
    name = name or draw(values.dns_labels())
    _, template = _template(draw, name, ALWAYS, service_accounts)
    spec = _with_replicas(draw, {"template": template})
    if draw(st.booleans()):
        labels = template["metadata"]["labels"]
        spec["selector"] = {"app": name, **{k: v for k, v in labels.items() if draw(st.booleans())}}
    return _workload("ReplicationController", "v1", name, draw(namespace_or_drawn(namespace)), spec)


def _job_spec(draw: st.DrawFn, name: str, service_accounts: tuple[str, ...]) -> Obj:
    """A JobSpec: a template whose restartPolicy is OnFailure or Never (the only ones a Job allows), and
    sometimes parallelism, completions and backoffLimit."""
    _, template = _template(draw, name, ("OnFailure", "Never"), service_accounts)
    spec: Obj = {"template": template}
    for field, least, most in (("parallelism", 1, 4), ("completions", 1, 6), ("backoffLimit", 0, 6)):
        if one_in(draw, 3):
            spec[field] = draw(st.integers(least, most))
    return spec


@st.composite
def jobs(draw: st.DrawFn, namespace: str | None = None, name: str | None = None,
         service_accounts: tuple[str, ...] = ()) -> Obj:
    """A Job (the selector left to the controller, as without manualSelector): sometimes parallelism,
    completions and backoffLimit."""
    name = name or draw(values.dns_labels())
    return _workload("Job", "batch/v1", name, draw(namespace_or_drawn(namespace)),
                     _job_spec(draw, name, service_accounts))


SCHEDULES = ("*/5 * * * *", "@hourly", "0 0 * * *", "30 2 * * 1-5")


@st.composite
def cronjobs(draw: st.DrawFn, namespace: str | None = None, name: str | None = None,
             service_accounts: tuple[str, ...] = ()) -> Obj:
    """A CronJob: a schedule (cron fields or a macro), a job template, sometimes a concurrencyPolicy
    and suspend."""
    name = name or draw(values.dns_labels(max_size=52))  # validation: a CronJob name has at most 52
    spec: Obj = {"schedule": draw(st.sampled_from(SCHEDULES)),
                 "jobTemplate": {"spec": _job_spec(draw, name, service_accounts)}}
    if draw(st.booleans()):
        spec["concurrencyPolicy"] = draw(st.sampled_from(("Forbid", "Replace", "Allow")))
    if draw(st.booleans()):
        spec["suspend"] = draw(st.booleans())
    return _workload("CronJob", "batch/v1", name, draw(namespace_or_drawn(namespace)), spec)


BY_KIND = {"Deployment": deployments, "StatefulSet": statefulsets, "DaemonSet": daemonsets,
           "ReplicaSet": replicasets, "ReplicationController": replicationcontrollers, "Job": jobs,
           "CronJob": cronjobs}


def workloads(namespace: str | None = None) -> st.SearchStrategy[Obj]:
    """A Pod or a workload of any of the seven kinds, Pods first."""
    return st.one_of(pods(namespace), *(BY_KIND[k](namespace) for k in WORKLOAD_KINDS))


def template_labels(obj: Obj) -> dict[str, str]:
    """The labels of the pods a Pod or workload makes: its own for a Pod, else its template's."""
    if obj["kind"] == "Pod":
        return obj["metadata"].get("labels", {})
    spec = obj["spec"]["jobTemplate"]["spec"] if obj["kind"] == "CronJob" else obj["spec"]
    return spec["template"]["metadata"]["labels"]
