"""Properties of the NetworkPolicy rules (policies/kubernetes/networkpolicy.rules) over generated snapshots.

Each property holds for the networking.k8s.io/v1 API whatever the snapshot:
with no policy everything connects; a pod is isolated in a direction exactly
when a policy selects it for that direction; policies only add connections
once a pod is isolated, and the first one that selects it isolates it (so a
policy without rules for that direction closes it); `netpol matrix` says
what `reach` says for every pair and port; an `endPort` range means the
ports it enumerates; and the order of documents, peers and ports does not
matter. A counterexample is therefore a bug in the rules or the CLI, never a
reason to weaken a property here.

Ports are asked about along `partition` (netpol_strategies): upstream's
answer can only change where a rule port or a named destination port starts
or ends, so one port of each run stands for the whole run, and the whole
1-65535 range of every protocol is covered without asking 65535 times.
"""

from __future__ import annotations

import argparse
import io
import ipaddress
import itertools
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kuberules import ClusterView, Engine
from kuberules.cli import netpol
from kuberules.policy import Policy
from kuberules.resources import policies_dir

from .netpol_strategies import (
    NETPOL_API,
    PROTOCOLS,
    Obj,
    Snapshot,
    partition,
    policy_types,
    rule_port,
    selector_of,
    selects,
    snapshots,
)
from .netpol_strategies import policy as policy_strategy

SIDES = {"egress": "Egress", "ingress": "Ingress"}
Check = tuple[Obj, Obj, int, str]


@pytest.fixture(scope="module")
def policy(engine: Engine) -> Policy:
    """One load for the module: the rules do not change between examples."""
    return engine.load(policies_dir() / "kubernetes")


def reach(policy: Policy, view: ClusterView, src: Obj, dst: Obj, port: int, protocol: str) -> Obj:
    return policy.query("kubernetes.networkpolicy.reach", src, dst, port, protocol, cluster=view)


def who(ep: Obj) -> str:
    """An endpoint as failure messages name it."""
    return f"{ep['namespace']}/{ep['name']}" if "name" in ep else ep["ip"]


def show(snapshot: Snapshot) -> str:
    """The snapshot one object a line, so that a failure says which objects matter."""
    return "\n".join(f"  {json.dumps(o, sort_keys=True)}" for o in [*snapshot.manifests(), *snapshot.externals])


def pairs(snapshot: Snapshot) -> Iterator[tuple[Obj, Obj]]:
    """Every ordered pair of distinct endpoints with at least one pod (two outside addresses have no
    policy between them); a pod to itself is left out, as `matrix` leaves it out."""
    pods = snapshot.endpoints()
    every = [*pods, *snapshot.externals]
    for src in every:
        for dst in every:
            if src is not dst and ("name" in src or "name" in dst):
                yield src, dst


def checks(snapshot: Snapshot, within: Snapshot | None = None) -> Iterator[Check]:
    """(src, dst, port, protocol) for every pair, protocol and run of ports on which the answer is
    constant (the runs of `within` when given: a snapshot with more rule ports has finer runs)."""
    runs_of = within or snapshot
    for src, dst in pairs(snapshot):
        for protocol in PROTOCOLS:
            for start, _ in partition(runs_of, dst, protocol):
                yield src, dst, start, protocol


def summary(side: Obj) -> tuple[bool, bool, list[str], list[tuple[str, int]]]:
    """A side's decision without the order of its lists: allowed, isolated, policies, admitting rules."""
    rules = sorted((r["policy"], r["rule"]) for r in side.get("rules", []))
    return side["allowed"], side["isolated"], sorted(side["policies"]), rules


