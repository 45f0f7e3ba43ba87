"""Admission offline: objects go, in order, through the rules of policies/kubernetes.

What a plugin decides (LimitRanger's defaults and limits, ResourceQuota's
usage and verdict, the pods a workload creates and how many) is asked of the
rules; this module keeps the books between objects, as the API server's
storage would: the LimitRanges and quotas of each namespace, each quota's
used amounts (updated by every admitted object), the namespaces that exist.

    admission = Admission(policy, snapshot_objects)
    for obj in manifests:
        decision = admission.admit(obj)     # Decision: allowed, reasons, object after mutation, quotas
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..errors import EvalError
from ..policy import Policy

VALIDATIONS = {"LimitRange": "kubernetes.validation.limitrange_errors",
               "ResourceQuota": "kubernetes.validation.resourcequota_errors"}


@dataclass
class Reason:
    """Why an object was denied (or what a plugin did to it)."""

    plugin: str  # Validation | LimitRanger | ResourceQuota
    source: str  # the LimitRange or ResourceQuota, as Kind/name
    message: str
    path: tuple = ()  # inside the admitted object: the container whose resources broke the rule

    def to_dict(self) -> dict:
        return {"plugin": self.plugin, "source": self.source, "message": self.message}


@dataclass
class QuotaUse:
    name: str
    hard: dict
    before: dict
    after: dict
    source: str  # "status.used" | "computed"

    def to_dict(self) -> dict:
        return {"name": self.name, "hard": self.hard, "before": self.before, "after": self.after,
                "usage_from": self.source}


@dataclass
class Decision:
    kind: str
    namespace: str
    name: str
    allowed: bool
    object: dict
    original: dict
    reasons: list[Reason] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    quotas: list[QuotaUse] = field(default_factory=list)
    replicas: dict | None = None
    pod: dict | None = None  # a workload's pod, after defaulting
    pod_original: dict | None = None  # the same pod as its template writes it

    def to_dict(self) -> dict:
        out: dict[str, Any] = {
            "kind": self.kind, "namespace": self.namespace, "name": self.name, "allowed": self.allowed,
            "reasons": [r.to_dict() for r in self.reasons], "warnings": self.warnings, "notes": self.notes,
            "object": self.object, "quotas": [q.to_dict() for q in self.quotas],
        }
        if self.replicas is not None:
            out["replicas"] = self.replicas
        if self.pod is not None:
            out["pod"] = self.pod
        return out


def validation_errors(policy: Policy, obj: dict) -> list[str]:
    """Upstream's validation errors of a LimitRange or ResourceQuota ([] for other kinds)."""
    query = VALIDATIONS.get(obj.get("kind"))
    if query is None:
        return []
    try:
        return policy.query(query, obj)
    except EvalError as err:  # a quantity the API server could not even decode
        return [err.message]


def _meta(obj: dict) -> dict:
    meta = obj.get("metadata")
    return meta if type(meta) is dict else {}


def _ref(obj: dict) -> str:
    return f"{obj.get('kind')}/{_meta(obj).get('name', '')}"


