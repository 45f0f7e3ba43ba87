"""The Kubernetes RBAC bootstrap policy shipped as data in policies/kubernetes/rbac-defaults.

The files are upstream's bootstrappolicy testdata (`kind: List` documents); each names its upstream
path and commit in a leading comment. These tests pin what was transcribed: every file loads, the
well-known roles and bindings are there as upstream has them, and the object counts are exact.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from kuberules.k8s.load import read_located

DATA_DIR = Path(__file__).resolve().parents[2] / "policies" / "kubernetes" / "rbac-defaults"

# file -> (kind of every item, number of items), as read from upstream.
EXPECTED = {
    "cluster-roles.yaml": ("ClusterRole", 31),
    "cluster-role-bindings.yaml": ("ClusterRoleBinding", 10),
    "controller-roles.yaml": ("ClusterRole", 38),
    "controller-role-bindings.yaml": ("ClusterRoleBinding", 38),
    "namespace-roles.yaml": ("Role", 7),
    "namespace-role-bindings.yaml": ("RoleBinding", 7),
}

UPSTREAM_DIR = "plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/"


def _objects(name: str) -> list[dict]:
    return [doc.object for doc in read_located([str(DATA_DIR / name)])]


def _by_name(name: str) -> dict[str, dict]:
    objs = _objects(name)
    out = {o["metadata"]["name"]: o for o in objs}
    assert len(out) == len(objs), f"duplicate names in {name}"
    return out


def _group_subjects(binding: dict) -> set[str]:
    return {s["name"] for s in binding.get("subjects") or [] if s["kind"] == "Group"}


def test_directory_holds_exactly_the_expected_files():
    assert sorted(p.name for p in DATA_DIR.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_file_loads_and_counts_match(name):
    kind, count = EXPECTED[name]
    objs = _objects(name)
    assert len(objs) == count
    assert Counter(o["kind"] for o in objs) == {kind: count}
    for o in objs:
        assert o["apiVersion"] == "rbac.authorization.k8s.io/v1"
        assert o["metadata"]["labels"]["kubernetes.io/bootstrapping"] == "rbac-defaults"
        assert o["metadata"]["annotations"]["rbac.authorization.kubernetes.io/autoupdate"] == "true"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_file_is_an_upstream_list_with_provenance_header(name):
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert header and text.startswith("#")
    assert f"kubernetes/kubernetes {UPSTREAM_DIR}{name}" in header[0]
    assert any(line.startswith("# Commit: ") and len(line.split()[2]) == 40 for line in header)
    body = text[text.index("apiVersion: v1\nitems:\n") :]
    assert body.endswith("kind: List\nmetadata: {}\n")


def test_cluster_admin_allows_everything():
    role = _by_name("cluster-roles.yaml")["cluster-admin"]
    assert "aggregationRule" not in role
    assert role["rules"] == [
        {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
        {"nonResourceURLs": ["*"], "verbs": ["*"]},
    ]


@pytest.mark.parametrize(
    ("role", "selector", "own_label"),
    [
        ("admin", "rbac.authorization.k8s.io/aggregate-to-admin", None),
        ("edit", "rbac.authorization.k8s.io/aggregate-to-edit", "rbac.authorization.k8s.io/aggregate-to-admin"),
        ("view", "rbac.authorization.k8s.io/aggregate-to-view", "rbac.authorization.k8s.io/aggregate-to-edit"),
    ],
)
def test_aggregated_roles(role, selector, own_label):
    roles = _by_name("cluster-roles.yaml")
    obj = roles[role]
    assert obj["aggregationRule"] == {"clusterRoleSelectors": [{"matchLabels": {selector: "true"}}]}
    # Upstream's testdata keeps the aggregated roles' rules empty; the controller fills them in a cluster.
    assert obj["rules"] is None
    labels = obj["metadata"]["labels"]
    if own_label is not None:
        assert labels[own_label] == "true"
    # Some role carries the selected label and has rules of its own (system:aggregate-to-*).
    sources = [o for o in roles.values() if o["metadata"]["labels"].get(selector) == "true" and o["rules"]]
    assert f"system:aggregate-to-{role}" in {o["metadata"]["name"] for o in sources}


def test_well_known_system_roles():
    roles = _by_name("cluster-roles.yaml")
    basic = roles["system:basic-user"]["rules"]
    assert {
        "apiGroups": ["authorization.k8s.io"],
        "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
        "verbs": ["create"],
    } in basic
    discovery = roles["system:discovery"]["rules"]
    assert len(discovery) == 1 and discovery[0]["verbs"] == ["get"]
    assert {"/api", "/apis", "/version"} <= set(discovery[0]["nonResourceURLs"])
    public = roles["system:public-info-viewer"]["rules"]
    assert public == [{"nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"], "verbs": ["get"]}]
    for name in (
        "system:node",
        "system:node-proxier",
        "system:kube-scheduler",
        "system:kube-controller-manager",
        "system:kube-dns",
        "system:volume-scheduler",
        "system:monitoring",
        "system:auth-delegator",
    ):
        assert roles[name]["rules"], name


def test_well_known_cluster_role_bindings():
    bindings = _by_name("cluster-role-bindings.yaml")
    admin = bindings["cluster-admin"]
    assert admin["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"}
    assert admin["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:masters"}]
    # As upstream has them (at the commit read): basic-user and discovery for authenticated users only,
    # public-info-viewer for everybody.
    assert _group_subjects(bindings["system:basic-user"]) == {"system:authenticated"}
    assert _group_subjects(bindings["system:discovery"]) == {"system:authenticated"}
    assert _group_subjects(bindings["system:public-info-viewer"]) == {"system:authenticated", "system:unauthenticated"}
    for name in ("system:basic-user", "system:discovery", "system:public-info-viewer"):
        assert bindings[name]["roleRef"]["name"] == name
    # system:node carries no subjects upstream (the Node authorizer grants kubelets their access).
    assert "subjects" not in bindings["system:node"]


def test_every_cluster_role_binding_names_a_present_cluster_role():
    cluster_roles = set(_by_name("cluster-roles.yaml")) | set(_by_name("controller-roles.yaml"))
    for name in ("cluster-role-bindings.yaml", "controller-role-bindings.yaml"):
        for binding in _objects(name):
            ref = binding["roleRef"]
            assert ref["apiGroup"] == "rbac.authorization.k8s.io"
            assert ref["kind"] == "ClusterRole"
            assert ref["name"] in cluster_roles, (name, binding["metadata"]["name"])


def test_controller_bindings_pair_with_controller_roles():
    roles = _by_name("controller-roles.yaml")
    bindings = _by_name("controller-role-bindings.yaml")
    assert set(roles) == set(bindings)
    for name, binding in bindings.items():
        assert name.startswith("system:controller:")
        assert binding["roleRef"]["name"] == name
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": name.removeprefix("system:controller:"), "namespace": "kube-system"}
        ]


def test_namespace_role_bindings_name_present_roles():
    roles = {(o["metadata"]["namespace"], o["metadata"]["name"]) for o in _objects("namespace-roles.yaml")}
    for binding in _objects("namespace-role-bindings.yaml"):
        ref = binding["roleRef"]
        assert ref["kind"] == "Role"
        assert (binding["metadata"]["namespace"], ref["name"]) in roles, binding["metadata"]["name"]
