"""`kuberules prove`: exit codes 0/1/2, the output's shape, -k, --seed replay, --save.

The generators are the small registry of tests/unit/test_properties.py (patched in for
kuberules.strategies), except in the test of the bundled example, which uses the real ones."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from kuberules import prove
from tests.cli.test_cli import cli
from tests.unit.test_properties import REGISTRY

EXAMPLES = Path(__file__).parent.parent.parent / "examples" / "properties"

RULES = '''package demo.props

def containers(pod) = pod.spec.containers

property "Doubling stays under fifty"
  for n in ints()
  check n * 2 < 50

property "A pod has a container"
  for pod in pods()
  check size(containers(pod)) > 0

property "A pod has at most one container"
  for pod in pods(namespace: "shop")
  check size(containers(pod)) <= 1
'''


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(prove, "default_generators", lambda: REGISTRY)
    return REGISTRY


@pytest.fixture
def rules(tmp_path, registry) -> Path:
    path = tmp_path / "demo.rules"
    path.write_text(RULES)
    return path


def _replay(out: str) -> list[str]:
    return re.findall(r"^replay: (.*)$", out, re.M)


def _without_times(out: str) -> str:
    return re.sub(r"\d+\.\d+ s\)", "T s)", out)


def test_all_passing_exits_0(rules):
    code, out, err = cli("prove", str(rules), "-k", "has a container", "--examples", "25")
    assert (code, err) == (0, "")
    assert re.fullmatch(r"PASS demo\.props: A pod has a container \(25 examples, \d+\.\d+ s\)\n"
                        r"1 property: 1 passed, 0 failed \(\d+\.\d+ s\)\n", out)


def test_a_failure_exits_1_with_the_counterexample(rules):
    code, out, err = cli("prove", str(rules), "--seed", "5")
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert lines[0].startswith("FAIL demo.props: Doubling stays under fifty (after ")
    assert lines[1] == f"property at {rules}:5:1"
    assert "check n * 2 < 50: false" in lines and "  n * 2 = 50" in lines
    assert any(line.startswith("PASS demo.props: A pod has a container (200 examples") for line in lines)
    assert lines[-1].startswith("3 properties: 1 passed, 2 failed")
    # the counterexamples are YAML streams, each between `---` and `...`
    blocks = re.findall(r"^counterexample \([^\n]*\):\n(---\n.*?)^\.\.\.$", out, re.M | re.S)
    assert len(blocks) == 2
    assert list(yaml.safe_load_all(blocks[0])) == [25]
    (pod,) = list(yaml.safe_load_all(blocks[1]))
    assert pod["kind"] == "Pod" and pod["metadata"]["namespace"] == "shop"
    assert len(pod["spec"]["containers"]) == 2
    assert "  size(containers(pod)) = 2" in lines
    assert _replay(out) == [
        f"kuberules prove {rules} -k 'Doubling stays under fifty' --seed 5",
        f"kuberules prove {rules} -k 'A pod has at most one container' --seed 5",
    ]


def test_the_printed_replay_command_gives_the_same_counterexample(rules):
    code, out, _ = cli("prove", str(rules), "-k", "at most one")  # a random seed
    assert code == 1
    (replay,) = _replay(out)
    seed = re.search(r"--seed (\d+)$", replay).group(1)
    again = cli("prove", str(rules), "-k", "A pod has at most one container", "--seed", seed)
    assert again[0] == 1
    assert _without_times(again[1]) == _without_times(out)


def test_examples_and_seed_go_into_the_replay_command(rules):
    code, out, _ = cli("prove", str(rules), "-k", "doubling", "--seed", "9", "--examples", "40")
    assert code == 1
    assert _replay(out) == [f"kuberules prove {rules} -k 'Doubling stays under fifty' --seed 9 --examples 40"]
    assert _without_times(cli("prove", str(rules), "-k", "doubling", "--seed", "9", "--examples", "40")[1]) == \
        _without_times(out)


def test_k_selects_by_name_or_id_and_an_unknown_one_exits_2(rules):
    code, out, _ = cli("prove", str(rules), "-k", "demo.props.a_pod_has_a_container", "--examples", "5")
    assert code == 0 and out.count("PASS") == 1
    code, out, err = cli("prove", str(rules), "-k", "nothing like it")
    assert (code, out) == (2, "")
    assert "-k 'nothing like it' matches no property" in err
    assert "demo.props.doubling_stays_under_fifty ('Doubling stays under fifty')" in err


def test_bad_rule_files_exit_2_with_a_location(tmp_path, registry):
    bad = tmp_path / "bad.rules"
    bad.write_text('property "p"\n  for pod in podz()\n  check size(pod.spec.containers)\n')
    code, out, err = cli("prove", str(bad))
    assert (code, out) == (2, "")
    assert f"{bad}:2:14: error: unknown generator 'podz' [unknown-generator]" in err
    assert "did you mean 'pods'?" in err
    assert f"{bad}:3:9: error: the condition of 'check' must be a bool, not int [type-error]" in err


def test_errors_at_run_time_exit_2_and_the_others_still_run(tmp_path, registry):
    bad = tmp_path / "bad.rules"
    bad.write_text('property "not a bool"\n  for n in ints()\n  check dyn(n)\n'
                   'property "fine"\n  for n in ints()\n  check n >= 0\n')
    code, out, err = cli("prove", str(bad), "--examples", "10")
    assert code == 2
    assert out.splitlines()[0] == "ERROR bad: not a bool"
    assert out.splitlines()[1].startswith("PASS bad: fine (10 examples")
    assert "1 could not run" in out
    assert f"{bad}:3:9: error: the check gave int 0, not bool [no_such_overload]" in err


def test_no_properties_and_missing_paths_exit_2(tmp_path, registry):
    empty = tmp_path / "empty.rules"
    empty.write_text("let x = 1\n")
    code, _, err = cli("prove", str(empty))
    assert code == 2 and "no property blocks" in err
    code, _, err = cli("prove", str(tmp_path / "missing.rules"))
    assert code == 2 and "no such file or directory" in err
    with pytest.raises(SystemExit) as info:  # a usage error, from argparse
        cli("prove", str(empty), "--examples", "0")
    assert info.value.code == 2


def test_the_default_path_is_the_current_directory(rules, monkeypatch):
    monkeypatch.chdir(rules.parent)
    code, out, _ = cli("prove", "-k", "has a container", "--examples", "5")
    assert code == 0 and "PASS demo.props: A pod has a container (5 examples" in out


def test_save_writes_manifests_and_a_regression_case(rules, tmp_path):
    saved = tmp_path / "saved"
    code, out, _ = cli("prove", str(rules), "-k", "at most one", "--seed", "3", "--save", str(saved))
    assert code == 1
    slug = "a_pod_has_at_most_one_container"
    assert sorted(p.name for p in saved.iterdir()) == [f"{slug}.rules", f"{slug}.test.yaml", f"{slug}.yaml"]
    assert f"saved {saved / slug}.yaml" in out
    manifest = (saved / f"{slug}.yaml").read_text()
    assert manifest.startswith('# Counterexample to the property "A pod has at most one container" '
                               f"(demo.props.{slug})\n")
    assert "--seed 3" in manifest
    (pod,) = list(yaml.safe_load_all(manifest))
    assert pod["kind"] == "Pod" and len(pod["spec"]["containers"]) == 2
    # the regression case fails while the property does not hold ...
    code, out, _ = cli("test", str(saved))
    assert code == 1 and "expected pass, got fail" in out
    # ... and passes once it does (here: the helper counts one container at most)
    rules.write_text(RULES.replace("def containers(pod) = pod.spec.containers",
                                   "def containers(pod) = pod.spec.containers.filter(c, c.name == 'c0')"))
    assert cli("test", str(saved))[0] == 0


def test_save_without_objects_writes_the_values_as_comments(rules, tmp_path):
    saved = tmp_path / "saved"
    assert cli("prove", str(rules), "-k", "doubling", "--seed", "3", "--save", str(saved))[0] == 1
    assert [p.name for p in saved.iterdir()] == ["doubling_stays_under_fifty.yaml"]
    text = (saved / "doubling_stays_under_fifty.yaml").read_text()
    assert "# n (not an object):\n#   25\n" in text
    assert list(yaml.safe_load_all(text)) == []


def test_help_says_what_save_writes(capsys):
    with pytest.raises(SystemExit) as info:
        cli("prove", "--help")
    assert info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "SLUG.yaml" in text and "SLUG.test.yaml" in text and "kuberules test" in text


def test_the_bundled_example(tmp_path):
    """examples/properties with the real generators: two properties hold, one is wrong on purpose."""
    example = tmp_path / "properties"
    shutil.copytree(EXAMPLES, example)
    code, out, err = cli("prove", str(example), "--examples", "30", "--seed", "1")
    assert (code, err) == (1, "")
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith(("PASS", "FAIL"))] == [
        "PASS examples.pods", "PASS examples.pods", "FAIL examples.pods"]
    assert "containers() lists every container of a pod" in out
    assert "initContainers:" in out