class Admission:
    """The state admission reads and changes, and the order it asks the rules in."""

    def __init__(self, policy: Policy, snapshot: list[dict], *, namespace: str = "default",
                 recompute_usage: bool = False, options: dict | None = None):
        self.policy = policy
        self.default_namespace = namespace
        self.options = options or {}
        self.namespaces = set(self._query("kubernetes.namespaces.system_namespaces"))
        self.workload_kinds = frozenset(self._query("kubernetes.workloads.kinds"))
        self.ranges: dict[str, list[dict]] = defaultdict(list)
        self.quotas: dict[str, list[dict]] = defaultdict(list)
        self.usage_source: dict[tuple[str, str], str] = {}
        self.hpas: list[dict] = []
        self.nodes: list[dict] = []
        self.objects: dict[str, list[dict]] = defaultdict(list)
        for obj in snapshot:
            self._remember(obj, snapshot=True)
        for ns, quotas in self.quotas.items():
            self.quotas[ns] = [self._with_usage(q, ns, recompute_usage) for q in quotas]

    # ------------------------------------------------------------ the books

    def _query(self, name: str, *args: Any) -> Any:
        return self.policy.query(name, *args)

    def _remember(self, obj: dict, *, snapshot: bool = False) -> None:
        """Keep what later admissions read. Objects count towards a quota whose usage
        must be computed only when they come from the snapshot: admitted objects are
        charged as they are admitted (and not kept, so a long input does not pile up)."""
        kind = obj.get("kind")
        ns = self._query("kubernetes.namespaces.namespace_of", obj, self.default_namespace)
        if kind == "Namespace":
            self.namespaces.add(_meta(obj).get("name", ""))
        elif kind == "LimitRange":
            self.ranges[ns].append(self._query("kubernetes.defaults.limitrange", obj))
        elif kind == "ResourceQuota":
            self.quotas[ns].append(obj)
        elif kind == "HorizontalPodAutoscaler":
            self.hpas.append(obj)
        elif kind == "Node":
            self.nodes.append(obj)
        if snapshot and kind not in ("LimitRange", "ResourceQuota"):
            self.objects[ns].append(obj)

    def _with_usage(self, quota: dict, ns: str, recompute: bool) -> dict:
        """The quota with status.hard and status.used as admission reads them."""
        status = quota.get("status") if type(quota.get("status")) is dict else {}
        spec = quota.get("spec") if type(quota.get("spec")) is dict else {}
        used = status.get("used")
        source = "status.used"
        if recompute or type(used) is not dict:
            used = self._query("kubernetes.resourcequota.computed_used", quota, self.objects[ns], self.options)
            source = "computed"
        self.usage_source[ns, _meta(quota).get("name", "")] = source
        return {**quota, "status": {**status, "hard": status.get("hard") or spec.get("hard") or {}, "used": used}}

    # ------------------------------------------------------------ admitting

    def admit(self, obj: dict) -> Decision:
        kind = str(obj.get("kind"))
        meta = _meta(obj)
        ns = self._query("kubernetes.namespaces.namespace_of", obj, self.default_namespace)
        if ns and meta.get("namespace") != ns:
            obj = {**obj, "metadata": {**meta, "namespace": ns}}
        decision = Decision(kind, ns, str(meta.get("name", "")), True, obj, obj)
        if ns and ns not in self.namespaces:
            decision.warnings.append(f"namespace {ns} is not in the snapshot: the API server would refuse the "
                                     f"object (NamespaceLifecycle) unless the namespace is created first")
        errors = validation_errors(self.policy, obj)
        if errors:
            decision.allowed = False
            shown = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
            decision.reasons.append(Reason("Validation", _ref(obj), f'{kind} "{decision.name}" is invalid: {shown}'))
        elif kind == "Pod":
            self._admit_pod(decision)
        elif kind in self.workload_kinds:
            self._admit_workload(decision)
        else:
            if kind == "PersistentVolumeClaim":
                self._limit_pvc(decision)
            if decision.allowed:
                self._charge(decision, kind, obj)
        if decision.allowed:
            self._remember(decision.object)
            if kind == "ResourceQuota":
                self.quotas[ns][-1] = self._with_usage(self.quotas[ns][-1], ns, False)
        return decision

    def _limit_pod(self, decision: Decision, pod: dict) -> dict | None:
        """LimitRanger on a pod: its defaults, then its limits; None when refused."""
        ranges = self.ranges[decision.namespace]
        pod = self._query("kubernetes.defaults.pod", pod)
        if not ranges:
            return pod
        mutated = self._query("kubernetes.limitrange.mutate", pod, ranges)
        note = _meta(mutated).get("annotations", {}).get("kubernetes.io/limit-ranger")
        if note:
            decision.notes.append(note)
        for lr in ranges:
            verdict = self._query("kubernetes.limitrange.validate_pod", mutated, lr, self.options)
            if not verdict["allowed"]:
                decision.allowed = False
                culprits = self._query("kubernetes.limitrange.container_errors", mutated, lr)
                path = ("spec", culprits[0]["field"], culprits[0]["index"]) if culprits else ()
                decision.reasons.append(Reason("LimitRanger", _ref(lr), verdict["message"], path))
                return None
        return mutated

    def _limit_pvc(self, decision: Decision) -> None:
        for lr in self.ranges[decision.namespace]:
            verdict = self._query("kubernetes.limitrange.validate_pvc", decision.object, lr)
            if not verdict["allowed"]:
                decision.allowed = False
                decision.reasons.append(Reason("LimitRanger", _ref(lr), verdict["message"]))
                return

    def _charge(self, decision: Decision, kind: str, obj: dict) -> bool:
        """ResourceQuota: admit obj against the namespace's quotas and record their new usage."""
        quotas = self.quotas[decision.namespace]
        if not quotas:
            return True
        verdict = self._query("kubernetes.resourcequota.admit", kind, obj, None, quotas, self.options)
        if not verdict["allowed"]:
            decision.allowed = False
            decision.reasons.append(Reason("ResourceQuota", "ResourceQuota", verdict["message"]))
            return False
        self._record(decision, verdict["used"])
        return True

    def _record(self, decision: Decision, used: dict) -> None:
        ns = decision.namespace
        for i, quota in enumerate(self.quotas[ns]):
            name = _meta(quota).get("name", "")
            if name not in used:
                continue
            before = quota["status"]["used"]
            after = used[name]
            previous = next((q for q in decision.quotas if q.name == name), None)
            if previous is None:
                decision.quotas.append(QuotaUse(name, quota["status"]["hard"], before, after,
                                                self.usage_source.get((ns, name), "status.used")))
            else:
                previous.after = after
            self.quotas[ns][i] = _used(quota, used)

    def _admit_pod(self, decision: Decision) -> None:
        pod = self._limit_pod(decision, decision.object)
        if pod is None:
            return
        decision.object = pod
        self._charge(decision, "Pod", pod)

    def _admit_workload(self, decision: Decision) -> None:
        workload = decision.object
        scale = self._query("kubernetes.workloads.scale", workload, self.hpas, self.nodes)
        decision.pod_original = self._query("kubernetes.workloads.pod_of", workload)
        pod = self._limit_pod(decision, decision.pod_original)
        decision.pod = pod
        replicas = scale["replicas"]
        decision.replicas = {"wanted": replicas, "surge": scale["surge"], "why": scale["why"], "fit": None}
        if pod is None:
            decision.reasons[-1].message = f"its pods would be refused: {decision.reasons[-1].message}"
            return
        if not self._charge(decision, workload["kind"], workload):
            return
        if replicas is None:
            decision.warnings.append(f"{scale['why']}: its pods' quota usage cannot be told")
            return
        fit = 0
        for _ in range(replicas):
            if not self._charge(decision, "Pod", pod):
                break
            fit += 1
        decision.replicas["fit"] = fit
        if fit < replicas:
            last = decision.reasons[-1]
            last.message = f"{fit} of {replicas} replicas fit: {last.message}"
            return
        quotas = list(self.quotas[decision.namespace])  # a rollout's extra pods, counted but not kept
        for extra in range(scale["surge"]):
            verdict = self._query("kubernetes.resourcequota.admit", "Pod", pod, None, quotas, self.options)
            if not verdict["allowed"]:
                decision.warnings.append(f"a rolling update creates up to {scale['surge']} more pod(s) (maxSurge); "
                                         f"{extra} fit: {verdict['message']}")
                return
            quotas = [_used(q, verdict["used"]) for q in quotas]


def _used(quota: dict, used: dict) -> dict:
    name = _meta(quota).get("name", "")
    return {**quota, "status": {**quota["status"], "used": used[name]}} if name in used else quota
