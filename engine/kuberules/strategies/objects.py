"""Kubernetes objects, one at a time: Pods and every workload kind, and the objects around them.

Each strategy yields one manifest as plain data, valid against the JSON Schemas in specs/schemas and
upstream's validation (names are DNS names, labels are valid, values within a LimitRange item are
ordered, ...). Fields are optional where the API makes them optional, and leaving one out is the
simplest choice, so a counterexample shrinks to a manifest with only the fields it needs.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from . import values

Obj = dict[str, Any]
RESOURCES = ("cpu", "memory")
IMAGES = ("nginx", "registry.example/app:1", "busybox:1.36")


def metadata(name: str, namespace: str | None = None, labels: dict[str, str] | None = None) -> Obj:
    """Object metadata with only the fields given (a cluster-scoped object has no namespace)."""
    meta: Obj = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = labels
    return meta


def _namespace(namespace: str | None) -> st.SearchStrategy[str]:
    return st.just(namespace) if namespace is not None else values.namespaces_names()


# --- containers ---------------------------------------------------------------------------------
@st.composite
def requirements(draw: st.DrawFn) -> Obj:
    """A container's `resources`: for cpu and memory each, none, a request, a limit, or both with the
    limit at least the request; empty when neither resource is set."""
    out: Obj = {}
    for resource in RESOURCES:
        shape = draw(st.sampled_from(("none", "both", "request", "limit")))
        if shape == "none":
            continue
        low, high = sorted(draw(st.lists(values.amounts(resource), min_size=2, max_size=2)))
        if shape in ("request", "both"):
            out.setdefault("requests", {})[resource] = draw(values.quantity_text(resource, low))
        if shape in ("limit", "both"):
            out.setdefault("limits", {})[resource] = draw(values.quantity_text(resource, high))
    return out


PORT_NAMES = ("http", "metrics", "grpc", "dns")
PORT_NUMBERS = (80, 8080, 443, 53, 9090, 5432, 8443)


@st.composite
def container_ports(draw: st.DrawFn, taken: set[tuple[int, str]], names: set[str]) -> list[Obj]:
    """0-2 ports, unique across the pod by name and by (containerPort, protocol), as validation wants."""
    ports = []
    for _ in range(draw(st.integers(0, 2))):
        number = draw(st.one_of(st.sampled_from(PORT_NUMBERS), st.integers(1, 65535)))
        protocol = draw(st.sampled_from((None, "UDP", "SCTP")))
        if (number, protocol or "TCP") in taken:
            continue
        taken.add((number, protocol or "TCP"))
        port: Obj = {"containerPort": number}
        if protocol is not None:
            port["protocol"] = protocol
        name = draw(st.sampled_from((None, *PORT_NAMES)))
        if name is not None and name not in names:
            names.add(name)
            port["name"] = name
        ports.append(port)
    return ports


@st.composite
def containers(draw: st.DrawFn, name: str, ports: tuple[set[tuple[int, str]], set[str]] | None = None,
               sidecar: bool = False) -> Obj:
    """A container: image, sometimes resources (set or explicitly empty), ports when `ports` carries the
    pod's taken port numbers and names, `restartPolicy: Always` for a sidecar init container."""
    out: Obj = {"name": name, "image": draw(st.sampled_from(IMAGES))}
    shape = draw(st.sampled_from(("absent", "set", "empty")))
    if shape != "absent":
        out["resources"] = draw(requirements()) if shape == "set" else {}
    if ports is not None:
        drawn = draw(container_ports(*ports))
        if drawn:
            out["ports"] = drawn
    if sidecar:
        out["restartPolicy"] = "Always"
    return out


@st.composite
def pod_specs(draw: st.DrawFn, restart_policies: tuple[str, ...] = ("Always", "OnFailure", "Never")) -> Obj:
    """A PodSpec: 1-3 containers and 0-2 init containers (some of them sidecars), names unique across
    both; ports unique across the pod; sometimes a restartPolicy from `restart_policies`."""
    ports: tuple[set[tuple[int, str]], set[str]] = (set(), set())
    spec: Obj = {"containers": [draw(containers(f"c{i}" if i else "app", ports))
                                for i in range(draw(st.integers(1, 3)))]}
    inits = draw(st.integers(0, 2))
    if inits:
        spec["initContainers"] = [draw(containers(f"init{i}", sidecar=draw(st.booleans()))) for i in range(inits)]
    if draw(st.booleans()):
        spec["restartPolicy"] = draw(st.sampled_from(restart_policies))
    return spec


# --- Pod ----------------------------------------------------------------------------------------
@st.composite
def pods(draw: st.DrawFn, namespace: str | None = None) -> Obj:
    """A Pod (in `namespace`, else a drawn one): labels or none, 1-3 containers with or without
    resources and ports, init containers and sidecars (see `pod_specs`)."""
    meta = metadata(draw(values.dns_labels()), draw(_namespace(namespace)), draw(values.label_sets(max_size=3)))
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": draw(pod_specs())}


# --- LimitRange ---------------------------------------------------------------------------------
RATIOS = {"1": 1000, "2": 2000, "1500m": 1500, "4": 4000, "10": 10000}  # in thousandths


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
    maxLimitRequestRatio of at least 1 and at most max/min, storage bounds on a PVC item."""
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
    types = draw(st.lists(st.sampled_from(("Container", "Pod", "PersistentVolumeClaim")), min_size=1,
                          max_size=3, unique=True))
    return {"apiVersion": "v1", "kind": "LimitRange",
            "metadata": metadata(name or draw(values.dns_labels()), draw(_namespace(namespace))),
            "spec": {"limits": [draw(limitrange_items(t)) for t in types]}}


@st.composite
def limitrange_lists(draw: st.DrawFn, namespace: str | None = None) -> list[Obj]:
    """The LimitRanges of one namespace: 0-2 of them, names distinct, in `namespace` or a drawn one."""
    ns = draw(_namespace(namespace))
    return [draw(limitranges(ns, f"limits-{i}" if i else "limits")) for i in range(draw(st.integers(0, 2)))]
