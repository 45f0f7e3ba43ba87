"""kuberules auth can-i / who-can on examples/shop/rbac (a RoleBinding in the wrong namespace)."""

from __future__ import annotations

import json
from pathlib import Path

from .test_cli import cli

RBAC = str(Path(__file__).resolve().parents[2] / "examples" / "shop" / "rbac")
CI = "system:serviceaccount:shop:ci"


def test_can_i_says_no_and_the_nearest_miss():
    code, out, _ = cli("auth", "can-i", "get", "pods", "-n", "shop", "--as", CI, "--cluster", RBAC, "--explain")
    assert code == 1
    assert out.splitlines() == [
        "no",
        "  no RBAC rule allows it",
        "  near miss: RoleBinding default/ci-pod-reader grants it, but only in namespace default",
    ]


def test_can_i_yes_names_binding_role_and_rule():
    code, out, _ = cli("auth", "can-i", "patch", "deployments/web", "-n", "shop", "--as",
                       "system:serviceaccount:shop:deployer", "--cluster", RBAC, "-o", "json")
    data = json.loads(out)
    assert (code, data["allowed"]) == (0, True)
    assert data["binding"] == {"kind": "RoleBinding", "name": "deployer", "namespace": "shop",
                               "location": f"{RBAC}/rbac.yaml:49"}
    assert data["role"]["location"] == f"{RBAC}/rbac.yaml:39"
    assert data["request"] == {"verb": "patch", "apiGroup": "apps", "resource": "deployments", "subresource": "",
                               "name": "web", "namespace": "shop"}


def test_can_i_misses_a_verb_and_a_subresource():
    code, out, _ = cli("auth", "can-i", "delete", "deployments", "-n", "shop", "--as",
                       "system:serviceaccount:shop:deployer", "--cluster", RBAC, "--explain")
    assert code == 1 and "  near miss: Role deployer allows get, list, update, patch on deployments, not delete" in out
    code, out, _ = cli("auth", "can-i", "get", "pods", "--subresource", "exec", "-n", "default", "--as", CI,
                       "--cluster", RBAC, "--explain")
    assert code == 1 and "  near miss: ClusterRole pod-reader allows pods but not pods/exec" in out


def test_masters_and_default_roles():
    code, out, _ = cli("auth", "can-i", "delete", "nodes", "--as", "root", "--as-group", "system:masters",
                       "--cluster", RBAC, "--explain")
    assert code == 0 and "system:masters is allowed everything" in out
    code, out, _ = cli("auth", "can-i", "get", "/healthz", "--as", "jane", "--cluster", RBAC)
    assert (code, out) == (0, "yes\n")  # system:discovery, bound to system:authenticated by default
    code, out, _ = cli("auth", "can-i", "get", "/healthz", "--as", "jane", "--cluster", RBAC, "--no-default-roles")
    assert (code, out) == (1, "no\n")


def test_default_bindings_of_1_20():
    """Bindings the Kubernetes v1.20.2 bootstrap policy has (policies/kubernetes/rbac-defaults)."""
    code, out, _ = cli("auth", "can-i", "get", "/metrics", "--as", "prom", "--as-group", "system:monitoring",
                       "--cluster", RBAC, "--explain")
    assert code == 0 and "binding: ClusterRoleBinding system:monitoring (" in out
    code, out, _ = cli("auth", "can-i", "get", "/metrics", "--as", "jane", "--cluster", RBAC)
    assert (code, out) == (1, "no\n")
    code, out, _ = cli("auth", "can-i", "get", "/.well-known/openid-configuration", "--as", CI, "--cluster", RBAC,
                       "--explain")
    assert code == 0 and "binding: ClusterRoleBinding system:service-account-issuer-discovery (" in out
    code, out, _ = cli("auth", "can-i", "get", "/healthz", "--as", "system:anonymous", "--cluster", RBAC, "--explain")
    assert code == 0 and "binding: ClusterRoleBinding system:public-info-viewer (" in out
    code, out, _ = cli("auth", "can-i", "get", "/metrics", "--as", "prom", "--as-group", "system:monitoring",
                       "--cluster", RBAC, "--no-default-roles")
    assert (code, out) == (1, "no\n")


