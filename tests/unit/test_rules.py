"""Rules, mutations, transitions and queries, on the demonstration policies
and on small inline rule files."""

from __future__ import annotations

import copy

import pytest

from kuberules import ClusterView, Engine, EvalError
from kuberules.decision import format_path


def deployment(containers, namespace="prod", kind="Deployment", **spec):
    return {
        "apiVersion": "apps/v1", "kind": kind,
        "metadata": {"name": "web", "namespace": namespace, "labels": {"app": "web"}},
        "spec": {"replicas": 3, **spec,
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": containers}}},
    }


GOOD = {"name": "app", "image": "registry.example.com/app:1.0",
        "resources": {"requests": {"cpu": "100m"}, "limits": {"memory": "128Mi"}}}
BAD = {"name": "side", "image": "nginx"}


def test_findings_name_rule_binding_and_path(demo):
    findings = demo.evaluate(deployment([GOOD, BAD]))
    by_rule = {(f.rule_id, f.effect) for f in findings}
    assert by_rule == {
        ("demo.resources.memory_limit", "deny"),
        ("demo.resources.cpu_request", "warn"),
        ("demo.resources.pinned_images", "deny"),
        ("demo.resources.trusted_registry", "warn"),
    }
    memory = next(f for f in findings if f.rule == "memory_limit")
    assert memory.message == "container side has no memory limit"
    assert format_path(memory.path) == "spec.template.spec.containers[1]"
    assert memory.bindings["c"]["name"] == "side"
    assert memory.severity == "high" and memory.title == "Containers set a memory limit"
    assert memory.meta["fix"].startswith("Set resources.limits.memory")
    assert memory.span.location().endswith("resources.rules:14:3")
    assert memory.to_dict()["object"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                          "name": "web", "namespace": "prod"}


def test_pods_cover_every_workload_kind(demo):
    kinds = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"]
    for kind in kinds:
        found = [f for f in demo.evaluate(deployment([BAD], kind=kind)) if f.rule == "memory_limit"]
        assert len(found) == 1, kind
    cron = {"kind": "CronJob", "metadata": {"name": "c", "namespace": "ops"},
            "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [BAD]}}}}}}
    found = [f for f in demo.evaluate(cron) if f.rule == "memory_limit"]
    assert format_path(found[0].path) == "spec.jobTemplate.spec.template.spec.containers[0]"
    pod = {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [BAD]}}
    assert format_path(next(f for f in demo.evaluate(pod) if f.rule == "memory_limit").path) == \
        "spec.containers[0]"
    assert demo.evaluate({"kind": "ConfigMap", "metadata": {"name": "x"}}) == []


def test_rules_are_indexed_by_kind(demo):
    assert all(r.pods or r.kinds is None or "Service" in r.kinds for r in demo.rules_for("Service"))
    assert {r.name for r in demo.rules_for("Service")} == {"service_selects_pods"}
    assert "replicas_bounded" in {r.name for r in demo.rules_for("StatefulSet")}
    assert "replicas_bounded" not in {r.name for r in demo.rules_for("Pod")}


def test_namespace_patterns(demo):
    staging = [f.rule for f in demo.evaluate(deployment([BAD], namespace="staging"))]
    prod_eu = [f.rule for f in demo.evaluate(deployment([BAD], namespace="prod-eu"))]
    assert "trusted_registry" not in staging and "trusted_registry" in prod_eu


INLINE = '''
package t
rule labelled {
  match kinds ConfigMap
  match selector "tier in (db), !legacy"
  match operations CREATE
  for k, v in object.data
  when v != ""
  deny if size(v) > 3 message "{k}={v} is long"
  allow if size(v) <= 3 message "{k} ok"
}
rule broken {
  match kinds ConfigMap
  deny if object.missing.field == 1 message "never"
}
rule non_bool {
  match kinds Secret
  deny if object.data
}
'''


@pytest.fixture(scope="module")
def inline():
    return Engine().load_string(INLINE, "t.rules")


def config_map(labels, data):
    return {"kind": "ConfigMap", "metadata": {"name": "c", "labels": labels}, "data": data}


def test_selector_operations_two_variable_for_and_when(inline):
    obj = config_map({"tier": "db"}, {"a": "long-value", "b": "ok", "c": ""})
    found = [(f.effect, f.message) for f in inline.evaluate(obj) if f.rule == "labelled"]
    assert found == [("deny", "a=long-value is long"), ("allow", "b ok")]
    assert [f for f in inline.evaluate(config_map({"tier": "db", "legacy": "1"}, {"a": "long"}))
            if f.rule == "labelled"] == []
    assert [f for f in inline.evaluate(obj, request={"operation": "DELETE"}) if f.rule == "labelled"] == []
    paths = [format_path(f.path) for f in inline.evaluate(obj) if f.rule == "labelled"]
    assert paths == ["data.a", "data.b"]


def test_evaluation_errors_fail_closed(inline):
    (err,) = [f for f in inline.evaluate(config_map({}, {})) if f.rule == "broken"]
    assert err.effect == "error" and err.error.code == "no_such_key"
    assert "t.rules:14:11" in err.message
    (nb,) = inline.evaluate({"kind": "Secret", "metadata": {"name": "s"}, "data": {"a": "b"}})
    assert nb.effect == "error" and nb.error.code == "no_such_overload"


def test_evaluation_never_mutates_its_input(demo):
    obj = deployment([GOOD, BAD])
    before = copy.deepcopy(obj)
    demo.evaluate(obj)
    result = demo.mutate(obj)
    assert obj == before
    pulled = result.object["spec"]["template"]["spec"]["containers"]
    assert [c["imagePullPolicy"] for c in pulled] == ["IfNotPresent", "Always"]
    assert [format_path(c.path) for c in result.changes] == [
        "spec.template.spec.containers[0].imagePullPolicy",
        "spec.template.spec.containers[1].imagePullPolicy",
    ]
    again = demo.mutate(result.object)
    assert again.changes == [] and again.object == result.object


def test_mutation_creates_missing_maps_and_sees_previous_mutations():
    policy = Engine().load_string('''
mutation first {
  match kinds Pod
  for c in object.spec.containers
  set c.resources.limits.memory = 1Gi if !has(c.resources)
}
mutation second {
  match kinds Pod
  for c in object.spec.containers
  set c.resources.requests.memory = c.resources.limits.memory
}''', "m.rules")
    pod = {"kind": "Pod", "spec": {"containers": [{"name": "a"}]}}
    result = policy.mutate(pod)
    resources = result.object["spec"]["containers"][0]["resources"]
    assert str(resources["limits"]["memory"]) == "1Gi" and str(resources["requests"]["memory"]) == "1Gi"
    assert pod == {"kind": "Pod", "spec": {"containers": [{"name": "a"}]}}


def test_queries_and_cross_object_rules(demo):
    web = {"kind": "Service", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"selector": {"app": "web"}}}
    api = {"kind": "Service", "metadata": {"name": "api", "namespace": "shop"}, "spec": {"selector": {"app": "api"}}}
    dep = deployment([GOOD], namespace="shop")
    cluster = ClusterView([web, api, dep])
    assert demo.query("services.selected", web, cluster=cluster) == [{"app": "web"}]
    assert demo.query("demo.services.selected", api, cluster=cluster) == []
    warned = [f.message for o in (web, api) for f in demo.evaluate(o, cluster=cluster)]
    assert warned == ["Service api selects no pod in namespace shop"]
    with pytest.raises(KeyError):
        demo.query("nope")
    with pytest.raises(TypeError):
        demo.query("selected")


