"""Drive policies/kubernetes/lifecycle.rules: a pod's phase, and a pod's life under events.

Every decision (the phase, whether a container restarts, the back-off, what
the kubelet records) is made by the rules; this module only feeds them: it
wraps a pod in the simulation the `pod` transitions act on, parses events
written as `exit app 1`, and describes the scenarios of the restart-policy
table (`TABLE`), whose outcomes come from running the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine import Engine
from ..policy import Policy
from ..resources import policies_dir

MACHINE = "kubernetes.lifecycle.pod"
POLICIES = ("Always", "OnFailure", "Never")


class EventError(ValueError):
    """An event the `pod` transitions do not know, or with the wrong arguments."""


def lifecycle_policy() -> Policy:
    return Engine().load(policies_dir() / "kubernetes")


def phase(policy: Policy, pod: dict) -> dict:
    """{"phase", "reason"}: what the kubelet reports for the pod."""
    return policy.query("kubernetes.lifecycle.phase", pod)


def running(policy: Policy, pod: dict) -> dict:
    """The pod as it runs (kubernetes.lifecycle.started): its own statuses, or every container started."""
    return policy.query("kubernetes.lifecycle.started", pod)


def parse_event(text: str, policy: Policy) -> tuple[str, tuple]:
    """`exit app 1` -> ("exit", ("app", 1)); integers become ints."""
    name, *words = text.split()
    params = policy.machine(MACHINE).events.get(name)
    if params is None:
        known = ", ".join(f"{e} {' '.join(p).upper()}".strip() for e, p in policy.machine(MACHINE).events.items())
        raise EventError(f"unknown event {name!r}; events: {known}")
    if len(words) != len(params):
        raise EventError(f"event {name!r} takes {len(params)} argument(s) ({', '.join(params)}), got {len(words)}")
    return name, tuple(int(w) if w.lstrip("-").isdigit() else w for w in words)


@dataclass
class Step:
    event: str
    state: str
    pod: dict
    kubelet: list
    actions: list[dict] = field(default_factory=list)
    fired: bool = True

    def to_dict(self) -> dict:
        return {"event": self.event, "phase": self.state, "fired": self.fired,
                "containers": self.pod.get("status", {}).get("containerStatuses", []),
                "backoff": self.kubelet, "actions": self.actions}


def simulate(policy: Policy, pod: dict, events: list[tuple[str, tuple]]) -> list[Step]:
    """The state after each event, starting from the running pod (step 0: no event)."""
    pod = running(policy, pod)
    sim = {"pod": pod, "kubelet": []}
    state = phase(policy, pod)["phase"]
    steps = [Step("", state, pod, [])]
    for name, args in events:
        result = policy.fire(MACHINE, state, sim, name, *args)
        sim, state = result.object, result.target
        label = " ".join([name, *map(str, args)])
        steps.append(Step(label, state, sim["pod"], sim.get("kubelet", []),
                          [a.to_dict() for a in result.actions], result.fired))
    return steps


# The restart-policy table: a pod with one or two containers, running, and
# what happens to it. Outcomes come from simulating the rules.
TABLE: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("1 container, exits 0", 1, ("exit c1 0",)),
    ("1 container, exits non-zero", 1, ("exit c1 1",)),
    ("2 containers, 1 exits non-zero", 2, ("exit c1 1",)),
    ("2 containers, both exited, one non-zero", 2, ("exit c2 0", "exit c1 1")),
    ("container out of memory", 1, ("oom c1",)),
    ("a disk fails", 1, ("disk_failure",)),
    ("the node is lost", 1, ("node_lost",)),
)


def table_pod(restart_policy: str, containers: int) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                                           "name": "p", "uid": "1", "controller": True}]},
            "spec": {"restartPolicy": restart_policy,
                     "containers": [{"name": f"c{i + 1}", "image": "app"} for i in range(containers)]}}


def outcome(steps: list[Step]) -> str:
    """A table cell: what the kubelet did over the scenario, and the phase it ends in."""
    actions = [a for s in steps for a in s.actions]
    names = {a["action"] for a in actions}
    reasons = {a["args"][1] for a in actions if a["action"] == "event"}
    parts = []
    if "kill_all" in names:
        parts.append("kill all containers")
    if "restart" in names:
        parts.append("restart")
    final = steps[-1].state
    if "NodeNotReady" in reasons:
        final = "Failed after the node's eviction timeout"
    if "OOMKilling" in reasons:
        final += " (OOM event)"
    parts.append(final)
    if "recreate" in names:
        parts.append("a controller recreates the pod")
    return "; ".join(parts)


def table(policy: Policy, policies: tuple[str, ...] = POLICIES) -> list[dict]:
    rows = []
    for label, containers, events in TABLE:
        cells = {}
        for restart_policy in policies:
            parsed = [parse_event(e, policy) for e in events]
            cells[restart_policy] = outcome(simulate(policy, table_pod(restart_policy, containers), parsed))
        rows.append({"event": label, **cells})
    return rows
