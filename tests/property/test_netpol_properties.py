"""NetworkPolicy properties that the rule language cannot state: those of the `netpol matrix` command.

The invariants of policies/kubernetes/networkpolicy.rules are `property` blocks at the end of that
file, next to the rules they protect, and run by tests/property/test_netpol_blocks.py: no policy
means every pair connects; isolation is selection; policies are additive and the first one isolates;
the rules an answer names are those that admit; `matrix` agrees with `reach`; an endPort range means
the ports it enumerates; answers do not depend on order; named ports, ipBlock excepts and peers.

What stays here is about the CLI, not the rules: `kuberules netpol matrix` reads the manifests
(Pods, Namespaces, NetworkPolicies in any order, split over several files) back as the endpoints the
rules are asked about, cuts the address space into ranges at the ipBlock boundaries, and prints for
every pair the connections `reach` allows. A property block sees the `matrix` query, never the
parsing of files, the document order across files, the address ranges or the printed `conns`.

Ports are asked about along `partition` (netpol_strategies): upstream's answer can only change where
a rule port or a named destination port starts or ends, so one port of each run stands for the whole
run, and the whole 1-65535 range of every protocol is covered without asking 65535 times.
"""

from __future__ import annotations

import argparse
import io
import ipaddress
import itertools
import json
import random
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kuberules import ClusterView, Engine
from kuberules.cli import netpol
from kuberules.policy import Policy
from kuberules.resources import policies_dir

from .netpol_strategies import NETPOL_API, PROTOCOLS, Obj, Snapshot, partition, snapshots


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


# --- matrix and reach ---------------------------------------------------------------------------------
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


def test_the_strategies_speak_the_api_version_the_rules_read(policy: Policy) -> None:
    """A guard for the property above: a generated policy that the rules do not read as a NetworkPolicy
    would make it pass vacuously."""
    deny = {"apiVersion": NETPOL_API, "kind": "NetworkPolicy", "metadata": {"namespace": "alpha", "name": "d"},
            "spec": {"podSelector": {}}}
    pod = {"namespace": "alpha", "name": "p", "labels": {}, "ip": "10.0.0.1", "hostNetwork": False,
           "containers": []}
    assert not reach(policy, ClusterView([deny]), {"ip": "10.0.0.2"}, pod, 80, "TCP")["allowed"]
