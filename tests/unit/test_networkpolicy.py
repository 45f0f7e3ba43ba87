"""policies/kubernetes/networkpolicy.rules on what upstream's e2e tables do not exercise:
policyTypes defaulting, endPort ranges, host-network pods, ipBlock except; and proof that
the answers come from the rule file."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kuberules import ClusterView, Engine, EvalError
from kuberules.resources import policies_dir


@pytest.fixture(scope="module")
def policy():
    return Engine().load(policies_dir() / "kubernetes")


def pod(name: str, ns: str = "x", ip: str = "10.0.0.1", **extra) -> dict:
    return {"namespace": ns, "name": name, "labels": {"pod": name}, "ip": ip,
            "containers": [{"ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]}], **extra}


def netpol(name: str, spec: dict, ns: str = "x") -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}


def reach(policy, policies: list[dict], src: dict, dst: dict, port: int, protocol: str = "TCP") -> bool:
    cluster = ClusterView([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}, *policies])
    return policy.query("kubernetes.networkpolicy.reach", src, dst, port, protocol, cluster=cluster)["allowed"]


def test_policy_types_default_from_the_rules_present(policy):
    # no policyTypes, no egress rules: about ingress only, so a's egress stays open
    only_ingress = netpol("i", {"podSelector": {"matchLabels": {"pod": "a"}}, "ingress": []})
    assert reach(policy, [only_ingress], pod("a"), pod("b", ip="10.0.0.2"), 80)
    assert not reach(policy, [only_ingress], pod("b", ip="10.0.0.2"), pod("a"), 80)
    # no policyTypes, egress rules: about egress too
    with_egress = netpol("e", {"podSelector": {"matchLabels": {"pod": "a"}},
                               "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}]})
    assert not reach(policy, [with_egress], pod("a"), pod("b", ip="10.0.0.2"), 80)
    assert reach(policy, [with_egress], pod("a"), pod("b", ip="10.0.0.2"), 53, "UDP")


def test_end_port_named_port_and_host_network(policy):
    ranged = netpol("r", {"podSelector": {}, "policyTypes": ["Ingress"],
                          "ingress": [{"ports": [{"port": 32000, "endPort": 32010}, {"port": "http"}]}]})
    assert reach(policy, [ranged], pod("a"), pod("b"), 32005)
    assert not reach(policy, [ranged], pod("a"), pod("b"), 32011)
    assert reach(policy, [ranged], pod("a"), pod("b"), 8080)  # the destination's port named http
    assert not reach(policy, [ranged], pod("a"), pod("b"), 8080, "UDP")
    assert reach(policy, [ranged], pod("a"), pod("b", hostNetwork=True), 9999)  # not selected by policies


def test_ip_block_except(policy):
    blocked = netpol("b", {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [
        {"from": [{"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.0.1.0/24"]}}]}]})
    assert reach(policy, [blocked], pod("a", ip="10.0.2.5"), pod("b"), 80)
    assert not reach(policy, [blocked], pod("a", ip="10.0.1.5"), pod("b"), 80)
    assert reach(policy, [blocked], {"ip": "10.0.3.3"}, pod("b"), 80)  # an address outside the cluster


def test_editing_the_rule_file_changes_the_answer(tmp_path: Path, policy):
    copy = tmp_path / "kubernetes"
    shutil.copytree(policies_dir() / "kubernetes", copy)
    rules = copy / "networkpolicy.rules"
    text = rules.read_text(encoding="utf-8")
    assert '(rule_port.protocol ?? "TCP")' in text
    rules.write_text(text.replace('(rule_port.protocol ?? "TCP")', '(rule_port.protocol ?? "UDP")'), encoding="utf-8")
    edited = Engine().load(copy)
    only_80 = netpol("p", {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"ports": [{"port": 80}]}]})
    assert reach(policy, [only_80], pod("a"), pod("b"), 80)
    assert not reach(edited, [only_80], pod("a"), pod("b"), 80)


# --- the port-set primitives `matrix` combines answers with ------------------------------------
port_ranges = st.lists(st.tuples(st.sampled_from(["TCP", "UDP"]), st.integers(1, 40), st.integers(1, 40)).map(list),
                       max_size=5)


def _ports(ranges: list[list]) -> set[tuple[str, int]]:
    return {(proto, n) for proto, first, last in ranges for n in range(first, last + 1)}


@given(port_ranges, port_ranges)
def test_port_sets_mean_the_ports_they_enumerate(a, b):
    """portsUnion/portsIntersect against Python sets of (protocol, port); the result is in normal form
    (sorted, no two ranges of a protocol overlapping or touching)."""
    engine = Engine()
    union = engine.compile_expression("portsUnion(object[0] + object[1])")([a, b])
    both = engine.compile_expression("portsIntersect(object[0], object[1])")([a, b])
    assert _ports(union) == _ports(a) | _ports(b)
    assert _ports(both) == _ports(a) & _ports(b)
    for result in (union, both):
        assert result == sorted(result)
        for (p1, _, last), (p2, first, _) in itertools.pairwise(result):
            assert p1 != p2 or first > last + 1


def test_port_sets_refuse_what_is_not_a_range():
    with pytest.raises(EvalError, match="not \\[protocol, first, last\\]"):
        Engine().compile_expression('portsUnion([["TCP", 1]])')()