# --- 1. no policy -----------------------------------------------------------------------------------
@given(snapshot=snapshots(max_policies=0))
def test_without_policies_every_pair_connects_on_every_port(policy: Policy, snapshot: Snapshot) -> None:
    """Pods are non-isolated by default: with no NetworkPolicy every pod accepts and opens every connection,
    whatever the labels, namespaces, ports or host network."""
    view = ClusterView(snapshot.objects())
    for src, dst, port, protocol in checks(snapshot):
        verdict = reach(policy, view, src, dst, port, protocol)
        assert verdict["allowed"], f"{who(src)} -> {who(dst)} {protocol}/{port}: {verdict}\n{show(snapshot)}"
        assert not verdict["egress"]["isolated"] and not verdict["ingress"]["isolated"], verdict


# --- 2. isolation is selection ------------------------------------------------------------------------
@given(snapshot=snapshots(min_policies=1))
def test_a_pod_is_isolated_exactly_by_the_policies_that_select_it(policy: Policy, snapshot: Snapshot) -> None:
    """The additivity properties below lean on `isolated`: here it is checked against upstream's own
    selection (SetDefaults policyTypes, the policy's namespace, its podSelector, never a host-network pod),
    for both directions, with the names of the isolating policies."""
    view = ClusterView(snapshot.objects())
    pods = snapshot.endpoints()
    other = {"ip": "10.0.3.7"}
    for pod in pods:
        for side, direction in SIDES.items():
            src, dst = (pod, other) if side == "egress" else (other, pod)
            verdict = reach(policy, view, src, dst, 80, "TCP")[side]
            expected = sorted(p["metadata"]["name"] for p in snapshot.policies if selects(p, pod, direction))
            assert (verdict["isolated"], sorted(verdict["policies"])) == (bool(expected), expected), (
                f"{who(pod)} {side}: {verdict}\n{show(snapshot)}")


# --- 3. additive --------------------------------------------------------------------------------------
@st.composite
def aimed_policy(draw: st.DrawFn, snapshot: Snapshot, name: str) -> Obj:
    """A policy that often selects one of the snapshot's pods (its podSelector made from the pod's labels),
    else any policy: an added policy that selects nobody would show nothing."""
    pod = draw(st.sampled_from(snapshot.pods))
    namespace = pod["metadata"]["namespace"]
    if draw(st.integers(0, 3)) == 0:
        return draw(policy_strategy(namespace, name))
    return draw(policy_strategy(namespace, name, draw(selector_of(pod["metadata"].get("labels", {})))))


def with_policy(snapshot: Snapshot, extra: Obj) -> Snapshot:
    return Snapshot(snapshot.namespaces, snapshot.pods, [*snapshot.policies, extra], snapshot.externals)


@settings(max_examples=60)
@given(data=st.data())
def test_policies_are_additive_once_a_pod_is_isolated(policy: Policy, data: st.DataObject) -> None:
    """Adding a policy: on a side whose pod was already isolated in that direction, or that the new policy
    does not select, nothing allowed becomes denied (policies only add allowed connections); on a side the
    new policy is the first to select, the pod becomes isolated, and closed when the new policy has no rule
    for that direction. A connection lost overall is always lost to such a first isolation."""
    snapshot = data.draw(snapshots(max_policies=4))
    extra = data.draw(aimed_policy(snapshot, "extra"))
    bigger = with_policy(snapshot, extra)
    before, after = ClusterView(snapshot.objects()), ClusterView(bigger.objects())
    for src, dst, port, protocol in checks(snapshot, within=bigger):
        old, new = reach(policy, before, src, dst, port, protocol), reach(policy, after, src, dst, port, protocol)
        where = f"{who(src)} -> {who(dst)} {protocol}/{port}\nadded: {json.dumps(extra)}\n{show(snapshot)}"
        newly = []
        for side, direction in SIDES.items():
            pod = src if side == "egress" else dst
            first = not old[side]["isolated"] and "name" in pod and selects(extra, pod, direction)
            if first:
                newly.append(side)
                assert new[side]["isolated"], f"{side} not isolated by the first policy: {new}\n{where}"
                if not extra["spec"].get(side):
                    assert not new[side]["allowed"], f"{side} open without a rule: {new}\n{where}"
            else:
                assert new[side]["isolated"] == old[side]["isolated"], f"{side}: {old} -> {new}\n{where}"
                assert new[side]["allowed"] or not old[side]["allowed"], f"{side} lost: {old} -> {new}\n{where}"
        if old["allowed"] and not new["allowed"]:
            assert newly, f"connection lost without a first isolation: {old} -> {new}\n{where}"


