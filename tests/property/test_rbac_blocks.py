"""The RBAC invariants as `property` blocks (policies/kubernetes/rbac.rules), run as `kuberules prove` runs
them, and proof that they have teeth.

Every property of rbac.rules must hold on the default budget of examples. Then, for each bug a
plausible edit of the rules could bring in, a copy of policies/kubernetes gets that bug (an exact
replacement of text that occurs once) and the property that guards against it must fail within the
default budget from a fixed seed, with a counterexample small enough to read: a snapshot of at most
two bindings and two roles, a role drawn alone of at most two rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kuberules import prove
from kuberules.policy import CompiledProperty
from kuberules.resources import policies_dir

from .planting import plant

KUBERNETES = policies_dir() / "kubernetes"
RBAC = KUBERNETES / "rbac.rules"
SEED = 1  # the planted bugs are found from this seed; any seed finds them, this one keeps the test stable

MONOTONE = "RBAC is monotone: bindings, roles and rules added never take a permission away"
MONOTONE_REMOVED = "RBAC is monotone: an object or a rule taken away never gives a permission"
GRANTS = "A binding grants each rule of its role to each of its subjects, in its namespace only"
AGGREGATION = "An aggregated ClusterRole holds the rules of every ClusterRole it selects"
VIEWS = "can-i, can-i --list and who-can agree"
COVERS_ONE = "Covers agrees with can-i on one request"
COVERS_OWNER = "Covers agrees with can-i: what the owner covers, the owner allows"


def load_properties(path: Path) -> dict[str, CompiledProperty]:
    return {p.name: p for p in prove.load(path).properties(entry_only=True)}


PROPERTIES = load_properties(RBAC)


def test_the_areas_invariants_are_there() -> None:
    """What issue 8 asks of RBAC (monotone both ways, deny by default, who-can and --list agree with can-i,
    Covers reflexive, transitive and agreeing with can-i) is a property block, with the namespace rule of
    RoleBindings and aggregation besides."""
    assert {MONOTONE, MONOTONE_REMOVED, GRANTS, AGGREGATION, VIEWS, COVERS_ONE, COVERS_OWNER,
            "Deny by default: an empty cluster allows nothing but what system:masters gets",
            "Covers is reflexive: rules hold their own permissions and their breakdown's",
            "Covers is transitive"} <= set(PROPERTIES)


@pytest.mark.parametrize("prop", PROPERTIES.values(), ids=[p.id for p in PROPERTIES.values()])
def test_property_holds(prop: CompiledProperty) -> None:
    result = prove.run_property(prop)
    assert result.passed, prove.report(result)
    assert result.examples == prove.DEFAULT_EXAMPLES


# --- teeth ---------------------------------------------------------------------------------------
# (what the bug is, the text of rbac.rules it replaces, the replacement, the properties that must find it)
BUGS = {
    "rolebinding-grants-in-every-namespace": (
        "a RoleBinding grants in every namespace (the namespace check of the rule resolver dropped)",
        'cluster.lookup("RoleBinding", ns, ', 'cluster.lookup("RoleBinding", null, ', [GRANTS]),
    "who-can-lists-rolebindings-of-every-namespace": (
        "who-can counts the RoleBindings of every namespace",
        'cluster.objects("RoleBinding", ns)', 'cluster.objects("RoleBinding")', [VIEWS]),
    "star-verb-matches-nothing": (
        "`*` in a rule's verbs no longer matches every verb",
        'exists(v, v == "*" || v == verb)', "exists(v, v == verb)", [GRANTS]),
    "resource-names-ignored": (
        "a rule's resourceNames are ignored: it allows every name",
        "def name_matches(rule, name) = size(rule.resourceNames ?? []) == 0 || ",
        "def name_matches(rule, name) = true || ", [COVERS_ONE]),
    "covers-ignores-subresources": (
        "Covers counts a resource as covering its subresources (pods covers pods/exec)",
        "wanted.all(r, r in owned ||", 'wanted.all(r, r in owned || r.split("/")[0] in owned ||', [COVERS_ONE]),
    "aggregated-roles-keep-their-own-rules": (
        "an aggregated ClusterRole grants its own rules, not those of the roles it selects",
        "def cluster_role_rules(role) = aggregated4(role)", "def cluster_role_rules(role) = own(role)",
        [AGGREGATION]),
    "only-a-lone-grant-allows": (
        "a request is allowed only when exactly one grant allows it",
        "size(found) == 0 ?", "size(found) != 1 ?", [MONOTONE]),
}

BINDINGS = ("RoleBinding", "ClusterRoleBinding")
ROLES = ("Role", "ClusterRole")


def count(objects: list, kinds: tuple[str, ...]) -> int:
    return sum(1 for o in objects if isinstance(o, dict) and o.get("kind") in kinds)


def assert_small(result: prove.PropertyResult) -> None:
    """The counterexample names a snapshot of at most two bindings, two roles and two namespaces, and
    roles drawn alone (the owner and servant of Covers) of at most two rules."""
    report = prove.report(result)
    for value in (result.bindings or {}).values():
        if isinstance(value, list):
            assert count(value, BINDINGS) <= 2, report
            assert count(value, ROLES) <= 2, report
            assert count(value, ("Namespace",)) <= 2, report
        elif isinstance(value, dict) and value.get("kind") in ROLES:
            assert len(value.get("rules") or []) <= 2, report


@pytest.mark.parametrize("bug", list(BUGS))
def test_a_planted_bug_is_found_with_a_small_counterexample(tmp_path: Path, bug: str) -> None:
    what, old, new, guards = BUGS[bug]
    properties = load_properties(plant(tmp_path, "rbac.rules", old, new))
    for name in guards:
        result = prove.run_property(properties[name], seed=SEED)
        assert not result.passed, f"{name!r} does not see the bug: {what}"
        assert result.examples <= prove.DEFAULT_EXAMPLES
        assert_small(result)
