"""Properties of offline admission (LimitRanger, ResourceQuota, workloads) over generated objects.

The rules in policies/kubernetes claim upstream's semantics; these properties
hold for upstream whatever the objects, so a counterexample is a bug in the
rules or in kuberules.k8s.admission, never something to weaken here. Where a
property needs to know what upstream decides (LimitRanger's min/max/ratio),
a small oracle below says it in Python, apart from the rules, after
plugin/pkg/admission/limitranger/admission.go.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from kuberules import Engine
from kuberules.k8s.admission import Admission
from kuberules.k8s.quantity import Quantity
from kuberules.policy import Policy
from kuberules.resources import policies_dir

from .admission_strategies import (
    HARD_RANGES,
    NAMESPACE,
    deployments,
    hard_amounts,
    limit_range_lists,
    limit_ranges,
    pods,
    quota,
    quota_lists,
    used_amounts,
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


def resources_of(c: dict[str, Any], field: str) -> ResourceList:
    return rlist((c.get("resources") or {}).get(field))


def add_into(total: ResourceList, more: ResourceList) -> None:
    """addResourceList."""
    for k, v in more.items():
        total[k] = total[k] + v if k in total else v


def max_into(total: ResourceList, more: ResourceList) -> None:
    """maxResourceList: a later value replaces an earlier one only if greater."""
    for k, v in more.items():
        if k not in total or v > total[k]:
            total[k] = v


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


# --- the LimitRanger oracle (upstream, apart from the rules) ----------------------------
def _milli(x: Quantity) -> int:
    """requestLimitEnforcedValues compares MilliValue()s (the values here are far below MaxMilliValue)."""
    return x.milli_value()


def _item_violations(kind: str, item: dict[str, Any], reqs: ResourceList, lims: ResourceList) -> list[str]:
    """minConstraint, maxConstraint and limitRequestRatioConstraint of one item, as upstream words them."""
    out = []
    for k, m in rlist(item.get("min")).items():
        if k not in reqs:
            out.append(f"min {k} per {kind}: no request")
        elif _milli(reqs[k]) < _milli(m):
            out.append(f"min {k} per {kind}: request {reqs[k]} < {m}")
        elif k in lims and _milli(lims[k]) < _milli(m):
            out.append(f"min {k} per {kind}: limit {lims[k]} < {m}")
    for k, m in rlist(item.get("max")).items():
        if k not in lims:
            out.append(f"max {k} per {kind}: no limit")
        elif _milli(lims[k]) > _milli(m):
            out.append(f"max {k} per {kind}: limit {lims[k]} > {m}")
        elif k in reqs and _milli(reqs[k]) > _milli(m):
            out.append(f"max {k} per {kind}: request {reqs[k]} > {m}")
    for k, r in rlist(item.get("maxLimitRequestRatio")).items():
        if k not in reqs or _milli(reqs[k]) == 0:
            out.append(f"ratio {k} per {kind}: no request")
        elif k not in lims or _milli(lims[k]) == 0:
            out.append(f"ratio {k} per {kind}: no limit")
        # float64(lim) / float64(req) * 1000 > float64(ratio.MilliValue()), as upstream computes it
        elif float(_milli(lims[k])) / float(_milli(reqs[k])) * 1000 > float(r.milli_value()):
            out.append(f"ratio {k} per {kind}: {lims[k]}/{reqs[k]} > {r}")
    return out


def pod_aggregate(pod: dict[str, Any], field: str) -> ResourceList:
    """limitranger's podRequests / podLimits (PodLevelResources off): the regular containers and the
    sidecars together, or more while an init container runs beside the sidecars started before it."""
    total: ResourceList = {}
    for c in pod["spec"].get("containers") or []:
        add_into(total, resources_of(c, field))
    sidecars: ResourceList = {}
    inits: ResourceList = {}
    for c in pod["spec"].get("initContainers") or []:
        own = resources_of(c, field)
        if c.get("restartPolicy") == "Always":
            add_into(total, own)
            add_into(sidecars, own)
            candidate = dict(sidecars)
        else:
            candidate = dict(own)
            add_into(candidate, sidecars)
        max_into(inits, candidate)
    max_into(total, inits)
    return total


def violations(pod: dict[str, Any], lr: dict[str, Any]) -> list[str]:
    """PodValidateLimitFunc: Container items per container and init container, Pod items on the aggregate."""
    out = []
    spec = pod["spec"]
    for item in lr["spec"]["limits"]:
        if item["type"] == "Container":
            for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
                out += _item_violations("Container", item, resources_of(c, "requests"), resources_of(c, "limits"))
        elif item["type"] == "Pod":
            out += _item_violations("Pod", item, pod_aggregate(pod, "requests"), pod_aggregate(pod, "limits"))
    return out


# --- 1. defaulting is idempotent ---------------------------------------------------------
@given(pod=pods(), ranges=limit_range_lists(max_size=2).filter(bool))
def test_limitranger_mutation_is_idempotent(policy: Policy, pod: dict[str, Any], ranges: list[dict]) -> None:
    """A controller re-applying a pod (or the API server re-running admission on an update) must not keep
    changing it: what LimitRanger set, it finds set."""
    stored = [policy.query("kubernetes.defaults.limitrange", lr) for lr in ranges]
    once = policy.query("kubernetes.limitrange.mutate", defaulted(policy, pod), stored)
    assert policy.query("kubernetes.limitrange.mutate", once, stored) == once
    assert policy.query("kubernetes.limitrange.mutate", defaulted(policy, once), stored) == once

    first = Admission(policy, ranges).admit(pod)
    event(f"admitted: {first.allowed}")
    if first.allowed:
        again = Admission(policy, ranges).admit(first.object)
        assert again.allowed, again.reasons
        assert again.object == first.object


# --- 2. LimitRanger admits exactly what satisfies every item ------------------------------
def _pod(requests: dict[str, str], limits: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": NAMESPACE},
            "spec": {"containers": [{"name": "c0", "image": "registry.example/app:1",
                                     "resources": {"requests": requests, "limits": limits}}]}}


def _range(*items: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "limits-0", "namespace": NAMESPACE},
            "spec": {"limits": list(items)}}


# A ratio of exactly the maximum: upstream divides MilliValue()s (135/90*1000 == 1500), found by hypothesis.
@example(pod=_pod({"cpu": "90m"}, {"cpu": "135m"}),
         ranges=[_range({"type": "Container", "maxLimitRequestRatio": {"cpu": "1500m"}})])
@given(pod=pods(), ranges=limit_range_lists(max_size=2).filter(bool))
def test_limitranger_admits_only_pods_within_every_item(policy: Policy, pod: dict[str, Any],
                                                        ranges: list[dict]) -> None:
    """The point of a LimitRange: no admitted pod is outside a min, max or ratio of its namespace, and no
    pod within all of them is refused."""
    decision = Admission(policy, ranges).admit(pod)
    mutated = limited(policy, pod, ranges)
    found = [v for lr in ranges for v in violations(mutated, lr)]
    event(f"admitted: {decision.allowed}")
    if decision.allowed:
        assert decision.object == mutated
        assert [v for lr in ranges for v in violations(decision.object, lr)] == []
    else:
        assert decision.reasons and decision.reasons[0].plugin == "LimitRanger"
    assert decision.allowed == (not found), (found, decision.reasons)


# --- 3. quota usage is additive --------------------------------------------------------------
@given(pod_list=st.lists(pods(), max_size=4), hard=hard_amounts())
def test_computed_used_is_the_sum_of_usages(policy: Policy, pod_list: list[dict], hard: dict[str, int]) -> None:
    """The quota controller's recount and admission's increments must agree, or status.used drifts
    every time the controller resyncs."""
    pod_list = [defaulted(policy, p) for p in pod_list]
    q = quota("quota", hard, {})
    computed = rlist(policy.query("kubernetes.resourcequota.computed_used", q, pod_list, {}))
    expected = summed([usage(policy, p) for p in pod_list], list(hard))
    assert same(computed, expected), (computed, expected)


def oracle_usage(pod: dict[str, Any]) -> ResourceList:
    """podComputeUsageHelper of PodRequests / PodLimits (component-helpers; for a pod without overhead,
    pod-level resources or resize status they are limitranger's aggregates): what quota charges."""
    reqs, lims = pod_aggregate(pod, "requests"), pod_aggregate(pod, "limits")
    out = {"pods": Quantity.parse("1"), "count/pods": Quantity.parse("1")}
    for r in ("cpu", "memory"):
        if r in reqs:
            out[r] = out[f"requests.{r}"] = reqs[r]
        if r in lims:
            out[f"limits.{r}"] = lims[r]
    return out


@given(pod=pods())
def test_pod_usage_is_its_aggregate(policy: Policy, pod: dict[str, Any]) -> None:
    """What a pod is charged is what it can run at once: the containers and sidecars, or an init container
    beside the sidecars before it, whichever is more (KEP 753)."""
    pod = defaulted(policy, pod)
    assert same(usage(policy, pod), oracle_usage(pod))


def oracle_quota_verdict(pod: dict[str, Any], quota_list: list[dict[str, Any]]) -> bool:
    """CheckRequest for quotas without scopes: every container sets what a cpu/memory quota names
    (podEvaluator.Constraints), and no quota's used + usage passes its hard."""
    use = oracle_usage(pod)
    containers = (pod["spec"].get("containers") or []) + (pod["spec"].get("initContainers") or [])
    for q in quota_list:
        hard, used = hard_of(q), used_of(q)
        for name in hard:
            if name in ("cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"):
                field = "limits" if name.startswith("limits.") else "requests"
                if any(name.rsplit(".", 1)[-1] not in resources_of(c, field) for c in containers):
                    return False
        if any(name in use and used[name] + use[name] > hard[name] for name in hard):
            return False
    return True


@given(pod=pods(), quota_list=quota_lists())
def test_quota_admits_exactly_what_fits(policy: Policy, pod: dict[str, Any], quota_list: list[dict]) -> None:
    """ResourceQuota refuses a pod only for a container that does not say what a quota counts, or for an
    amount that would pass a hard limit, and then always."""
    pod = defaulted(policy, pod)
    verdict = policy.query("kubernetes.resourcequota.admit", "Pod", pod, None, quota_list, {})
    event(f"admitted: {verdict['allowed']}")
    assert verdict["allowed"] == oracle_quota_verdict(pod, quota_list), verdict.get("message")


# --- 4. quota admission is monotonic in hard -------------------------------------------------
@st.composite
def quota_raises(draw: st.DrawFn) -> tuple[list[dict], list[dict]]:
    """Quotas, and the same quotas with every hard amount raised or kept (used unchanged)."""
    before, after = [], []
    for i in range(draw(st.integers(1, 2))):
        hard = draw(hard_amounts())
        used = draw(used_amounts(hard))
        raised = {k: v + draw(st.one_of(st.just(0), st.integers(0, HARD_RANGES[k][1]))) for k, v in hard.items()}
        before.append(quota(f"quota-{i}", hard, used))
        after.append(quota(f"quota-{i}", raised, used))
    return before, after


@given(pod=pods(), quotas_pair=quota_raises())
def test_quota_admission_is_monotonic_in_hard(policy: Policy, pod: dict[str, Any],
                                               quotas_pair: tuple[list[dict], list[dict]]) -> None:
    """Raising a quota can only let more in: a pod admitted under the smaller one is admitted under the larger."""
    before, after = quotas_pair
    pod = defaulted(policy, pod)
    small = policy.query("kubernetes.resourcequota.admit", "Pod", pod, None, before, {})
    event(f"admitted under the smaller: {small['allowed']}")
    if small["allowed"]:
        large = policy.query("kubernetes.resourcequota.admit", "Pod", pod, None, after, {})
        assert large["allowed"], large.get("message")


# --- 5. a sequence of pods never overruns a quota ----------------------------------------------
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


# --- 6. a workload's replicas fit as its pods would, one by one --------------------------------
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
    inclusive = "q(lims, k) > q(maxes, k)"
    assert source.count(inclusive) == 1
    rules.write_text(source.replace(inclusive, "q(lims, k) >= q(maxes, k)"))
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