@st.composite
def deny_policy(draw: st.DrawFn, snapshot: Snapshot) -> tuple[Obj, Obj, str]:
    """(target pod, policy, direction): a policy selecting the pod for the direction and without rules for
    it (absent or empty), with or without rules for the other direction."""
    target = draw(st.sampled_from(snapshot.pods))
    direction = draw(st.sampled_from(sorted(SIDES.values())))
    meta = target["metadata"]
    denial = draw(policy_strategy(meta["namespace"], "deny", draw(selector_of(meta.get("labels", {})))))
    spec = denial["spec"]
    key = direction.lower()
    if draw(st.booleans()):
        spec[key] = []
    else:
        spec.pop(key, None)
    types = spec.get("policyTypes")
    if (types is None and direction == "Egress") or (types is not None and direction not in types):
        spec["policyTypes"] = draw(st.sampled_from([[direction], ["Ingress", "Egress"]]))
    assert direction in policy_types(denial)
    return target, denial, direction


@settings(max_examples=60)
@given(data=st.data())
def test_a_policy_without_rules_closes_the_direction_of_a_pod_it_first_isolates(
        policy: Policy, data: st.DataObject) -> None:
    """A policy that selects a pod for a direction and has no rule for it: when no policy selected the pod
    for that direction before, every connection that way closes (every peer, port and protocol); when one
    did, or the pod is on the host network, nothing changes that way (it admits nothing, adds nothing)."""
    snapshot = data.draw(snapshots(max_policies=3))
    target, denial, direction = data.draw(deny_policy(snapshot))
    side = direction.lower()
    bigger = with_policy(snapshot, denial)
    before, after = ClusterView(snapshot.objects()), ClusterView(bigger.objects())
    name = f"{target['metadata']['namespace']}/{target['metadata']['name']}"
    for src, dst, port, protocol in checks(snapshot, within=bigger):
        pod = src if side == "egress" else dst
        if who(pod) != name:
            continue
        old, new = reach(policy, before, src, dst, port, protocol), reach(policy, after, src, dst, port, protocol)
        where = f"{who(src)} -> {who(dst)} {protocol}/{port}\nadded: {json.dumps(denial)}\n{show(snapshot)}"
        if pod["hostNetwork"]:
            assert new[side] == old[side], f"a host-network pod is never selected: {old} -> {new}\n{where}"
        elif not old[side]["isolated"]:
            assert new[side]["isolated"] and not new[side]["allowed"], f"{side} still open: {new}\n{where}"
            assert not new["allowed"], where
        else:
            assert new[side]["allowed"] == old[side]["allowed"], f"{side}: {old} -> {new}\n{where}"


# --- 4. explanations -----------------------------------------------------------------------------------
NOWHERE = [{"ipBlock": {"cidr": "203.0.113.1/32"}}]  # a peer no generated endpoint is (TEST-NET-3)


def solo(snapshot: Snapshot, name: str, key: str, index: int) -> ClusterView:
    """The cluster where only rule `index` of `key` (ingress/egress) of policy `name` can admit anything:
    every other rule of every policy gets a peer nobody is. Rule indices and isolation stay as they were."""
    peers_key = "from" if key == "ingress" else "to"
    policies = json.loads(json.dumps(snapshot.policies))
    for p in policies:
        for i, r in enumerate(p["spec"].get(key) or []):
            if (p["metadata"]["name"], i) != (name, index):
                r[peers_key] = NOWHERE
    return ClusterView([*snapshot.namespaces, *policies])


