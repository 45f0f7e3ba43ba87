"""policies/kubernetes/lifecycle.rules: the restart-policy table, invariants of the `pod`
transitions over generated event sequences, and proof that the behaviour lives in the rules.

Most of the lifecycle's invariants are `property` blocks at the end of lifecycle.rules, run by
tests/property/test_lifecycle_blocks.py (with planted bugs that they must catch): terminal
phases stay terminal, getPhase is total, under restartPolicy Always containers never end the
pod (for any statuses drawn: running, waiting after an exit, terminated, the states container
events lead to), all-exited pods follow their restart policy, init containers hold the pod Pending
or fail it, an exit changes one container and never lowers a restart count, the back-off
stays within [0, 300]. Those were Python properties here and were removed.

What stays here needs `Policy.fire`, which an expression cannot call: a property block can
apply a transition's defs to one drawn state, but not run the machine over a sequence of
events. `test_invariants_of_simulated_lives` keeps the two invariants that are about the
machine itself: no event fires from Succeeded or Failed (the `from Pending, Running`
sources), and after every event of a generated sequence the state the machine reports is the
phase getPhase gives for the simulated statuses (a transition's target threaded into the
next event, with the back-off entries earlier events left).
"""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kuberules import Engine
from kuberules.k8s import lifecycle
from kuberules.resources import policies_dir
from tests.cli.test_cli import cli

# The table of the issue (for a running pod), as written there.
ISSUE_TABLE = """
| 1 container, exits 0 | restart container; Running | Succeeded | Succeeded |
| 1 container, exits non-zero | restart; Running | restart; Running | Failed |
| 2 containers, 1 exits non-zero | restart; Running | restart; Running | Running |
| 2 containers, both exited, one non-zero | restart; Running | restart; Running | Failed |
| container out of memory | restart; Running (OOM event) | restart; Running | Failed (error event) |
| a disk fails | kill all containers; Failed; a controller recreates the pod elsewhere | same | same |
| the node is lost | node controller marks the pod Failed after its timeout; a controller recreates it | same | same |
"""
PHASES = ("Pending", "Running", "Succeeded", "Failed")


def _essentials(cell: str) -> tuple[str, bool, bool, bool]:
    """The phase a cell ends in, and whether it restarts, kills all and recreates."""
    phase = [p for p in PHASES if p in cell][-1]
    return phase, "restart" in cell, "kill all" in cell, "recreate" in cell


@pytest.fixture(scope="module")
def policy():
    return lifecycle.lifecycle_policy()


def test_the_table_matches_the_issue_row_for_row(policy) -> None:
    rows = lifecycle.table(policy)
    expected = [[c.strip() for c in line.strip("|").split("|")] for line in ISSUE_TABLE.strip().splitlines()]
    assert [r["event"] for r in rows] == [e[0] for e in expected]
    for row, (_, *cells) in zip(rows, expected, strict=True):
        previous = None
        for restart_policy, cell in zip(lifecycle.POLICIES, cells, strict=True):
            cell = previous if cell == "same" else cell
            previous = cell
            assert _essentials(row[restart_policy]) == _essentials(cell), (row["event"], restart_policy)


def test_the_table_command_prints_it(policy) -> None:
    code, out, _ = cli("lifecycle", "table", "-o", "json")
    assert code == 0 and json.loads(out) == lifecycle.table(policy)
    code, out, _ = cli("lifecycle", "table", "-o", "markdown", "--restart-policy", "Never")
    assert code == 0 and "| 1 container, exits non-zero | Failed |" in out.splitlines()


def _pod(restart_policy: str, n: int) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"restartPolicy": restart_policy, "containers": [{"name": f"c{i}"} for i in range(n)]}}


def _events(n: int):
    container = st.sampled_from([f"c{i}" for i in range(n)])
    return st.lists(st.one_of(
        st.tuples(st.just("exit"), st.tuples(container, st.sampled_from([0, 1, 2, 137]))),
        st.tuples(st.just("oom"), st.tuples(container)),
        st.tuples(st.just("liveness_failure"), st.tuples(container)),
        st.tuples(st.just("wait"), st.tuples(st.integers(0, 1200))),
        st.tuples(st.sampled_from(["disk_failure", "node_lost"]), st.just(())),
        st.tuples(st.just("delete"), st.tuples(st.sampled_from([0, 143, 137]))),
    ), max_size=12)


@st.composite
def scenarios(draw):
    n = draw(st.integers(1, 3))
    return draw(st.sampled_from(lifecycle.POLICIES)), n, draw(_events(n))


