"""Properties of offline admission's bookkeeping (kuberules.k8s.admission) over generated objects.

What LimitRanger and ResourceQuota decide is stated, with its guarantees, as `property` blocks next
to the rules in policies/kubernetes/limitrange.rules and resourcequota.rules (run by
test_admission_blocks.py): defaulting is idempotent and keeps what a container sets, a pod is
admitted exactly when it is within every LimitRange item, quota usage is the pod's aggregate and the
controller's recount its sum, a quota admits exactly what fits, charges it and never passes hard,
and raising hard never refuses more.

What stays here cannot be said in the rule language: the rules cannot call the Python `Admission`
class, which keeps the books between objects (each quota's status.used as pods are admitted one after
another, a workload's replicas charged pod by pod) and asks the rules in order (API defaulting, then
LimitRanger's mutation and validation, then quota). A counterexample is a bug in kuberules.k8s.admission
or the rules, never something to weaken here.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from kuberules import Engine
from kuberules.k8s.admission import Admission
from kuberules.k8s.quantity import Quantity
from kuberules.policy import Policy
from kuberules.resources import policies_dir

from .admission_strategies import (
    NAMESPACE,
    deployments,
    limit_range_lists,
    limit_ranges,
    pods,
    quota_lists,
)

ZERO = Quantity.parse("0")
ResourceList = dict[str, Quantity]


@pytest.fixture(scope="module")
def policy(engine: Engine) -> Policy:
    """One load for the module: the rules do not change between examples."""
    return engine.load(policies_dir() / "kubernetes")


# --- helpers ------------------------------------------------------------------------
def rlist(m: dict[str, Any] | None) -> ResourceList:
    return {k: Quantity.parse(str(v)) for k, v in (m or {}).items()}


def defaulted(policy: Policy, pod: dict[str, Any]) -> dict[str, Any]:
    return policy.query("kubernetes.defaults.pod", pod)


def limited(policy: Policy, pod: dict[str, Any], ranges: list[dict[str, Any]]) -> dict[str, Any]:
    """The pod as LimitRanger's mutation leaves it: API defaulting, then the ranges' defaults."""
    stored = [policy.query("kubernetes.defaults.limitrange", lr) for lr in ranges]
    return policy.query("kubernetes.limitrange.mutate", defaulted(policy, pod), stored)


def usage(policy: Policy, pod: dict[str, Any]) -> ResourceList:
    return rlist(policy.query("kubernetes.resourcequota.usage", "Pod", pod, {}))


def hard_of(q: dict[str, Any]) -> ResourceList:
    return rlist(q["status"]["hard"])


def used_of(q: dict[str, Any]) -> ResourceList:
    return rlist(q["status"]["used"])


def summed(lists: list[ResourceList], names: list[str]) -> ResourceList:
    """Per name of `names`, the sum over `lists` (zero where none has it)."""
    total = {n: ZERO for n in names}
    for usage_list in lists:
        for n in names:
            if n in usage_list:
                total[n] = total[n] + usage_list[n]
    return total


def same(a: ResourceList, b: ResourceList) -> bool:
    """Equal as amounts ("1" and "1000m" are the same), with the same names."""
    return a.keys() == b.keys() and all(a[k] == b[k] for k in a)


# --- 1. Admission applies LimitRanger as the rules say -------------------------------------------
@given(pod=pods(), ranges=limit_range_lists(max_size=2).filter(bool))
def test_admission_applies_limitranger_as_the_rules_say(policy: Policy, pod: dict[str, Any],
                                                        ranges: list[dict]) -> None:
    """Admission stores the LimitRanges as the API server does and asks the rules in order: the pod
    after API defaulting and LimitRanger's defaults is admitted when every LimitRange's validation
    allows it, and then admitting what was admitted changes nothing."""
    stored = [policy.query("kubernetes.defaults.limitrange", lr) for lr in ranges]
    mutated = limited(policy, pod, ranges)
    allowed = all(policy.query("kubernetes.limitrange.validate_pod", mutated, lr, {})["allowed"] for lr in stored)
    decision = Admission(policy, ranges).admit(pod)
    event(f"admitted: {decision.allowed}")
    assert decision.allowed == allowed, decision.reasons
    if not decision.allowed:
        assert [r.plugin for r in decision.reasons] == ["LimitRanger"]
        return
    assert decision.object == mutated
    again = Admission(policy, ranges).admit(decision.object)
    assert again.allowed, again.reasons
    assert again.object == decision.object


# --- 2. a sequence of pods never overruns a quota ----------------------------------------------
@settings(max_examples=60)
@given(ranges=limit_range_lists(max_size=1), initial=quota_lists(),
       pod_list=st.lists(pods(), min_size=1, max_size=5))
def test_admitted_pods_stay_within_quota(policy: Policy, ranges: list[dict], initial: list[dict],
                                         pod_list: list[dict]) -> None:
    """ResourceQuota's promise: used never passes hard, and used is what the admitted pods consume."""
    admission = Admission(policy, ranges + initial)
    admitted = []
    for i, pod in enumerate(pod_list):
        pod = {**pod, "metadata": {**pod["metadata"], "name": f"pod-{i}"}}
        decision = admission.admit(pod)
        if decision.allowed:
            admitted.append(usage(policy, decision.object))
    event(f"admitted {len(admitted)} of {len(pod_list)}")
    final = {q["metadata"]["name"]: q for q in admission.quotas[NAMESPACE]}
    for q in initial:
        now = final[q["metadata"]["name"]]
        hard, used = hard_of(now), used_of(now)
        assert hard == hard_of(q)
        assert all(used[k] <= hard[k] for k in hard), (used, hard)
        expected = used_of(q)
        for k, v in summed(admitted, list(hard)).items():
            expected[k] = expected[k] + v
        assert same(used, expected), (used, expected)


