"""The `property` blocks of policies/kubernetes/lifecycle.rules, and proof that they have teeth.

Every property of the file runs as a test with `kuberules prove`'s default budget
(`prove.DEFAULT_EXAMPLES`). Then bugs are planted, each by one exact replacement in a
copy of policies/kubernetes (a Failed pod that restarts, Never treated like
OnFailure, init containers ignored, ...): the property that guards against it must
fail within the default budget from a fixed seed, and hypothesis must shrink the
counterexample to a pod of at most two containers (init containers included).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kuberules import prove
from kuberules.resources import policies_dir

from .planting import plant

RULES = policies_dir() / "kubernetes" / "lifecycle.rules"
SEED = 20240601
MAX_CONTAINERS = 2  # containers + init containers of a shrunk counterexample (all are 1 today)


def _properties(path: Path) -> dict[str, object]:
    policy = prove.load(path)
    return {p.name: p for p in policy.properties(entry_only=True)}


PROPERTIES = _properties(RULES)


def test_every_area_of_the_lifecycle_has_properties() -> None:
    names = set(PROPERTIES)
    assert len(names) >= 10
    for expected in ("A Succeeded or Failed pod stays so", "getPhase gives every pod a phase",
                     "Under restartPolicy Always, containers never end the pod",
                     "When every container has exited, the phase is the restart policy's",
                     "A pod whose init container runs is Pending",
                     "The crash-loop back-off stays within 0 to 300 seconds"):
        assert expected in names


@pytest.mark.parametrize("name", list(PROPERTIES), ids=[p.id for p in PROPERTIES.values()])
def test_property_holds(name: str) -> None:
    result = prove.run_property(PROPERTIES[name], seed=SEED)
    assert result.passed, prove.report(result)
    assert result.examples == prove.DEFAULT_EXAMPLES


# (label, exact text in lifecycle.rules, its replacement, the property that must catch it)
BUGS = [
    ("a Failed pod restarts",
     'query phase(pod) = (pod.status.phase ?? "") in ["Succeeded", "Failed"]',
     'query phase(pod) = (pod.status.phase ?? "") in ["Succeeded"]',
     "A Succeeded or Failed pod stays so"),
    ("getPhase keeps a pod whose containers all failed Running",
     'result("Failed", why + " a container exited with an error")',
     'result("Running", why + " a container exited with an error")',
     "When every container has exited, the phase is the restart policy's"),
    ("Never is treated like OnFailure",
     'def restart_policy(pod) = pod.spec.restartPolicy ?? "Always"',
     'def restart_policy(pod) = (pod.spec.restartPolicy ?? "Always") == "Never" ? "OnFailure" : '
     'pod.spec.restartPolicy ?? "Always"',
     "When every container has exited, the phase is the restart policy's"),
    ("Never restarts a failed container",
     'def policy_restarts(policy, code) = policy == "Always" || (policy == "OnFailure" && code != 0)',
     'def policy_restarts(policy, code) = policy == "Always" || (policy != "Always" && code != 0)',
     "A container that exits is restarted as restartPolicy says"),
    ("a failed init container under Never is restarted",
     'def restart_policy(pod) = pod.spec.restartPolicy ?? "Always"',
     'def restart_policy(pod) = (pod.spec.restartPolicy ?? "Always") == "Never" ? "OnFailure" : '
     'pod.spec.restartPolicy ?? "Always"',
     "Under restartPolicy Never, a failed init container fails the pod"),
    ("init containers are ignored",
     "def init_containers(pod) = pod.spec.initContainers ?? []",
     "def init_containers(pod) = []",
     "A pod whose init container runs is Pending"),
    ("regular init containers do not count in getPhase",
     "def tags(pod, options) = init_containers(pod).filter(c, !sidecar(c)).map(c, init_tags(pod, options, c)) + ",
     "def tags(pod, options) = ",
     "A pod whose init container runs is Pending"),
    ("the back-off window is not capped",
     "[k.backoff * 2, max_backoff].min()",
     "[k.backoff * 2, max_backoff].max()",
     "The crash-loop back-off stays within 0 to 300 seconds"),
    ("a restart lowers the restart count",
     '"restartCount": (s.restartCount ?? 0) + 1, "state": {"running": {}}, "lastState": {"terminated": '
     'terminated(code, reason)}',
     '"restartCount": (s.restartCount ?? 0) - 1, "state": {"running": {}}, "lastState": {"terminated": '
     'terminated(code, reason)}',
     "A container's exit changes that container only, and restart counts never decrease"),
    ("a restart after the back-off resets the restart count",
     '"restartCount": (s.restartCount ?? 0) + 1, "state": {"running": {}}, "lastState": s.lastState ?? {}}',
     '"restartCount": 0, "state": {"running": {}}, "lastState": s.lastState ?? {}}',
     "A container's exit changes that container only, and restart counts never decrease"),
    ("with Always, an exit 0 is final",
     "def stopped_tags(pod, options, c, t, terminated) = [\"stopped\"] + ((gate(options, \"ContainerRestartRules\") "
     "&& !restartable(pod, options, c, t))",
     "def stopped_tags(pod, options, c, t, terminated) = [\"stopped\"] + ((gate(options, \"ContainerRestartRules\") "
     "&& (!restartable(pod, options, c, t) || exit_code(t) == 0))",
     "Under restartPolicy Always, containers never end the pod"),
    ("getPhase answers Unknown when a status is missing",
     'result("Pending", "the status of a container is not known yet")',
     'result("Unknown", "the status of a container is not known yet")',
     "getPhase gives every pod a phase"),
    ("every pod is torn down once its containers stop",
     "(options.podIsTerminal ?? false && !static_pod(pod))",
     "(options.podIsTerminal ?? true && !static_pod(pod))",
     "Under restartPolicy Always, containers never end the pod"),
    ("an exit computes the phase as for a pod being deleted",
     '"initContainerStatuses": pod.status.initContainerStatuses ?? []}}, {}).phase',
     '"initContainerStatuses": pod.status.initContainerStatuses ?? []}}, {"podIsTerminal": true}).phase',
     "Under restartPolicy Always, a container's exit never ends the pod"),
    ("delete ignores the exit code",
     '"state": {"terminated": terminated(code, reason)}, "lastState": s.lastState ?? {}})',
     '"state": {"terminated": terminated(0, reason)}, "lastState": s.lastState ?? {}})',
     "Deleting a pod ends it Succeeded or Failed"),
]


def _containers(pod: dict) -> int:
    spec = pod.get("spec", {})
    return len(spec.get("containers", [])) + len(spec.get("initContainers", []))


@pytest.mark.parametrize(("label", "old", "new", "guard"), BUGS, ids=[b[0] for b in BUGS])
def test_a_planted_bug_is_found(tmp_path: Path, label: str, old: str, new: str, guard: str) -> None:
    rules = plant(tmp_path, "lifecycle.rules", old, new)
    planted = _properties(rules)
    assert guard in planted
    result = prove.run_property(planted[guard], seed=SEED)
    assert not result.passed, f"{label}: '{guard}' did not find the bug in {prove.DEFAULT_EXAMPLES} examples"
    assert result.error is None, prove.report(result)
    assert result.examples <= prove.DEFAULT_EXAMPLES
    pod = result.bindings["pod"]
    assert len(pod["spec"]["containers"]) == 1 and _containers(pod) <= MAX_CONTAINERS, prove.report(result)
    assert "replay: kuberules prove" in prove.report(result)
