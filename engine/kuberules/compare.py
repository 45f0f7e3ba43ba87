"""Where two policy sets disagree, found on generated objects.

For migrating policies from another engine, or for checking that a refactored
policy set is equivalent to (or stricter than) the one it replaces: hypothesis
draws objects of each kind from `kuberules.strategies`, both sets judge each
one, and the first object on which the expectation fails is shrunk to the
smallest manifest that still breaks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, reporting, seed, settings

from .policy import Policy
from .strategies import GENERATORS

# Kind -> the generator of its objects.
KINDS = {
    "Pod": "pods", "Deployment": "deployments", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets",
    "ReplicaSet": "replicasets", "ReplicationController": "replicationcontrollers", "Job": "jobs",
    "CronJob": "cronjobs", "Service": "services", "Namespace": "namespaces", "ServiceAccount": "serviceaccounts",
    "Role": "roles", "ClusterRole": "clusterroles", "RoleBinding": "rolebindings",
    "ClusterRoleBinding": "clusterrolebindings", "NetworkPolicy": "networkpolicies",
}

# How much an outcome refuses: `check` fails on deny (and on a rule that cannot be evaluated).
RANK = {"allow": 0, "warn": 1, "deny": 2}


@dataclass(frozen=True)
class Verdict:
    """What one policy set says of one object, as `check` would: the strongest effect, which rules deny
    and which warn, and the findings as text."""

    outcome: str  # allow | warn | deny
    denied: frozenset[str]
    warned: frozenset[str]
    findings: tuple[str, ...]  # "rule-id: message"


def _equivalent(left: Verdict, right: Verdict, by: str) -> bool:
    if by == "outcome":
        return left.outcome == right.outcome
    return (left.denied, left.warned) == (right.denied, right.warned)


def _stricter(left: Verdict, right: Verdict, by: str) -> bool:
    if by == "outcome":
        return RANK[right.outcome] >= RANK[left.outcome]
    return left.denied <= right.denied and left.denied | left.warned <= right.denied | right.warned


# Whether the right-hand verdict meets the expectation, given the left-hand one. By `rules`, the same
# rule ids must deny (and warn); by `outcome` only the strongest effect counts (policy sets whose rules
# are named differently, such as a migration from another engine).
EXPECTATIONS = {"equivalent": _equivalent, "stricter": _stricter}


@dataclass
class KindResult:
    kind: str
    examples: int
    counterexample: dict[str, Any] | None = None
    left: Verdict | None = None
    right: Verdict | None = None

    @property
    def agrees(self) -> bool:
        return self.counterexample is None


class _Disagreement(Exception):
    def __init__(self, obj: dict[str, Any], left: Verdict, right: Verdict):
        super().__init__("the policy sets disagree")
        self.obj, self.left, self.right = obj, left, right


def verdict(policy: Policy, obj: dict[str, Any]) -> Verdict:
    findings = [f for f in policy.evaluate(obj) if f.effect in ("deny", "warn", "error")]
    denied = frozenset(f.rule for f in findings if f.effect in ("deny", "error"))
    warned = frozenset(f.rule for f in findings if f.effect == "warn")
    outcome = "deny" if denied else "warn" if warned else "allow"
    return Verdict(outcome, denied, warned, tuple(sorted(f"{f.effect} {f.rule}: {f.message}" for f in findings)))


def compare_kind(left: Policy, right: Policy, kind: str, examples: int, expect: str = "equivalent",
                 by: str = "rules", replay: int | None = None) -> KindResult:
    """Draw up to `examples` objects of the kind; the first disagreement is shrunk and returned."""
    expected = EXPECTATIONS[expect]
    result = KindResult(kind, 0)
    failed: list[bool] = []

    @settings(max_examples=examples, database=None, deadline=None, derandomize=replay is None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(GENERATORS[KINDS[kind]].build())
    def agree(obj: dict[str, Any]) -> None:
        if not failed:  # shrinking runs more: they are not examples drawn
            result.examples += 1
        a, b = verdict(left, obj), verdict(right, obj)
        if not expected(a, b, by):
            failed.append(True)
            raise _Disagreement(obj, a, b)

    if replay is not None:
        agree = seed(replay)(agree)
    with reporting.with_reporter(lambda _: None):  # hypothesis' own "Falsifying example" report
        try:
            agree()
        except _Disagreement as found:
            result.counterexample, result.left, result.right = found.obj, found.left, found.right
    return result
