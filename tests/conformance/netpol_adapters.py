"""The netpol_reachability adapter (see test_conformance.py): upstream's e2e truth tables,
answered by policies/kubernetes/networkpolicy.rules, every cell of the 9x9 matrix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kuberules.k8s.cluster import ClusterView

from .kubernetes_rules import kubernetes_policy


def _reachability(value: dict, want: dict) -> None:
    model = value["model"]
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns["name"], "labels": ns["labels"]}}
                  for ns in model["namespaces"]]
    cluster = ClusterView([*namespaces, *value["policies"]])
    pods = {f"{p['namespace']}/{p['name']}": p for p in model["pods"]}
    port, protocol = value["probe"]["port"], value["probe"]["protocol"]
    got = {src: {dst: kubernetes_policy().query("kubernetes.networkpolicy.reach", pods[src], pods[dst], port, protocol,
                                                cluster=cluster)["allowed"]
                 for dst in pods}
           for src in pods}
    wrong = [f"{src} -> {dst}: want {allowed}" for src, row in want["matrix"].items()
             for dst, allowed in row.items() if got[src][dst] is not allowed]
    assert wrong == []


def _reach(value: dict, want: dict) -> None:
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns["name"], "labels": ns["labels"]}}
                  for ns in value["namespaces"]]
    pods = {f"{p['namespace']}/{p['name']}": p for p in value["pods"]}
    src, dst = (pods.get(end, {"ip": end}) for end in (value["src"], value["dst"]))
    got = kubernetes_policy().query("kubernetes.networkpolicy.reach", src, dst, value["port"], value["protocol"],
                                    cluster=ClusterView([*namespaces, *value["policies"]]))
    assert got["allowed"] is want["allowed"], got


NETPOL_ADAPTERS: dict[str, Callable[[Any, Any], None]] = {"netpol_reachability": _reachability, "netpol_reach": _reach}
