"""The Kubernetes RBAC bootstrap policy shipped as data in policies/kubernetes/rbac-defaults.

The files are upstream's bootstrappolicy testdata (`kind: List` documents) of one release, Kubernetes
v1.20.2 (commit faecb196815e248d3ecfb03c680a4507229c2a56, read from Debian's orig tarball of it); each
names its upstream path, the version and the commit in a leading comment. These tests pin what was
copied: the bytes below each header are upstream's (sha256 of the file in the tarball), every file
loads, the object counts are exact, and the well-known roles and bindings are as v1.20.2 has them,
including what later releases changed (so a file from another release is caught).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from kuberules.k8s.load import read_located

DATA_DIR = Path(__file__).resolve().parents[2] / "policies" / "kubernetes" / "rbac-defaults"

# file -> (kind of every item, number of items), as read from upstream at v1.20.2.
EXPECTED = {
    "cluster-roles.yaml": ("ClusterRole", 31),
    "cluster-role-bindings.yaml": ("ClusterRoleBinding", 12),
    "controller-roles.yaml": ("ClusterRole", 29),
    "controller-role-bindings.yaml": ("ClusterRoleBinding", 29),
    "namespace-roles.yaml": ("Role", 7),
    "namespace-role-bindings.yaml": ("RoleBinding", 7),
}

UPSTREAM_DIR = "plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/"
VERSION = "v1.20.2"
COMMIT = "faecb196815e248d3ecfb03c680a4507229c2a56"
TARBALL = "kubernetes_1.20.5+really1.20.2.orig.tar.gz"
TARBALL_SHA256 = "b83c0780efb182d928dc63d46488a847f161f04e40a94b96bf5247dd671ecdfc"

# sha256 of each file as it is in the tarball (kubernetes-1.20.2/<UPSTREAM_DIR><name>).
UPSTREAM_SHA256 = {
    "cluster-role-bindings.yaml": "08dd32300f4ed380af9cde6584378e5c81a75ae27d34fb8913c97fcbd2cd1eaa",
    "cluster-roles.yaml": "3cc973b9d000067f9dbb7813ce045df4ba6d4ed80d47373039fe09fa9092a6d4",
    "controller-role-bindings.yaml": "b9d584cd98baa408425dc0333b9e0f5e51ff1d791c1290e12c2879e22cc20e41",
    "controller-roles.yaml": "2c13f424254483df874f8a4be11e7b782038e79d2d5da7ebc64a2c05d21d53c1",
    "namespace-role-bindings.yaml": "5e8b8375ca5ececce899487d7b9c81194cacbebe7d503e493647f5705c715ff9",
    "namespace-roles.yaml": "c5771a7065fbd306994af80fdbca47911965744242b10b11aa41eee437ae05f7",
}

# The controller roles of v1.20.2 with its default feature gates (ttl-after-finished-controller and
# ephemeral-volume-controller are there only behind alpha gates, off by default).
CONTROLLERS_1_20 = {
    "attachdetach-controller", "certificate-controller", "clusterrole-aggregation-controller",
    "cronjob-controller", "daemon-set-controller", "deployment-controller", "disruption-controller",
    "endpoint-controller", "endpointslice-controller", "endpointslicemirroring-controller",
    "expand-controller", "generic-garbage-collector", "horizontal-pod-autoscaler", "job-controller",
    "namespace-controller", "node-controller", "persistent-volume-binder", "pod-garbage-collector",
    "pv-protection-controller", "pvc-protection-controller", "replicaset-controller",
    "replication-controller", "resourcequota-controller", "root-ca-cert-publisher", "route-controller",
    "service-account-controller", "service-controller", "statefulset-controller", "ttl-controller",
}  # fmt: skip


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


def _header_and_body(name: str) -> tuple[list[str], bytes]:
    data = (DATA_DIR / name).read_bytes()
    lines = data.splitlines(keepends=True)
    n = 0
    while n < len(lines) and lines[n].startswith(b"#"):
        n += 1
    return [line.decode("utf-8").rstrip("\n") for line in lines[:n]], b"".join(lines[n:])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_header_names_the_version_and_commit(name):
    header, _ = _header_and_body(name)
    assert header, name
    assert header[0] == f"# Upstream: kubernetes/kubernetes {UPSTREAM_DIR}{name}"
    text = "\n".join(header)
    assert f"Kubernetes {VERSION} (commit {COMMIT})" in text
    assert TARBALL in text and TARBALL_SHA256 in text
    # One release only: no other 40-hex commit is named.
    words = {w.strip("().,;:") for w in text.split()}
    assert {w for w in words if len(w) == 40 and all(c in "0123456789abcdef" for c in w)} == {COMMIT}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_body_is_upstreams_file_byte_for_byte(name):
    _, body = _header_and_body(name)
    assert body.startswith(b"apiVersion: v1\nitems:\n")
    assert body.endswith(b"kind: List\nmetadata: {}\n")
    assert hashlib.sha256(body).hexdigest() == UPSTREAM_SHA256[name]


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
    # selfsubjectreviews (authentication.k8s.io) joined system:basic-user after 1.20.
    assert len(basic) == 1
    discovery = roles["system:discovery"]["rules"]
    assert len(discovery) == 1 and discovery[0]["verbs"] == ["get"]
    assert {"/api", "/apis", "/version", "/healthz", "/livez", "/readyz"} <= set(discovery[0]["nonResourceURLs"])
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
    assert roles["system:monitoring"]["rules"] == [
        {
            "nonResourceURLs": ["/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/readyz", "/readyz/*"],
            "verbs": ["get"],
        }
    ]
    assert roles["system:service-account-issuer-discovery"]["rules"] == [
        {"nonResourceURLs": ["/.well-known/openid-configuration", "/openid/v1/jwks"], "verbs": ["get"]}
    ]


def test_leader_election_is_as_in_1_20():
    """In v1.20.2 the scheduler and controller-manager lock through endpoints (cluster roles) and
    configmaps (kube-system roles), named by resourceNames; later releases moved to leases only."""
    roles = _by_name("cluster-roles.yaml")
    for component in ("kube-scheduler", "kube-controller-manager"):
        rules = roles[f"system:{component}"]["rules"]
        assert {"apiGroups": [""], "resourceNames": [component], "resources": ["endpoints"],
                "verbs": ["get", "update"]} in rules  # fmt: skip
        assert {"apiGroups": ["coordination.k8s.io"], "resourceNames": [component], "resources": ["leases"],
                "verbs": ["get", "update"]} in rules  # fmt: skip
    ns_roles = {(o["metadata"]["namespace"], o["metadata"]["name"]): o for o in _objects("namespace-roles.yaml")}
    for component in ("kube-scheduler", "kube-controller-manager"):
        role = ns_roles[("kube-system", f"system::leader-locking-{component}")]
        assert role["rules"] == [
            {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["watch"]},
            {"apiGroups": [""], "resourceNames": [component], "resources": ["configmaps"], "verbs": ["get", "update"]},
        ]


def test_well_known_cluster_role_bindings():
    bindings = _by_name("cluster-role-bindings.yaml")
    admin = bindings["cluster-admin"]
    assert admin["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"}
    assert admin["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:masters"}]
    # As v1.20.2 has them: basic-user and discovery for authenticated users only, public-info-viewer
    # for everybody, monitoring for the system:monitoring group, issuer discovery for service accounts.
    assert _group_subjects(bindings["system:basic-user"]) == {"system:authenticated"}
    assert _group_subjects(bindings["system:discovery"]) == {"system:authenticated"}
    assert _group_subjects(bindings["system:public-info-viewer"]) == {"system:authenticated", "system:unauthenticated"}
    assert _group_subjects(bindings["system:monitoring"]) == {"system:monitoring"}
    assert _group_subjects(bindings["system:service-account-issuer-discovery"]) == {"system:serviceaccounts"}
    for name in (
        "system:basic-user",
        "system:discovery",
        "system:public-info-viewer",
        "system:monitoring",
        "system:service-account-issuer-discovery",
    ):
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
    assert set(roles) == set(bindings) == {f"system:controller:{c}" for c in CONTROLLERS_1_20}
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
