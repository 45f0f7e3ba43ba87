"""Adapters of the specs/conformance/validation/ functions (see test_conformance.py),
answered by policies/kubernetes/validation.rules through `Policy.query`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .kubernetes_rules import kubernetes_policy


def _query(name: str, *args: Any) -> Any:
    return kubernetes_policy().query(f"kubernetes.validation.{name}", *args)


def _errors(got: Any, want: Any) -> None:
    """`want` is {errors: [...]}: upstream's field errors as field.Error.Error() prints them, in order."""
    assert isinstance(got, list) and all(isinstance(e, str) for e in got), got
    assert {"errors": got} == want


def _limitrange(value: dict, want: Any) -> None:
    """ValidateLimitRange of `value.object`."""
    _errors(_query("limitrange_errors", value["object"]), want)


def _resourcequota(value: dict, want: Any) -> None:
    """ValidateResourceQuota of `value.object`."""
    _errors(_query("resourcequota_errors", value["object"]), want)


def _resource_name(value: dict, want: Any) -> None:
    """validateResourceName(value.name, field path value.path)."""
    _errors(_query("resource_name_errors", value["name"], value["path"]), want)


def _rbac(value: dict, want: Any) -> None:
    """ValidateRole, ValidateClusterRole, ValidateRoleBinding or ValidateClusterRoleBinding of `value.object`,
    by its kind."""
    _errors(_query("rbac_errors", value["object"]), want)


def _rbac_update(value: dict, want: Any) -> None:
    """ValidateRoleBindingUpdate or ValidateClusterRoleBindingUpdate of `value.object` over `value.oldObject`,
    by its kind."""
    obj = value["object"]
    name = {"RoleBinding": "rolebinding", "ClusterRoleBinding": "clusterrolebinding"}[obj["kind"]] + "_update_errors"
    _errors(_query(name, obj, value["oldObject"]), want)


def _networkpolicy(value: dict, want: Any) -> None:
    """ValidateNetworkPolicy of `value.object` with NetworkPolicyValidationOptions `value.options`
    ({allowInvalidLabelValueInSelector}); without options, as on create."""
    _errors(_query("networkpolicy_validation", value["object"], value.get("options", {})), want)


def _networkpolicy_update(value: dict, want: Any) -> None:
    """ValidateNetworkPolicyUpdate of `value.object` over `value.oldObject`, options as the API server derives them."""
    _errors(_query("networkpolicy_update_errors", value["object"], value["oldObject"]), want)


VALIDATION_ADAPTERS: dict[str, Callable[[Any, Any], None]] = {
    "limitrange_validation": _limitrange,
    "resourcequota_validation": _resourcequota,
    "resource_name_validation": _resource_name,
    "rbac_validation": _rbac,
    "rbac_update_validation": _rbac_update,
    "networkpolicy_validation": _networkpolicy,
    "networkpolicy_update_validation": _networkpolicy_update,
}