# --- 3. a workload's replicas fit as its pods would, one by one --------------------------------
@settings(max_examples=60)
@given(workload=deployments(), ranges=limit_range_lists(max_size=1), initial=quota_lists())
def test_workload_fit_counts_pods_admitted_one_by_one(policy: Policy, workload: dict[str, Any],
                                                      ranges: list[dict], initial: list[dict]) -> None:
    """The controller creates the pods one at a time, each charged to the quota the last one left."""
    decision = Admission(policy, ranges + initial).admit(workload)
    wanted = workload["spec"]["replicas"]
    assert decision.replicas is not None and decision.replicas["wanted"] == wanted
    if decision.pod is None:  # LimitRanger refuses its pods: none can be created
        assert not decision.allowed and decision.replicas["fit"] is None
        return
    current, fit = initial, 0
    for _ in range(wanted):
        verdict = policy.query("kubernetes.resourcequota.admit", "Pod", decision.pod, None, current, {})
        if not verdict["allowed"]:
            break
        fit += 1
        current = [{**q, "status": {**q["status"], "used": verdict["used"][q["metadata"]["name"]]}}
                   for q in current]
    event(f"fit {'all' if fit == wanted else 'none' if fit == 0 else 'some'}")
    assert decision.replicas["fit"] == fit
    assert decision.allowed == (fit == wanted), decision.reasons


# --- the rules are the semantics: editing them changes a verdict --------------------------------
def test_editing_a_rule_file_changes_a_verdict(policy: Policy, engine: Engine, tmp_path: Path) -> None:
    """Admission has no LimitRanger of its own: make max exclusive in limitrange.rules and a pod whose limit
    equals the max, admitted by the shipped rules, is refused by the copy."""
    copy = tmp_path / "kubernetes"
    shutil.copytree(policies_dir() / "kubernetes", copy)
    rules = copy / "limitrange.rules"
    source = rules.read_text()
    inclusive = "v[1] > v[2]"
    assert source.count(inclusive) == 1
    rules.write_text(source.replace(inclusive, "v[1] >= v[2]"))
    edited = engine.load(copy)

    lr = {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "limits", "namespace": NAMESPACE},
          "spec": {"limits": [{"type": "Container", "max": {"cpu": "1"}}]}}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": NAMESPACE},
           "spec": {"containers": [{"name": "c0", "image": "registry.example/app:1",
                                    "resources": {"limits": {"cpu": "1"}}}]}}
    assert Admission(policy, [lr]).admit(pod).allowed
    refused = Admission(edited, [lr]).admit(pod)
    assert not refused.allowed
    assert [r.message for r in refused.reasons] == ["maximum cpu usage per Container is 1, but limit is 1"]


def test_limit_range_strategy_is_valid() -> None:
    """The generators' promise that the properties rely on: min <= defaultRequest <= default <= max."""

    @given(lr=limit_ranges())
    def check(lr: dict[str, Any]) -> None:
        for item in lr["spec"]["limits"]:
            order = [rlist(item.get(f)) for f in ("min", "defaultRequest", "default", "max")]
            for resource in ("cpu", "memory"):
                present = [m[resource] for m in order if resource in m]
                assert present == sorted(present)

    check()