def test_who_can_and_list():
    code, out, _ = cli("auth", "who-can", "get", "pods", "-n", "default", "--cluster", RBAC, "--no-default-roles")
    assert (code, out.splitlines()) == (0, [
        "Group system:masters  (allowed everything before RBAC)",
        "ServiceAccount shop/ci  RoleBinding default/ci-pod-reader -> ClusterRole pod-reader",
    ])
    code, out, _ = cli("auth", "can-i", "--list", "-n", "shop", "--as", "system:serviceaccount:shop:deployer",
                       "--cluster", RBAC, "--no-default-roles")
    assert out.splitlines() == [
        "Resources                Non-Resource URLs   Resource Names   Verbs",
        "deployments.apps                             []               [get list update patch]",
        "deployments.apps/scale                       []               [get list update patch]",
    ]


NEW_ROLE = """apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: secret-admin, namespace: shop}
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get", "delete"]
"""
LEAD = """apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: lead-KIND, namespace: shop}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: lead}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: KIND}
"""


def test_escalation_needs_every_permission_granted(tmp_path):
    (tmp_path / "role.yaml").write_text(NEW_ROLE)
    (tmp_path / "admin.yaml").write_text(LEAD.replace("KIND", "admin"))
    (tmp_path / "edit.yaml").write_text(LEAD.replace("KIND", "edit"))
    # admin (aggregated from edit, itself aggregated from view) holds secrets and may create roles
    code, out, _ = cli("auth", "escalation", str(tmp_path / "role.yaml"), "--as", "lead",
                       "--cluster", str(tmp_path / "admin.yaml"))
    assert (code, out) == (0, f"{tmp_path / 'role.yaml'}:1: Role shop/secret-admin: allowed\n")
    # edit may not create roles at all
    code, out, _ = cli("auth", "escalation", str(tmp_path / "role.yaml"), "--as", "lead",
                       "--cluster", str(tmp_path / "edit.yaml"))
    assert code == 1 and out.endswith("refused: lead may not create Roles\n")
    # a user who may create roles but holds no secrets permission is refused the grant
    grant = ("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: roles, namespace: shop}\n"
             "rules: [{apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [create]}]\n---\n"
             "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: r, namespace: shop}\n"
             "subjects: [{kind: User, name: lead}]\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, "
             "name: roles}\n")
    (tmp_path / "creator.yaml").write_text(grant)
    code, out, _ = cli("auth", "escalation", str(tmp_path / "role.yaml"), "--as", "lead",
                       "--cluster", str(tmp_path / "creator.yaml"), "-o", "json")
    result = json.loads(out)[0]
    assert (code, result["create"], result["allowed"]) == (1, True, False)
    assert result["missing"] == [{"verbs": ["get"], "apiGroups": [""], "resources": ["secrets"]},
                                 {"verbs": ["delete"], "apiGroups": [""], "resources": ["secrets"]}]


def test_graph_draws_subjects_bindings_roles_and_permissions():
    code, out, _ = cli("auth", "graph", "--cluster", RBAC, "--no-default-roles")
    assert code == 0 and out.startswith("digraph rbac {")
    assert '  "ServiceAccount/shop/ci" -> "RoleBinding/default/ci-pod-reader";' in out.splitlines()
    assert '  "ClusterRole/pod-reader" -> "get,list,watch pods,pods/log";' in out.splitlines()


def test_an_invalid_binding_is_a_located_input_error(tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: bad}\n"
        "subjects: [{kind: Robot, name: r2}]\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: x}\n")
    code, out, err = cli("auth", "can-i", "get", "pods", "--as", "x", "--cluster", str(tmp_path / "bad.yaml"))
    where = f"{tmp_path / 'bad.yaml'}:1: ClusterRoleBinding bad"
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f'error: {where}: roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
        f'error: {where}: subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", '
        '"Group"',
    ]


def test_a_binding_to_a_missing_role_is_a_warning(tmp_path):
    (tmp_path / "typo.yaml").write_text(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: typo, namespace: shop}\n"
        "subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: jane}]\n"
        "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: veiw}\n")
    code, out, err = cli("auth", "can-i", "get", "pods", "-n", "shop", "--as", "jane",
                         "--cluster", str(tmp_path / "typo.yaml"))
    assert (code, out) == (1, "no\n")
    assert err == (f"warning: {tmp_path / 'typo.yaml'}:1: RoleBinding typo refers to ClusterRole veiw, which is not "
                   "in the snapshot: the apiserver accepts the binding, it grants nothing until the role exists\n")
