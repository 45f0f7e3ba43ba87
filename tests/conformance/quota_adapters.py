"""Adapters of the specs/conformance/resourcequota/ functions (see test_conformance.py).

Each adapter asks policies/kubernetes/resourcequota.rules through `Policy.query`
and compares the answer with the row's `want`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .kubernetes_rules import kubernetes_policy

PACKAGE = "kubernetes.resourcequota"


def _query(name: str, *args: Any) -> Any:
    return kubernetes_policy().query(f"{PACKAGE}.{name}", *args)


def _given(want: Any) -> bool:
    """False for test_conformance's NO_WANT (a bare object()): the row only has to succeed."""
    return type(want) is not object


def _check(got: Any, want: Any) -> None:
    if _given(want):
        assert type(got) is type(want), f"{got!r} is a {type(got).__name__}, want a {type(want).__name__}"
        assert got == want


def _options(value: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value[key] for key in keys if key in value}


def _usage(value: dict[str, Any], want: Any) -> None:
    got = _query("usage", value["kind"], value["object"], _options(value, "featureGates", "now"))
    _check(got, want)


def _usage_stats(value: dict[str, Any], want: Any) -> None:
    got = _query(
        "usage_stats",
        value["kind"],
        value["objects"],
        [],
        value["scopes"],
        value["scopeSelector"],
        _options(value, "featureGates", "now"),
    )
    _check(got, want)


def _matching_scopes(value: dict[str, Any], want: Any) -> None:
    options = _options(value, "featureGates")
    got = _query("matching_scopes", value["kind"], value["object"], value["scopeSelectors"], options)
    _check(got, want)


def _matching_resources(value: dict[str, Any], want: Any) -> None:
    _check(_query("matching_resources", value["kind"], value["resources"]), want)


def _constraints(value: dict[str, Any], want: Any) -> None:
    got = _query("constraints", value["kind"], value["object"], value["required"], _options(value, "featureGates"))
    _check({"error": got}, want)


def _handles(value: dict[str, Any], want: Any) -> None:
    got = _query(
        "handles", value["kind"], value["operation"], value["subresource"], value["object"], value["oldObject"], {}
    )
    _check(got, want)


def _admit(value: dict[str, Any], want: Any) -> None:
    """The decision, compared on the keys the row gives: `used` only where upstream checks it.
    A denial always carries its message, an admission never does."""
    options = _options(value, "operation", "namespace", "name", "subresource", "dryRun", "featureGates", "now")
    options["limitedResources"] = (value.get("config") or {}).get("limitedResources", [])
    got = _query("admit", value["kind"], value["object"], value.get("oldObject"), value["quotas"], options)
    assert isinstance(got, dict) and isinstance(got.get("allowed"), bool), got
    assert ("message" in got) is (not got["allowed"]), got
    if _given(want):
        _check({key: got.get(key) for key in want}, want)


QUOTA_ADAPTERS: dict[str, Callable[[Any, Any], None]] = {
    "quota_usage": _usage,
    "quota_usage_stats": _usage_stats,
    "quota_matching_scopes": _matching_scopes,
    "quota_matching_resources": _matching_resources,
    "quota_constraints": _constraints,
    "quota_handles": _handles,
    "quota_admit": _admit,
}
