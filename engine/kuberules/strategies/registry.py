"""The strategies a rule file's `property` blocks can draw from, by the name the language writes.

Each entry says which keyword arguments its strategy takes (with their rule-language types, so the
checker can reject a wrong argument before anything runs) and, in one line, what one drawn value is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis.strategies import SearchStrategy

from . import cluster, objects, rbac, values, workload


@dataclass(frozen=True)
class Param:
    """A keyword argument a generator takes, as a rule file writes it: `pods(namespace: "prod")`."""

    name: str
    type: str  # rule-language type of the argument: "string" | "int" | "bool" | "list" | "map"
    required: bool = False


@dataclass(frozen=True)
class Generator:
    """A strategy the rule language's `property` blocks can draw from, by name."""

    name: str  # as written in a rule file: pods, limitranges, ...
    params: tuple[Param, ...]
    build: Callable[..., SearchStrategy[Any]]  # called with keyword arguments (only those given)
    yields: str  # one line for docs/errors: "a Pod", "the LimitRanges of one namespace (a list)"


NAMESPACE = (Param("namespace", "string"),)
SIZE = (Param("size", "int"),)
STATUS = Param("status", "bool")
MIN_SIZE = Param("min_size", "int")


def _sized(build: Callable[..., SearchStrategy[Any]], *knobs: str) -> Callable[..., SearchStrategy[Any]]:
    """`build` with every count knob set to one `size` (a bound on each count, default 2)."""
    def sized(size: int = 2) -> SearchStrategy[Any]:
        return build(**dict.fromkeys(knobs, size))

    return sized


def _namespaced(name: str, build: Callable[..., SearchStrategy[Any]], yields: str) -> Generator:
    return Generator(name, NAMESPACE, build, yields)


GENERATORS: dict[str, Generator] = {
    g.name: g
    for g in (
        Generator("pods", (*NAMESPACE, STATUS, Param("resources", "bool")), workload.pods,
                  "a Pod (with container statuses when status is true; every container requesting and limiting "
                  "cpu and memory when resources is true, none with resources when false)"),
        _namespaced("deployments", workload.deployments, "a Deployment"),
        _namespaced("statefulsets", workload.statefulsets, "a StatefulSet"),
        _namespaced("daemonsets", workload.daemonsets, "a DaemonSet"),
        _namespaced("replicasets", workload.replicasets, "a ReplicaSet"),
        _namespaced("replicationcontrollers", workload.replicationcontrollers, "a ReplicationController"),
        _namespaced("jobs", workload.jobs, "a Job"),
        _namespaced("cronjobs", workload.cronjobs, "a CronJob"),
        _namespaced("workloads", workload.workloads, "a Pod or a workload of any kind"),
        _namespaced("services", objects.services, "a Service"),
        Generator("namespaces", (), objects.namespaces, "a Namespace"),
        _namespaced("serviceaccounts", objects.serviceaccounts, "a ServiceAccount"),
        Generator("limitranges", (*NAMESPACE, MIN_SIZE), objects.limitrange_lists,
                  "the LimitRanges of one namespace (a list of min_size (default 0) to 2, or min_size when more)"),
        Generator("resourcequotas", (*NAMESPACE, STATUS, MIN_SIZE), objects.resourcequota_lists,
                  "the ResourceQuotas of one namespace (a list of min_size (default 0) to 2, or min_size when "
                  "more; each with status.hard and status.used when status is true, none when false)"),
        _namespaced("roles", rbac.roles, "a Role"),
        Generator("clusterroles", (), rbac.clusterroles, "a ClusterRole"),
        _namespaced("rolebindings", rbac.rolebindings, "a RoleBinding"),
        Generator("clusterrolebindings", (), rbac.clusterrolebindings, "a ClusterRoleBinding"),
        _namespaced("networkpolicies", objects.networkpolicies, "a NetworkPolicy"),
        Generator("clusters", SIZE, _sized(cluster.clusters, "namespaces", "workloads_per_namespace", "policies",
                                           "bindings"), "the objects of a consistent cluster (a list)"),
        Generator("rbac_clusters", SIZE, _sized(cluster.rbac_clusters, "namespaces", "roles", "bindings"),
                  "the RBAC objects of a consistent cluster (a list)"),
        Generator("netpol_clusters", SIZE, _sized(cluster.netpol_clusters, "namespaces", "pods", "policies"),
                  "namespaces, pods and NetworkPolicies of a cluster (a list)"),
        Generator("rbac_requests", (*NAMESPACE, Param("objects", "list")), rbac.rbac_requests,
                  "a request with who asks: {user, groups, verb, apiGroup, resource, subresource, name, "
                  "namespace} or {user, groups, verb, path}; given a cluster's objects, about half aimed at "
                  "what one of its bindings grants"),
        Generator("label_sets", (), values.label_sets, "a map of labels"),
        Generator("selectors", (), values.selectors, "a label selector in map form"),
        Generator("quantities", (Param("resource", "string"),), values.quantities,
                  'a quantity as a string (resource: "cpu", "memory" or "storage")'),
        Generator("integers", (Param("min", "int"), Param("max", "int")), values.integers,
                  "an int from min to max, both included (default: any int64); shrinks toward 0"),
        Generator("booleans", (), values.booleans, "true or false; shrinks to false"),
        Generator("sampled", (Param("values", "list", required=True),), values.sampled,
                  "one of the values (a list, not empty); shrinks to the first"),
    )
}
