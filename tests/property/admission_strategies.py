"""Hypothesis strategies for admission: Pods, LimitRanges, ResourceQuotas and Deployments.

The values stay in the ranges real manifests use (cpu 50m..4, memory 16Mi..8Gi,
whole millicores and mebibytes), so that every comparison the rules make is
exact and upstream's MilliValue rounding never matters: a failure is then a
disagreement about semantics, not about precision.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from kuberules.k8s.quantity import Quantity

NAMESPACE = "default"
RESOURCES = ("cpu", "memory")
QUOTA_NAMES = ("pods", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory")


# --- quantities ---------------------------------------------------------------
def cpu_text(millis: int) -> str:
    """A cpu amount as people write it: whole cores bare, the rest in millicores."""
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def memory_text(mebibytes: int) -> str:
    """A memory amount as people write it: whole gibibytes in Gi, the rest in Mi."""
    return f"{mebibytes // 1024}Gi" if mebibytes % 1024 == 0 else f"{mebibytes}Mi"


# Amounts in each resource's own unit (millicores, mebibytes) and how to write them.
UNITS = {"cpu": (50, 4000, cpu_text), "memory": (16, 8192, memory_text)}


def text(resource: str, amount: int) -> str:
    return UNITS[resource][2](amount)


def amounts(resource: str, lo: int | None = None, hi: int | None = None) -> st.SearchStrategy[int]:
    """Round amounts more often than odd ones: equal values at the boundaries are where bugs hide."""
    low, high, _ = UNITS[resource]
    low, high = lo if lo is not None else low, hi if hi is not None else high
    step = 50 if resource == "cpu" else 16
    round_ones = [v for v in range(low - low % step + step, high + 1, step) if v >= low]
    return st.one_of(st.integers(low, high), st.sampled_from(round_ones or [low]))


def q(value: str) -> Quantity:
    return Quantity.parse(value)


# --- pods -------------------------------------------------------------------------
@st.composite
def requirements(draw: st.DrawFn) -> dict[str, Any]:
    """A container's resources: each resource requested and limited (limit >= request, often a small
    multiple of it), only limited (defaulting makes it the request), only requested, or neither."""
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    for resource in RESOURCES:
        shape = draw(st.sampled_from(["both", "both", "both", "limit", "limit", "request", "none"]))
        if shape == "none":
            continue
        high = UNITS[resource][1]
        first = draw(amounts(resource, hi=high // 2))
        if shape in ("request", "both"):
            requests[resource] = text(resource, first)
        if shape == "limit":
            limits[resource] = text(resource, first)
        if shape == "both":
            factor = draw(st.sampled_from([1, 1, 2, 3, None]))
            limit = first * factor if factor is not None else draw(amounts(resource, first, high))
            limits[resource] = text(resource, limit)
    out: dict[str, Any] = {}
    if requests:
        out["requests"] = requests
    if limits:
        out["limits"] = limits
    return out


def container(name: str, resources: dict[str, Any], sidecar: bool = False) -> dict[str, Any]:
    c: dict[str, Any] = {"name": name, "image": "registry.example/app:1"}
    if resources or sidecar:  # an explicit empty `resources` is as common as none at all
        c["resources"] = resources
    if sidecar:
        c["restartPolicy"] = "Always"
    return c


@st.composite
def pod_specs(draw: st.DrawFn) -> dict[str, Any]:
    """1-3 containers, 0-2 init containers of which some are sidecars; names unique as the API requires."""
    n = draw(st.integers(1, 3))
    spec: dict[str, Any] = {"containers": [container(f"c{i}", draw(requirements())) for i in range(n)]}
    inits = draw(st.integers(0, 2))
    if inits:
        spec["initContainers"] = [container(f"i{i}", draw(requirements()), draw(st.booleans()))
                                  for i in range(inits)]
    return spec


@st.composite
def pods(draw: st.DrawFn, name: str | None = None) -> dict[str, Any]:
    pod_name = name or draw(st.sampled_from(["web", "api", "worker", "db"]))
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": pod_name, "namespace": NAMESPACE},
            "spec": draw(pod_specs())}


@st.composite
def deployments(draw: st.DrawFn) -> dict[str, Any]:
    """A Deployment of 1-6 replicas (its default RollingUpdate strategy, surge 25%)."""
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app", "namespace": NAMESPACE},
        "spec": {"replicas": draw(st.integers(1, 6)), "selector": {"matchLabels": {"app": "app"}},
                 "template": {"metadata": {"labels": {"app": "app"}}, "spec": draw(pod_specs())}},
    }


# --- LimitRanges ------------------------------------------------------------------
RATIOS = ["1", "1500m", "2", "3", "4", "10"]


@st.composite
def container_item(draw: st.DrawFn) -> dict[str, Any]:
    """A Container item, valid as ValidateLimitRange wants: min <= defaultRequest <= default <= max,
    and a maxLimitRequestRatio of at least 1 and at most max/min."""
    item: dict[str, Any] = {"type": "Container"}
    for resource in RESOURCES:
        low = UNITS[resource][0]
        # a min far below most requests, a max above most limits: a range that admits some pods
        rest = draw(st.lists(amounts(resource, low * 4), min_size=3, max_size=3))
        values = [draw(amounts(resource, hi=low * 4)), *sorted(rest)]
        for field, value in zip(("min", "defaultRequest", "default", "max"), values, strict=True):
            if draw(st.integers(0, 2)) == 0:
                item.setdefault(field, {})[resource] = text(resource, value)
        if draw(st.integers(0, 3)) == 0:
            ratio = draw(st.sampled_from(RATIOS))
            lo, hi = item.get("min", {}).get(resource), item.get("max", {}).get(resource)
            if lo is None or hi is None or q(ratio).as_approximate_float() <= q(hi).value() / q(lo).value():
                item.setdefault("maxLimitRequestRatio", {})[resource] = ratio
    return item


@st.composite
def pod_item(draw: st.DrawFn) -> dict[str, Any]:
    """A Pod item: min and max of the pod's aggregate (no defaults: those are for containers)."""
    item: dict[str, Any] = {"type": "Pod"}
    for resource in RESOURCES:
        low, high, _ = UNITS[resource]
        lo, hi = sorted(draw(st.lists(amounts(resource, low, high * 3), min_size=2, max_size=2)))
        if draw(st.integers(0, 3)) == 0:
            item.setdefault("min", {})[resource] = text(resource, min(lo, low * 4))
        if draw(st.integers(0, 1)) == 0:
            item.setdefault("max", {})[resource] = text(resource, hi)
        if draw(st.integers(0, 5)) == 0:
            item.setdefault("maxLimitRequestRatio", {})[resource] = draw(st.sampled_from(RATIOS))
    return item