def restart_pod(policy: str, containers: int = 1, owned: bool = False) -> dict:
    pod = {
        "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"restartPolicy": policy, "containers": [{"name": f"c{i}"} for i in range(containers)]},
        "status": {"containerStatuses": [{"name": f"c{i}", "state": {"running": {}}, "restartCount": 0}
                                         for i in range(containers)]},
    }
    if owned:
        pod["metadata"]["ownerReferences"] = [{"kind": "ReplicaSet", "name": "rs"}]
    return pod


# The restart-policy table of the pod lifecycle documentation (issue 5 of this
# project): event -> (action, phase) for Always, OnFailure, Never.
TABLE = [
    ("1 container exits 0", 1, [("exit", "c0", 0)],
     {"Always": ("restart", "Running"), "OnFailure": (None, "Succeeded"), "Never": (None, "Succeeded")}),
    ("1 container exits 1", 1, [("exit", "c0", 1)],
     {"Always": ("restart", "Running"), "OnFailure": ("restart", "Running"), "Never": (None, "Failed")}),
    ("2 containers, 1 exits 1", 2, [("exit", "c0", 1)],
     {"Always": ("restart", "Running"), "OnFailure": ("restart", "Running"), "Never": (None, "Running")}),
    ("2 containers, both exit, one 1", 2, [("exit", "c0", 1), ("exit", "c1", 0)],
     {"Always": ("restart", "Running"), "OnFailure": (None, "Running"), "Never": (None, "Failed")}),
    ("out of memory", 1, [("oom", "c0")],
     {"Always": ("restart", "Running"), "OnFailure": ("restart", "Running"), "Never": ("record", "Failed")}),
    ("disk failure", 1, [("disk_failure",)],
     {"Always": ("kill_all", "Failed"), "OnFailure": ("kill_all", "Failed"), "Never": ("kill_all", "Failed")}),
    ("node lost", 1, [("node_lost",)],
     {"Always": ("record", "Failed"), "OnFailure": ("record", "Failed"), "Never": ("record", "Failed")}),
]