# The smallest counterexample found (two equal rules: the second is reported as the first, twice), kept so that
# the bug shows at once rather than after a search.
TWO_EQUAL_RULES = Snapshot(
    namespaces=[{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "alpha", "labels": {}}}],
    pods=[{"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "alpha", "name": "pod0", "labels": {}},
           "spec": {"containers": [{"name": "c0", "image": "nginx", "ports": [{"containerPort": 80}]}]},
           "status": {"podIP": "10.0.0.1"}}],
    policies=[{"apiVersion": NETPOL_API, "kind": "NetworkPolicy", "metadata": {"namespace": "alpha", "name": "np0"},
               "spec": {"podSelector": {}, "ingress": [{}, {}]}}],
    externals=[{"ip": "10.0.3.7"}])


@settings(max_examples=60)
@example(snapshot=TWO_EQUAL_RULES)
@given(snapshot=snapshots(min_policies=1))
def test_the_rules_an_answer_names_are_those_that_admit(policy: Policy, snapshot: Snapshot) -> None:
    """`reach --explain` and the JSON `rules` say which rules let a connection through: each named once, and
    exactly the rules that admit it on their own (with every other rule made to admit nobody). `reach`
    points users at a rule to read or edit; naming a wrong one (or one twice) sends them to the wrong place."""
    view = ClusterView(snapshot.objects())
    solos = {(p["metadata"]["name"], key, i): solo(snapshot, p["metadata"]["name"], key, i)
             for p in snapshot.policies for key in SIDES for i in range(len(p["spec"].get(key) or []))}
    for src, dst, port, protocol in checks(snapshot):
        verdict = reach(policy, view, src, dst, port, protocol)
        for side in SIDES:
            if not verdict[side]["isolated"]:
                continue
            pod = src if side == "egress" else dst
            named = [(r["policy"], r["rule"]) for r in verdict[side].get("rules", [])]
            admitting = sorted((f"{pod['namespace']}/{name}", i) for (name, key, i), alone in solos.items()
                               if key == side and name in verdict[side]["policies"]
                               and reach(policy, alone, src, dst, port, protocol)[side]["allowed"])
            assert sorted(named) == admitting, (
                f"{who(src)} -> {who(dst)} {protocol}/{port} {side}: names {named}, admitting {admitting}\n"
                f"{verdict[side]['reason']}\n{show(snapshot)}")


# --- 5. matrix and reach ------------------------------------------------------------------------------
class _Loaded:
    """Engine() for `_Network` that returns the rules this module loaded: loading them takes ~0.3 s, which
    would be most of each example, and the property is about the answers, not the loading."""

    def __init__(self, policy: Policy):
        self.policy = policy

    def load(self, path: Path) -> Policy:
        return self.policy


def expected_ports(policy: Policy, view: ClusterView, snapshot: Snapshot, src: Obj, dst: Obj
                   ) -> dict[str, list[tuple[int, int]]]:
    """Per protocol, the allowed port ranges as `reach` answers them along the partition (merged), after
    checking that `reach` is indeed constant over each run (else the partition, the oracle, is wrong)."""
    out: dict[str, list[tuple[int, int]]] = {}
    for protocol in PROTOCOLS:
        runs: list[tuple[int, int]] = []
        for start, end in partition(snapshot, dst, protocol):
            allowed = reach(policy, view, src, dst, start, protocol)["allowed"]
            assert reach(policy, view, src, dst, end, protocol)["allowed"] == allowed, (
                f"{who(src)} -> {who(dst)} {protocol} not constant over {start}-{end}\n{show(snapshot)}")
            if allowed and runs and runs[-1][1] == start - 1:
                runs[-1] = (runs[-1][0], end)
            elif allowed:
                runs.append((start, end))
        if runs:
            out[protocol] = runs
    return out


def write_manifests(directory: Path, documents: list[Obj], files: int) -> list[str]:
    """The documents as YAML streams in `files` files, round-robin, as a user's manifests would be."""
    paths = []
    for i in range(files):
        path = directory / f"part{i}.yaml"
        path.write_text(yaml.safe_dump_all(documents[i::files], sort_keys=False))
        paths.append(str(path))
    return paths


