"""Hypothesis strategies for Kubernetes values, objects and consistent clusters.

Every value drawn is plain JSON-like data, what a YAML manifest loads to (quantities as strings such as
"500m"), valid against the JSON Schemas in specs/schemas and upstream's validation, and shrinks toward a
small, readable manifest. `GENERATORS` names them for the rule language's `property` blocks.

Modules: `values` (quantities, names, labels, selectors, and plain ints, bools and choices), `workload`
(Pod and the workload kinds), `objects` (Service, Namespace, ServiceAccount, LimitRange, ResourceQuota,
NetworkPolicy), `rbac` (roles, bindings, requests), `cluster` (consistent clusters), `registry` (the names a
rule file uses).
"""

from .cluster import clusters, netpol_clusters, rbac_clusters
from .objects import (
    limitrange_lists,
    limitranges,
    namespaces,
    networkpolicies,
    resourcequota_lists,
    resourcequotas,
    serviceaccounts,
    services,
)
from .rbac import clusterrolebindings, clusterroles, rbac_requests, rolebindings, roles
from .registry import GENERATORS, Generator, Param
from .values import (
    booleans,
    dns1035_labels,
    dns_labels,
    dns_subdomains,
    integers,
    label_keys,
    label_sets,
    label_values,
    quantities,
    sampled,
    selector_strings,
    selectors,
)
from .workload import (
    cronjobs,
    daemonsets,
    deployments,
    jobs,
    pod_specs,
    pods,
    replicasets,
    replicationcontrollers,
    statefulsets,
    workloads,
)

__all__ = [
    "GENERATORS", "Generator", "Param", "booleans", "clusterrolebindings", "clusterroles", "clusters", "cronjobs",
    "daemonsets", "deployments", "dns1035_labels", "dns_labels", "dns_subdomains", "integers", "jobs",
    "label_keys", "label_sets", "label_values", "limitrange_lists", "limitranges", "namespaces",
    "netpol_clusters", "networkpolicies", "pod_specs", "pods", "quantities", "rbac_clusters", "rbac_requests",
    "replicasets", "replicationcontrollers", "resourcequota_lists", "resourcequotas", "rolebindings", "roles",
    "sampled", "selector_strings", "selectors", "serviceaccounts", "services", "statefulsets", "workloads",
]
