"""Adapters of the specs/conformance/rbac/ functions (see test_conformance.py), answered by
policies/kubernetes/rbac.rules through `Policy.query`; the row's RBAC objects are the cluster."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from kuberules.k8s.cluster import ClusterView

from .kubernetes_rules import kubernetes_policy


def _query(name: str, *args: Any, objects: list | None = None) -> Any:
    cluster = ClusterView(objects) if objects is not None else None
    return kubernetes_policy().query(f"kubernetes.rbac.{name}", *args, cluster=cluster)


def _objects(value: dict) -> list:
    return [*value.get("roles", []), *value.get("clusterRoles", []), *value.get("roleBindings", []),
            *value.get("clusterRoleBindings", [])]


def _bag(items: list) -> Counter:
    """Rules compared as a multiset: upstream fixes no order."""
    return Counter(json.dumps(i, sort_keys=True) for i in items)


def _authorize(value: dict, want: dict) -> None:
    got = _query("rbac_authorize", value["user"], value["request"], objects=_objects(value))
    assert got["allowed"] is want["allowed"], got


def _rule_matches(value: dict, want: bool) -> None:
    assert _query("rule_allows", value["rule"], value["request"]) is want


def _applies_to(value: dict, want: dict) -> None:
    got = _query("applies_to", value["user"], value["subjects"], value["namespace"])
    assert got is want["appliesTo"]
    if got:
        assert _query("subject_index", value["user"], value["subjects"], value["namespace"]) == want["index"]


def _rules_for(value: dict, want: list) -> None:
    assert _bag(_query("rules_for", value["user"], value["namespace"], objects=_objects(value))) == _bag(want)


def _covers(value: dict, want: dict) -> None:
    got = _query("covers", value["owner"], value["servant"])
    assert got["covered"] is want["covered"]
    assert _bag(got["uncovered"]) == _bag(want["uncovered"])


RBAC_ADAPTERS: dict[str, Callable[[Any, Any], None]] = {
    "rbac_authorize": _authorize,
    "rbac_rule_matches": _rule_matches,
    "rbac_applies_to": _applies_to,
    "rbac_rules_for": _rules_for,
    "rbac_covers": _covers,
}
