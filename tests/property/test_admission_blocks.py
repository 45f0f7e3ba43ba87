"""The admission invariants as the rule files state them: the `property` blocks of
policies/kubernetes/limitrange.rules and resourcequota.rules, run as `kuberules prove` runs them.

Each property must hold (default budget, a fresh seed each run: a failure prints the command that
replays it). And they have teeth: a bug planted in a copy of the rules (upstream's semantics broken
in a way someone could plausibly write) makes the property that guards it fail within the default
budget, on a fixed seed, with a counterexample small enough to read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kuberules import prove
from kuberules.resources import policies_dir

from .planting import plant

RULES = policies_dir() / "kubernetes"
FILES = ("limitrange.rules", "resourcequota.rules")
SEED = 10  # any seed finds every bug below; this one gives the smallest counterexamples today

PROPERTIES = prove.load(*(RULES / f for f in FILES)).properties(entry_only=True)


def test_each_file_states_its_invariants() -> None:
    """A rule file that lost its properties would make the test below pass by running nothing."""
    modules = [p.module for p in PROPERTIES]
    assert modules.count("kubernetes.limitrange") >= 3
    assert modules.count("kubernetes.resourcequota") >= 6


@pytest.mark.parametrize("prop", PROPERTIES, ids=lambda p: p.id)
def test_property_holds(prop) -> None:
    result = prove.run_property(prop)
    assert result.passed, prove.report(result)
    assert result.examples == prove.DEFAULT_EXAMPLES


# --- teeth ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Size:
    """Bounds on a counterexample: containers (and init containers) of each pod, objects in each
    list of LimitRanges or ResourceQuotas, items of each LimitRange, hard names of each quota."""

    containers: int = 1
    objects: int = 1
    entries: int = 1


@dataclass(frozen=True)
class Bug:
    name: str
    file: str  # the rule file the bug is planted in
    old: str
    new: str
    property: str  # the name of the property that must find it
    size: Size
    runs: str = ""  # the rule file whose property runs, when not `file`


BUGS = [
    Bug("LimitRange min and max swapped", "limitrange.rules",
        "min_errors(type, item.min ?? {}, reqs, lims) + max_errors(type, item.max ?? {}, reqs, lims)",
        "min_errors(type, item.max ?? {}, reqs, lims) + max_errors(type, item.min ?? {}, reqs, lims)",
        "LimitRanger admits a pod exactly when it is within every item's min, max and ratio",
        Size(containers=2, objects=1, entries=2)),
    Bug("LimitRange defaults overwrite the limits a container sets", "limitrange.rules",
        '"limits": d.limits.merge(limits_of(c))', '"limits": limits_of(c).merge(d.limits)',
        "LimitRanger keeps what a container sets and fills in the rest from the first LimitRange that defaults it",
        Size(containers=2, objects=1, entries=2)),
    Bug("LimitRanger's aggregate forgets the sidecars", "limitrange.rules",
        "let running = sum((pod.spec.containers ?? []).map(c, c.resources[field] ?? {}) + inits.filter(c, "
        "sidecar(c)).map(c, c.resources[field] ?? {}))",
        "let running = sum((pod.spec.containers ?? []).map(c, c.resources[field] ?? {}))",
        "Quota charges a pod what it runs at once, as LimitRanger counts it",
        Size(containers=3), runs="resourcequota.rules"),
    Bug("quota compares with < instead of <=", "resourcequota.rules",
        "next[k] > hard[k]", "next[k] >= hard[k]",
        "Quota admits a pod that exactly fills what is left of its quotas",
        Size(containers=2, objects=1, entries=2)),
    Bug("quota ignores memory", "resourcequota.rules",
        '["cpu", "memory", "ephemeral-storage"].map(r, (r in req', '["cpu", "ephemeral-storage"].map(r, (r in req',
        "Quota charges a pod what it runs at once, as LimitRanger counts it",
        Size(containers=2)),
    Bug("the quota controller counts pods outside the quota's scopes", "resourcequota.rules",
        'let counted = objects.map(o, {"gr": object_group_resource(o), "object": o}).filter(x, '
        "selectors.all(s, scope_matches(evaluator(x.gr), s, x.object, options)));",
        'let counted = objects.map(o, {"gr": object_group_resource(o), "object": o});',
        "The quota controller's recount is the sum of the usages of the pods in scope",
        Size(containers=2, objects=1, entries=2)),
]


def containers(pod: dict[str, Any]) -> int:
    spec = pod.get("spec") or {}
    return len(spec.get("containers") or []) + len(spec.get("initContainers") or [])


def entries(obj: dict[str, Any]) -> int:
    spec = obj.get("spec") or {}
    return len(spec.get("limits") or []) if obj["kind"] == "LimitRange" else len(spec.get("hard") or {})


def assert_small(bindings: dict[str, Any], size: Size) -> None:
    for var, value in bindings.items():
        if prove.is_object(value):
            assert value["kind"] == "Pod", var
            assert containers(value) <= size.containers, (var, value)
        elif type(value) is list:
            assert len(value) <= size.objects, (var, value)
            for obj in value:
                assert entries(obj) <= size.entries, (var, obj)


@pytest.mark.parametrize("bug", BUGS, ids=lambda b: b.name)
def test_a_planted_bug_is_found_with_a_small_counterexample(bug: Bug, tmp_path: Path) -> None:
    copy = plant(tmp_path, bug.file, bug.old, bug.new).parent

    # the properties of the copy, which imports the copy's other modules
    selected = prove.select(prove.load(copy / (bug.runs or bug.file)).properties(entry_only=True), bug.property)
    assert [p.name for p in selected] == [bug.property]
    result = prove.run_property(selected[0], seed=SEED)

    assert not result.passed, f"{bug.name}: not found in {result.examples} examples"
    assert result.examples <= prove.DEFAULT_EXAMPLES
    assert result.error is None, prove.report(result)  # a false check, not a crash
    assert_small(result.bindings, bug.size)
