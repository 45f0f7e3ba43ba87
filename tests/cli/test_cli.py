"""The command line, in process: exit codes 0/1/2, output, located errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import kuberules
from kuberules.cli.main import run
from kuberules.resources import grammar_dir, policies_dir, specs_dir

DEMO = str(policies_dir() / "demo")


def cli(*argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        old = sys.stdin
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()))
        try:
            code = run(list(argv), out, err)
        finally:
            sys.stdin = old
    else:
        code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_parse_reports_what_it_loaded():
    code, out, _ = cli("parse", DEMO)
    assert code == 0
    assert out.startswith("ok: 5 module(s), 6 rule(s), 1 mutation(s), 1 transitions block(s), 1 query")
    code, out, _ = cli("parse", DEMO, "-o", "json")
    assert json.loads(out)["queries"] == ["demo.services.selected"]


def test_parse_errors_are_located(tmp_path):
    bad = tmp_path / "bad.rules"
    bad.write_text("rule r {\n  deny if a = b\n}\n")
    code, out, err = cli("parse", str(bad))
    assert code == 2 and out == ""
    assert err.startswith(f"{bad}:2:13: error: '=' is not an operator here; compare with '=='")
    assert "^" in err
    code, out, _ = cli("parse", str(bad), "-o", "json")
    assert code == 2 and json.loads(out)["diagnostics"][0]["line"] == 2


UNFORMATTED = "package p\nlet  x=1+2 # three\nrule r {title 'T'\n deny if x>2}\n"
FORMATTED = 'package p\n\nlet x = 1 + 2  # three\n\nrule r {\n  title "T"\n  deny if x > 2\n}\n'


def test_fmt_prints_checks_lists_diffs_and_writes(tmp_path):
    f = tmp_path / "p.rules"
    f.write_text(UNFORMATTED)
    assert cli("fmt", str(f)) == (0, FORMATTED, "")
    code, _, err = cli("fmt", "--check", str(f))
    assert code == 1 and "not formatted" in err
    assert cli("fmt", "-l", str(f))[1] == f"{f}\n"
    assert "+let x = 1 + 2  # three" in cli("fmt", "-d", str(f))[1]
    assert cli("fmt", "-w", str(f))[0] == 0
    assert f.read_text() == FORMATTED
    assert cli("fmt", "--check", str(f)) == (0, "", "")
    assert cli("fmt", stdin=UNFORMATTED) == (0, FORMATTED, "")


def test_fmt_writes_nothing_when_any_file_is_broken(tmp_path):
    good, bad = tmp_path / "a.rules", tmp_path / "b.rules"
    good.write_text(UNFORMATTED)
    bad.write_text("let x = (\n")
    code, _, err = cli("fmt", "-w", str(tmp_path))
    assert code == 2 and f"{bad}:" in err
    assert good.read_text() == UNFORMATTED


def test_bundled_rule_files_are_formatted():
    code, _out, err = cli("fmt", "--check", str(policies_dir()))
    assert (code, err) == (0, "")


@pytest.fixture
def manifest(tmp_path) -> Path:
    path = tmp_path / "deploy.yaml"
    path.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
        "spec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n"
        "        - {name: app, image: 'nginx:1.25'}\n        - {name: side, image: envoy}\n"
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {selector: {app: none}}\n"
    )
    return path


def test_eval_against_documents(manifest):
    code, out, _ = cli("eval", "object.kind", "-i", str(manifest))
    assert code == 0 and out == '"Deployment"\n"Service"\n'
    code, out, _ = cli("eval", "object.spec.template.spec.containers.map(c, c.name)", "-i", str(manifest))
    assert code == 2  # the Service has no template: a located evaluation error
    code, out, _ = cli("eval", "1.5Gi + 512Mi", "-o", "yaml")
    assert (code, out) == (0, "2Gi\n...\n")


def test_eval_calls_queries_of_rule_files(manifest):
    code, out, _ = cli("eval", "common.is_pinned('nginx:1.25') && !common.is_pinned('envoy')", "-p", DEMO)
    assert (code, out) == (0, "true\n")
    svc_only = manifest.parent / "svc.yaml"
    svc_only.write_text(manifest.read_text().split("---\n")[1])
    code, out, _ = cli("eval", "size(services.selected(object))", "-p", DEMO, "--cluster", str(manifest),
                       "-i", str(svc_only))
    assert (code, out) == (0, "0\n")


def test_eval_errors_are_located(tmp_path):
    code, _, err = cli("eval", "object.spec.missing", "-i", "-", stdin="spec: {}\n")
    assert code == 2 and "no such key: missing" in err
    code, _, err = cli("eval", "{}.missing")
    assert code == 2 and err.startswith("<expression>:1:1: no such key: missing [no_such_key]")
    code, _, err = cli("eval", "size(")
    assert code == 2 and "<expression>:1:" in err and "[unexpected-end]" in err
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [1, 2\nb: c\n")
    code, _, err = cli("eval", "object", "-i", str(broken))
    assert code == 2 and err.startswith(f"error: {broken}:")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    assert cli("eval", "object", "-i", str(binary))[0] == 2
    assert cli("eval", "object", "-i", str(tmp_path / "missing.yaml"))[0] == 2


def test_usage_errors_exit_2():
    with pytest.raises(SystemExit) as info:
        cli("eval")
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        cli("frobnicate")
    assert info.value.code == 2


def test_data_directories_are_found_from_anywhere(tmp_path):
    """An installed kuberules, run from another directory, finds its grammar,
    bundled policies and specs; in an installed wheel they sit inside the package."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    script = ("import kuberules.resources as r; "
              "print(r.grammar_dir(), r.policies_dir(), r.specs_dir(), sep='\\n')")
    found = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True,
                           text=True, check=True).stdout.split()
    for path in found:
        assert Path(path).is_dir(), path
    assert (Path(found[0]) / "kuberules.lark").is_file()
    package = Path(kuberules.__file__).resolve().parent
    if "site-packages" in str(package):  # an installed wheel, as CI runs it
        assert all(Path(p).resolve().parent == package for p in found)
    result = subprocess.run([sys.executable, "-m", "kuberules", "parse", str(policies_dir())], cwd=tmp_path,
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert grammar_dir().is_dir() and specs_dir().is_dir()


def test_yaml_output_of_values():
    code, out, _ = cli("eval", "{'a': [1, 2.5, 'x', null, true]}", "-o", "yaml")
    assert code == 0 and yaml.safe_load(out) == {"a": [1, 2.5, "x", None, True]}


BAD_RULE_FILES = {
    "syntax": ("rule r {\n  deny if (a\n}\n", 3, "unexpected-token"),
    "unknown-name": ("rule r {\n  deny if objekt.spec\n}\n", 2, "unknown-name"),
    "recursion": ("def f(x) = g(x)\ndef g(x) = f(x)\n", 1, "recursion"),
    "type": ("let x = 'a' - 1\n", 1, "type-error"),
    "deep": ("let x = " + "[" * 200 + "]" * 200 + "\n", 1, "too-deep"),
    "huge": ("let x = " + " + ".join(["1"] * 5000) + "\n", 1, "too-deep"),
    "binary": ("\x00\x01\x02", 1, "unexpected-character"),
}


@pytest.mark.parametrize("name", sorted(BAD_RULE_FILES))
def test_bad_rule_files_exit_2_with_a_location(tmp_path, name):
    text, line, code = BAD_RULE_FILES[name]
    path = tmp_path / f"{name}.rules"
    path.write_text(text)
    status, out, err = cli("parse", str(path))
    assert status == 2 and out == ""
    assert err.startswith(f"{path}:{line}:") and f"[{code}]" in err
    assert "Traceback" not in err


def test_select_lists_matching_objects_with_their_location(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: ns, labels: {app: web, tier: db}}\n"
        "---\napiVersion: v1\nkind: Pod\nmetadata: {name: b, labels: {app: web, legacy: 'true'}}\n"
        "---\napiVersion: v1\nkind: List\nitems:\n"
        "  - kind: Service\n    metadata: {name: c, labels: {app: api}}\n"
        "  - kind: ConfigMap\n    metadata: {name: d}\n"
    )
    code, out, _ = cli("select", "app in (web, api), !legacy", str(path))
    assert code == 0
    assert out == f"{path}:1: Pod ns/a\n{path}:12: Service c\n"
    code, out, _ = cli("select", "!app", str(tmp_path), "-o", "json")
    data = json.loads(out)
    assert data["selector"] == "!app" and [i["name"] for i in data["items"]] == ["d"]
    assert data["items"][0]["line"] == 14
    code, out, err = cli("select", "tier=nothing", str(path))
    assert (code, out, err) == (0, "", "No resources found\n")


def test_select_rejects_invalid_selectors_like_upstream(tmp_path):
    code, out, err = cli("select", "app in (", str(tmp_path))
    assert code == 2 and out == ""
    assert err == ("error: invalid selector 'app in (': unable to parse requirement: found '', "
                   "expected: ',', ')' or identifier\n")
    code, _, err = cli("select", "Bad Key=x", str(tmp_path))
    assert code == 2 and "invalid selector" in err
