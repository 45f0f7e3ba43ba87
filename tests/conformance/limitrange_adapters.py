"""Adapters of the specs/conformance/limitrange/ functions (see test_conformance.py),
answered by policies/kubernetes/limitrange.rules through `Policy.query`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .kubernetes_rules import kubernetes_policy


def _query(name: str, *args: Any) -> Any:
    return kubernetes_policy().query(f"kubernetes.limitrange.{name}", *args)


def _default(value: dict, want: Any) -> None:
    assert _query("default_requirements", value["limitRange"]) == want


def _merge(value: dict, want: Any) -> None:
    assert _query("merge_requirements", value["pod"], value["defaults"]) == want


def _check_verdict(got: dict, want: dict) -> None:
    assert got["allowed"] is want["allowed"], got
    if "message" in want:
        assert got["message"] == want["message"]
    if "errors" in want:
        assert sorted(got["errors"]) == sorted(want["errors"])


def _pod(value: dict, want: dict) -> None:
    """PodMutateLimitFunc (when the row says `defaulted`) then PodValidateLimitFunc."""
    pod, lr = value["pod"], value["limitRange"]
    if value.get("defaulted"):
        pod = _query("mutate", pod, [lr])
    if "pod" in want:
        assert pod == want["pod"]
    _check_verdict(_query("validate_pod", pod, lr, {"featureGates": value.get("featureGates", {})}), want)


def _pvc(value: dict, want: dict) -> None:
    _check_verdict(_query("validate_pvc", value["pvc"], value["limitRange"]), want)


LIMITRANGE_ADAPTERS: dict[str, Callable[[Any, Any], None]] = {
    "limitrange_default": _default,
    "limitrange_merge": _merge,
    "limitrange_pod": _pod,
    "limitrange_pvc": _pvc,
}