@settings(max_examples=60)
@given(snapshot=snapshots(), files=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_matrix_agrees_with_reach_on_every_pair(policy: Policy, tmp_path_factory: pytest.TempPathFactory,
                                                snapshot: Snapshot, files: int, seed: int) -> None:
    """`kuberules netpol matrix` on the snapshot's manifests (Pods, Namespaces, NetworkPolicies, in any order
    and files) reads back the same endpoints, and its connections for every pair are the ports `reach`
    allows; with no policy every pair has All Connections."""
    documents = snapshot.manifests()
    random.Random(seed).shuffle(documents)
    paths = write_manifests(tmp_path_factory.mktemp("netpol"), documents, files)
    stdout = io.StringIO()
    with mock.patch.object(netpol, "Engine", lambda: _Loaded(policy)):
        net = netpol._Network(paths)
        code = netpol.run_matrix(argparse.Namespace(paths=paths, output="json"), stdout, io.StringIO())
    assert code == 0
    endpoints = {f"{e['namespace']}/{e['name']}": e for e in snapshot.endpoints()}
    assert sorted(net.endpoints) == sorted(endpoints)
    for key, ep in endpoints.items():
        read = net.endpoints[key]
        assert (read["labels"], read["ip"], read["hostNetwork"]) == (ep["labels"], ep["ip"], ep["hostNetwork"])
        assert [c.get("ports") for c in read["containers"]] == [c["ports"] for c in ep["containers"]]
    matrix = {(row["src"], row["dst"]): row["conns"] for row in json.loads(stdout.getvalue())}
    view = ClusterView(snapshot.objects())
    ranges = sorted({name for pair in matrix for name in pair if name not in endpoints},
                    key=lambda r: ipaddress.ip_address(r.partition("-")[0]))
    assert sorted(matrix) == sorted([(a, b) for a in endpoints for b in endpoints if a != b]
                                    + [pair for r in ranges for e in endpoints for pair in ((r, e), (e, r))])
    ipv4 = [r for r in ranges if ":" not in r]  # they cover the whole space, in order, without gaps
    assert ipv4[0].startswith("0.0.0.0-") and ipv4[-1].endswith("-255.255.255.255")
    for before, after in itertools.pairwise(ipv4):
        assert int(ipaddress.ip_address(before.partition("-")[2])) + 1 == int(ipaddress.ip_address(
            after.partition("-")[0]))
    for (a, b), conns in matrix.items():
        ends = [(endpoints.get(a, {"ip": ip}), endpoints.get(b, {"ip": ip}))
                for ip in {*(a.split("-") if a in ranges else b.split("-") if b in ranges else [""])}]
        for src, dst in ends:  # a range: its first and last addresses both have its connections
            want = expected_ports(policy, view, snapshot, src, dst)
            where = f"{a} -> {b} ({who(src)} -> {who(dst)})\n{show(snapshot)}"
            assert net.allowed_ports(src, dst) == want, where
            assert conns == netpol._connections(want), where
            if not snapshot.policies:
                assert conns == "All Connections", where


# --- 6. endPort -----------------------------------------------------------------------------------------
def enumerate_ranges(obj: Any) -> Any:
    """The same object with every port entry that has an endPort replaced, in place in its list, by one entry
    per port of the range (same protocol): what the range means."""
    if isinstance(obj, dict):
        return {k: enumerate_ranges(v) for k, v in obj.items()}
    if isinstance(obj, list):
        out = []
        for item in obj:
            if isinstance(item, dict) and "endPort" in item:
                base = {k: v for k, v in item.items() if k not in ("port", "endPort")}
                out += [{**base, "port": n} for n in range(item["port"], item["endPort"] + 1)]
            else:
                out.append(enumerate_ranges(item))
        return out
    return obj


@st.composite
def ranged_snapshots(draw: st.DrawFn) -> Snapshot:
    """A snapshot with at least one endPort range: one is added to a rule of one policy if none was drawn."""
    snapshot = draw(snapshots(min_policies=1))
    if "endPort" in json.dumps(snapshot.policies):
        return snapshot
    target = draw(st.sampled_from(snapshot.policies))["spec"]
    key = draw(st.sampled_from(("ingress", "egress")))
    rules = target.setdefault(key, [])
    if not rules:
        rules.append({})
    port = draw(rule_port().filter(lambda p: "endPort" in p))
    draw(st.sampled_from(rules)).setdefault("ports", []).append(port)
    return snapshot


@settings(max_examples=60)
@given(snapshot=ranged_snapshots())
def test_an_end_port_range_means_the_ports_it_enumerates(policy: Policy, snapshot: Snapshot) -> None:
    """port..endPort in one entry and the same ports as separate entries of the same rule give the same
    verdict (reasons and rule indices included) for every pair, port and protocol, and the same allowed
    port ranges (what `matrix` prints)."""
    enumerated = Snapshot(snapshot.namespaces, snapshot.pods, enumerate_ranges(snapshot.policies),
                          snapshot.externals)
    ranged, listed = ClusterView(snapshot.objects()), ClusterView(enumerated.objects())
    for src, dst, port, protocol in checks(snapshot, within=enumerated):
        one, many = reach(policy, ranged, src, dst, port, protocol), reach(policy, listed, src, dst, port, protocol)
        assert one == many, f"{who(src)} -> {who(dst)} {protocol}/{port}: {one} != {many}\n{show(snapshot)}"
    for src, dst in pairs(snapshot):
        assert (expected_ports(policy, ranged, enumerated, src, dst)
                == expected_ports(policy, listed, enumerated, src, dst)), f"{who(src)} -> {who(dst)}"


# --- 7. order -------------------------------------------------------------------------------------------
def shuffle_within_rules(policies: list[Obj], rng: random.Random) -> list[Obj]:
    """The policies with the peers and the ports of each rule in another order (rules keep theirs: their
    index is part of the answer)."""
    out = json.loads(json.dumps(policies))
    for p in out:
        for key, peers in (("ingress", "from"), ("egress", "to")):
            for r in p["spec"].get(key) or []:
                for field in (peers, "ports"):
                    if r.get(field):
                        rng.shuffle(r[field])
    return out


@settings(max_examples=60)
@given(snapshot=snapshots(min_policies=2), seed=st.integers(0, 2**16))
def test_answers_do_not_depend_on_order(policy: Policy, snapshot: Snapshot, seed: int) -> None:
    """The documents of the cluster (Namespaces and NetworkPolicies) in another order, and the peers and
    ports of each rule in another order, give the same decision on both sides: allowed, isolated, the
    isolating policies and the admitting rules (as sets; only the order they are listed in may change)."""
    rng = random.Random(seed)
    documents = [*snapshot.namespaces, *shuffle_within_rules(snapshot.policies, rng)]
    rng.shuffle(documents)
    first, second = ClusterView(snapshot.objects()), ClusterView(documents)
    for src, dst, port, protocol in checks(snapshot):
        a, b = reach(policy, first, src, dst, port, protocol), reach(policy, second, src, dst, port, protocol)
        for side in SIDES:
            assert summary(a[side]) == summary(b[side]), (
                f"{who(src)} -> {who(dst)} {protocol}/{port} {side}: {a[side]} != {b[side]}\n"
                f"reordered: {json.dumps(documents)}\n{show(snapshot)}")


def test_the_strategies_speak_the_api_version_the_rules_read(policy: Policy) -> None:
    """A guard for every property above: a generated policy that the rules do not read as a NetworkPolicy
    would make every property pass vacuously."""
    deny = {"apiVersion": NETPOL_API, "kind": "NetworkPolicy", "metadata": {"namespace": "alpha", "name": "d"},
            "spec": {"podSelector": {}}}
    pod = {"namespace": "alpha", "name": "p", "labels": {}, "ip": "10.0.0.1", "hostNetwork": False,
           "containers": []}
    assert not reach(policy, ClusterView([deny]), {"ip": "10.0.0.2"}, pod, 80, "TCP")["allowed"]