@st.composite
def limit_ranges(draw: st.DrawFn, name: str = "limits") -> dict[str, Any]:
    items = draw(st.lists(st.one_of(container_item(), container_item(), pod_item()), min_size=1, max_size=2))
    return {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {"limits": items}}


@st.composite
def limit_range_lists(draw: st.DrawFn, max_size: int = 2) -> list[dict[str, Any]]:
    n = draw(st.integers(0, max_size))
    return [draw(limit_ranges(f"limits-{i}")) for i in range(n)]


# --- ResourceQuotas ---------------------------------------------------------------
def hard_text(name: str, amount: int) -> str:
    """`pods` counts; the others are cpu (millicores) or memory (mebibytes)."""
    if name == "pods":
        return str(amount)
    return cpu_text(amount) if name.endswith("cpu") else memory_text(amount)


HARD_RANGES = {"pods": (1, 10), "requests.cpu": (500, 16000), "limits.cpu": (1000, 24000),
               "requests.memory": (512, 32768), "limits.memory": (1024, 49152)}


@st.composite
def hard_amounts(draw: st.DrawFn) -> dict[str, int]:
    """Some of the quota names, each with an amount in its unit (amounts, not text, so they can be raised)."""
    names = draw(st.lists(st.sampled_from(QUOTA_NAMES), min_size=1, max_size=5, unique=True))
    out = {}
    for name in names:
        low, high = HARD_RANGES[name]
        step = 1 if name == "pods" else (250 if name.endswith("cpu") else 256)
        out[name] = draw(st.one_of(st.integers(low, high), st.integers(low // step, high // step).map(
            lambda k, s=step: k * s)))
    return out


def quota(name: str, hard: dict[str, int], used: dict[str, int]) -> dict[str, Any]:
    """A ResourceQuota as the quota controller leaves it: status.hard = spec.hard, status.used per hard name."""
    hard_map = {k: hard_text(k, v) for k, v in hard.items()}
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {"hard": hard_map},
            "status": {"hard": dict(hard_map), "used": {k: hard_text(k, used.get(k, 0)) for k in hard}}}


@st.composite
def quotas(draw: st.DrawFn, name: str = "quota") -> dict[str, Any]:
    """A quota with nothing used yet, or with some amount (at most hard) of each of its names used."""
    hard = draw(hard_amounts())
    return quota(name, hard, draw(used_amounts(hard)))


@st.composite
def used_amounts(draw: st.DrawFn, hard: dict[str, int]) -> dict[str, int]:
    """Nothing used, a little, or anything up to hard (full quotas included)."""
    shape = draw(st.sampled_from(["none", "some", "any"]))
    if shape == "none":
        return {}
    return {k: draw(st.integers(0, v // 4 if shape == "some" else v)) for k, v in hard.items()}


@st.composite
def quota_lists(draw: st.DrawFn, min_size: int = 1, max_size: int = 2) -> list[dict[str, Any]]:
    n = draw(st.integers(min_size, max_size))
    return [draw(quotas(f"quota-{i}")) for i in range(n)]
