"""The pytest plugin in a throwaway project: property blocks and `kuberules test` cases become pytest
items that pass and fail like the project's other tests, with the hypothesis settings in force."""

from __future__ import annotations

import os
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import kuberules

pytest_plugins = ("pytester",)

# Installed, the plugin comes through its pytest11 entry point; from a source tree (PYTHONPATH=engine)
# the project names it, as a user without the entry point would.
INSTALLED = any(e.name == "kuberules" for e in entry_points(group="pytest11"))
PLUGIN = () if INSTALLED else ("-p", "kuberules.pytest_plugin")


@pytest.fixture(autouse=True)
def _importable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The throwaway project runs in another directory: kuberules must import there as it does here."""
    package_parent = str(Path(kuberules.__file__).resolve().parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([package_parent, os.environ.get("PYTHONPATH", "")]))

PROPERTIES = """\
package shop.props

property "every pod has a container"
  for pod in pods()
  check size(pod.spec.containers) >= 1

property "pods have exactly one container"
  for pod in pods()
  check size(pod.spec.containers) == 1
"""

RULES = """\
package shop

rule replicas {
  match kinds Deployment
  deny if (object.spec.replicas ?? 1) < 2 message "run at least two replicas"
}
"""

RESOURCES = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: one, namespace: shop}
spec: {replicas: 1}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: three, namespace: shop}
spec: {replicas: 3}
"""

POLICY_TEST = """\
apiVersion: kuberules.dev/v1
kind: PolicyTest
name: shop
policies: [shop.rules]
resources: [cases.yaml]
results:
  - {rule: shop.replicas, object: Deployment/shop/one, result: fail}
  - {rule: shop.replicas, object: Deployment/shop/three, result: pass}
  - {rule: shop.replicas, object: Deployment/shop/three, result: fail}
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".rules", props=PROPERTIES, shop=RULES)
    pytester.makefile(".yaml", cases=RESOURCES)
    (pytester.path / "shop.test.yaml").write_text(POLICY_TEST)
    pytester.makeconftest("from hypothesis import settings\n"
                          "settings.register_profile('small', max_examples=40)\nsettings.load_profile('small')\n")
    return pytester


def test_properties_and_policy_cases_are_items_that_pass_and_fail(project: pytest.Pytester):
    result = project.runpytest_subprocess(*PLUGIN, "-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines([
        "*props.rules::every pod has a container PASSED*",
        "*props.rules::pods have exactly one container FAILED*",
        "*shop.test.yaml::shop.replicas on Deployment/shop/one #1 PASSED*",
        "*shop.test.yaml::shop.replicas on Deployment/shop/three #2 PASSED*",
        "*shop.test.yaml::shop.replicas on Deployment/shop/three #3 FAILED*",
    ])
    # the failure report is kuberules prove's: the shrunk counterexample, its operands, how to replay it
    result.stdout.fnmatch_lines([
        "*FAIL shop.props: pods have exactly one container (after * examples*",
        "counterexample (pod):",
        "  size(pod.spec.containers) = 2",
        "replay: kuberules prove *props.rules -k 'pods have exactly one container' --seed *",
        "*shop.replicas on Deployment/shop/three: expected fail, got pass*",
    ])


def test_the_hypothesis_profile_sets_the_example_budget(project: pytest.Pytester):
    """A property that holds runs as many examples as the loaded profile says, no more."""
    project.makefile(".rules", props=PROPERTIES.split('\nproperty "pods have')[0] + "\n")
    project.makepyfile(conftest="""
from hypothesis import settings
from kuberules import prove

settings.register_profile('tiny', max_examples=7)
settings.load_profile('tiny')
seen = []
real = prove.run_property

def spy(prop, **kwargs):
    result = real(prop, **kwargs)
    seen.append((kwargs['examples'], result.examples))
    return result

prove.run_property = spy

def pytest_sessionfinish(session):
    print("budget", seen)
""")
    result = project.runpytest_subprocess(*PLUGIN, "-s", "-p", "no:cacheprovider", "-k", "every")
    result.assert_outcomes(passed=1)
    assert "budget [(7, 7)]" in result.stdout.str()  # the budget asked for, and the examples run


def test_a_broken_rule_file_is_a_located_collection_error(pytester: pytest.Pytester):
    pytester.makefile(".rules", bad='package bad\n\nproperty "p"\n  for pod in podz()\n  check true\n')
    result = pytester.runpytest_subprocess(*PLUGIN, "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*bad.rules:4:14: error: unknown generator 'podz'*"])


def test_collection_can_be_turned_off(project: pytest.Pytester):
    project.makeini("[pytest]\nkuberules_collect = false\n")
    result = project.runpytest_subprocess(*PLUGIN, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