@settings(max_examples=60)
@given(scenarios())
def test_invariants_of_simulated_lives(policy, scenario) -> None:
    restart_policy, n, events = scenario
    steps = lifecycle.simulate(policy, _pod(restart_policy, n), events)
    for before, after in itertools.pairwise(steps):
        # terminal phases are absorbing: the machine fires nothing from them
        if before.state in ("Succeeded", "Failed"):
            assert after.state == before.state and not after.fired
        # the simulated phase is the phase getPhase gives for the simulated statuses
        if after.fired and after.event.split()[0] in ("exit", "oom", "liveness_failure", "wait"):
            computed = policy.query("kubernetes.lifecycle.phase_of", after.pod, {})["phase"]
            assert after.state == computed


def test_the_back_off_doubles_caps_and_resets(policy) -> None:
    crash = [("exit", ("c0", 1)), ("wait", (400,))]
    steps = lifecycle.simulate(policy, _pod("Always", 1), crash * 8)
    delays = [a["args"][1] for s in steps for a in s.actions if a["action"] == "restart"]
    assert delays == [0, 10, 20, 40, 80, 160, 300, 300]
    steps = lifecycle.simulate(policy, _pod("Always", 1), [*crash * 3, ("wait", (700,)), ("exit", ("c0", 1))])
    assert [a["args"][1] for a in steps[-1].actions if a["action"] == "restart"] == [0]


def test_editing_the_rules_changes_the_simulation(tmp_path: Path) -> None:
    copy = tmp_path / "kubernetes"
    shutil.copytree(policies_dir() / "kubernetes", copy)
    rules = copy / "lifecycle.rules"
    text = rules.read_text(encoding="utf-8")
    assert "let initial_backoff = 10" in text
    rules.write_text(text.replace("let initial_backoff = 10", "let initial_backoff = 7"), encoding="utf-8")
    modified = Engine().load(copy)
    events = [("exit", ("c0", 1)), ("exit", ("c0", 1))]
    original = lifecycle.simulate(lifecycle.lifecycle_policy(), _pod("Always", 1), events)
    changed = lifecycle.simulate(modified, _pod("Always", 1), events)
    assert [k["backoff"] for k in original[1].kubelet] == [10]
    assert [k["backoff"] for k in changed[1].kubelet] == [7]


POD = """apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  restartPolicy: OnFailure
  containers: [{name: app, image: "nginx:1.27"}]
status:
  containerStatuses: [{name: app, restartCount: 0, state: {terminated: {exitCode: 0}}}]
"""


def test_phase_command(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(POD, encoding="utf-8")
    code, out, _ = cli("lifecycle", "phase", str(path))
    assert (code, out) == (0, f"{path}:1: Pod web: Succeeded (no container will be restarted and every container "
                              "exited 0)\n")


def test_simulate_command(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(POD.split("status:")[0], encoding="utf-8")
    code, out, _ = cli("lifecycle", "simulate", str(path), "--event", "exit app 1", "--event", "exit app 0",
                       "-o", "json")
    steps = json.loads(out)
    assert code == 0
    assert [s["phase"] for s in steps] == ["Running", "Running", "Succeeded"]
    assert steps[1]["containers"][0]["restartCount"] == 1
    assert steps[1]["actions"] == [{"action": "restart", "args": ["app", 0]}]
    code, _, err = cli("lifecycle", "simulate", str(path), "--event", "exit app")
    assert code == 2 and "takes 2 argument(s)" in err


def test_a_pod_starts_with_its_init_containers_done_and_deletion_stops_its_sidecars(policy):
    """A started pod's regular init containers have completed and its sidecars run (so it is Running, not
    Pending); deleting it kills the sidecar as well, which gets the SIGTERM, and the pod ends Succeeded."""
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "x"},
           "spec": {"restartPolicy": "Always", "containers": [{"name": "app", "image": "nginx"}],
                    "initContainers": [{"name": "setup", "image": "busybox"},
                                       {"name": "proxy", "image": "envoy", "restartPolicy": "Always"}]}}
    start, deleted = lifecycle.simulate(policy, pod, [("delete", (0,))])
    assert start.state == "Running"
    assert deleted.state == "Succeeded"
    init = {s["name"]: s["state"] for s in deleted.pod["status"]["initContainerStatuses"]}
    assert init == {"setup": {"terminated": {"exitCode": 0, "reason": "Completed"}},
                    "proxy": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
    assert ["sigterm", [["app", "proxy"]]] in [[a["action"], a["args"]] for a in deleted.to_dict()["actions"]]