@pytest.mark.parametrize("row", TABLE, ids=[r[0] for r in TABLE])
@pytest.mark.parametrize("policy", ["Always", "OnFailure", "Never"])
def test_restart_policy_transitions(demo, row, policy):
    _, containers, events, expected = row
    state, pod = "Running", restart_pod(policy, containers, owned=True)
    for name, *args in events:
        result = demo.fire("pod_restart", state, pod, name, *args)
        state, pod = result.target, result.object
    action, phase = expected[policy]
    assert state == phase
    names = [a.name for a in result.actions]
    assert (names[0] if names else None) == action


def test_transition_updates_a_copy(demo):
    pod = restart_pod("Always")
    before = copy.deepcopy(pod)
    result = demo.fire("pod_restart", "Running", pod, "exit", "c0", 1)
    assert pod == before
    assert result.object["status"]["containerStatuses"][0]["restartCount"] == 1
    assert result.fired and result.span is not None
    unchanged = demo.fire("pod_restart", "Succeeded", pod, "exit", "c0", 1)
    assert not unchanged.fired and unchanged.target == "Succeeded"
    with pytest.raises(KeyError):
        demo.fire("pod_restart", "Running", pod, "explode")
    machine = demo.machine("pod_restart")
    assert machine.states == ("Pending", "Running", "Succeeded", "Failed")
    assert machine.terminal == {"Succeeded", "Failed"}


def test_editing_the_rule_file_changes_the_answer(tmp_path):
    from kuberules.resources import policies_dir

    text = (policies_dir() / "demo" / "restart.rules").read_text()
    changed = text.replace('def restarts(code) = policy() == "Always" ||', 'def restarts(code) = false &&')
    assert changed != text
    (tmp_path / "restart.rules").write_text(changed)
    policy = Engine().load(tmp_path / "restart.rules")
    result = policy.fire("pod_restart", "Running", restart_pod("Always"), "exit", "c0", 0)
    assert result.target == "Succeeded"


def test_a_for_loop_over_budget_is_an_error_finding_and_other_rules_still_run():
    policy = Engine(step_limit=5).load_string(
        "rule big {\n  match kinds Pod\n  for x in object.items\n  deny if x > 100\n}\n"
        "rule small {\n  match kinds Pod\n  deny if object.metadata.name == 'p'\n}\n", "b.rules")
    findings = policy.evaluate({"kind": "Pod", "metadata": {"name": "p"}, "items": list(range(10))})
    assert sorted((f.rule, f.effect) for f in findings) == [("big", "error"), ("small", "deny")]
    assert next(f for f in findings if f.rule == "big").error.code == "step_limit"


def test_every_selector_clause_must_hold():
    policy = Engine().load_string(
        'rule r {\n  match selector "app=web"\n  match selector "tier=frontend"\n  deny\n}\n', "s.rules")
    pod = {"kind": "Pod", "metadata": {"labels": {"app": "web", "tier": "frontend"}}}
    assert len(policy.evaluate(pod)) == 1
    pod["metadata"]["labels"]["app"] = "api"
    assert policy.evaluate(pod) == []


def test_transition_guards_must_be_bool_and_states_known():
    policy = Engine().load_string(
        "transitions t {\n  states A, B\n  event go()\n  on go from A if object.code -> B\n}\n", "t.rules")
    with pytest.raises(EvalError) as info:
        policy.fire("t", "A", {"code": 42}, "go")
    assert info.value.code == "no_such_overload"
    with pytest.raises(KeyError):
        policy.fire("t", "Nowhere", {"code": True}, "go")
    assert policy.fire("t", "A", {"code": True}, "go").target == "B"


def test_paths_quote_keys_that_are_not_names():
    assert format_path(("metadata", "annotations", "example.com/team")) == \
        'metadata.annotations["example.com/team"]'
    assert format_path(("spec", "containers", 0, "image")) == "spec.containers[0].image"


def test_imports_resolve_from_the_importing_directory(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "util.rules").write_text("package lib.util\ndef twice(x) = x * 2\nlet k = 21\n")
    (tmp_path / "main.rules").write_text(
        "package main\nimport lib.util\nimport lib.util as u\nquery answer() = util.twice(u.k)\n")
    policy = Engine().load(tmp_path / "main.rules")
    assert policy.query("answer") == 42
