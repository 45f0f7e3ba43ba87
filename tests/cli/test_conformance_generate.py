"""kuberules conformance generate: every area's file is a valid case file whose every row passes the
conformance runner's own adapter (the verdicts are the model's, asked the way the runner asks); the
same seed writes the same bytes, another seed other cases; bad input exits 2 and leaves no file."""

from __future__ import annotations

import os
from pathlib import Path

import jsonschema
import pytest
import yaml

from kuberules import conformance_export
from kuberules.cli import conformance as conformance_cli

from ..conformance.test_conformance import ADAPTERS, NO_WANT, SCHEMA
from .test_cli import cli

AREAS = list(conformance_export.AREAS)
COUNT = 20


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every area's file, written by one command (one line printed per file)."""
    out = tmp_path_factory.mktemp("generated") / "new" / "dir"
    args = [arg for area in AREAS for arg in ("--area", area)]
    code, stdout, stderr = cli("conformance", "generate", *args, "--count", str(COUNT), "--out", str(out))
    assert (code, stderr) == (0, "")
    paths = {area: out / f"{area}-generated.yaml" for area in AREAS}
    assert stdout.splitlines() == [f"wrote {path}: {COUNT} cases" for path in paths.values()]
    return paths


def test_the_cli_offers_every_area():
    assert set(conformance_cli.AREAS) == set(conformance_export.AREAS)


@pytest.mark.parametrize("area", AREAS)
def test_the_file_is_a_case_file_the_runner_accepts(files, area):
    text = files[area].read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert doc["function"] == conformance_export.AREAS[area].function
    assert doc["function"] in ADAPTERS
    assert doc["source"] == (f"kuberules model, generated (kuberules conformance generate --area {area} "
                             f"--count {COUNT} --seed 0)")
    assert "NOT one read from upstream" in text.split("source:")[0]
    assert [c["note"] for c in doc["cases"]] == [f"generated-{i:04d}" for i in range(1, COUNT + 1)]
    inputs = [yaml.safe_dump(c["input"], sort_keys=True) for c in doc["cases"]]
    assert len(set(inputs)) == COUNT, "inputs are distinct"


@pytest.mark.parametrize("area", AREAS)
def test_every_row_passes_the_conformance_adapter(files, area):
    doc = yaml.safe_load(files[area].read_text(encoding="utf-8"))
    adapter = ADAPTERS[doc["function"]]
    for case in doc["cases"]:
        adapter(case["input"], case.get("want", NO_WANT))


def test_the_verdicts_are_not_all_alike(files):
    """The files are worth running elsewhere only if they hold both answers."""
    for area in ("limitrange", "resourcequota", "rbac", "netpol"):
        verdicts = {c["want"]["allowed"] for c in yaml.safe_load(files[area].read_text(encoding="utf-8"))["cases"]}
        assert verdicts == {True, False}, area


def test_every_string_is_double_quoted_and_every_value_flow_style(files):
    for path in files.values():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or line in ("cases:", "  input:"):
                continue
            _, _, value = line.strip().removeprefix("- ").partition(": ")
            assert value[:1] in ('"', "{", "[") or value in ("true", "false", "null") or value.isdigit(), line


def test_the_same_seed_writes_the_same_bytes_and_another_seed_other_cases(tmp_path):
    def write(out: Path, seed: int) -> dict[str, bytes]:
        args = [arg for area in AREAS for arg in ("--area", area)]
        code, _, _ = cli("conformance", "generate", *args, "--count", "5", "--out", str(out), "--seed", str(seed))
        assert code == 0
        assert sorted(os.listdir(out)) == sorted(f"{area}-generated.yaml" for area in AREAS), "no temporary file"
        return {name: (out / name).read_bytes() for name in os.listdir(out)}

    first, again, other = write(tmp_path / "a", 0), write(tmp_path / "b", 0), write(tmp_path / "c", 7)
    assert first == again
    for name, text in other.items():
        cases = [c["input"] for c in yaml.safe_load(text)["cases"]]
        assert cases != [c["input"] for c in yaml.safe_load(first[name])["cases"]], name
        assert b"--seed 7)" in text


def test_a_count_below_one_exits_2(tmp_path):
    code, out, err = cli("conformance", "generate", "--area", "rbac", "--count", "0", "--out", str(tmp_path / "out"))
    assert (code, out, err) == (2, "", "error: --count: must be at least 1\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--area", "storage", "--count", "3"], "argument --area: invalid choice: 'storage'"),
    (["--area", "rbac"], "the following arguments are required: --count"),
])
def test_bad_arguments_exit_2(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exited:  # argparse's own errors: main.run lets them through
        cli("conformance", "generate", *args, "--out", str(tmp_path / "out"))
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_directory_that_cannot_be_made_exits_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    code, out, err = cli("conformance", "generate", "--area", "rbac", "--count", "2", "--out", str(blocker / "out"))
    assert (code, out) == (2, "")
    assert err.startswith(f"error: --out: cannot create {blocker / 'out'}: ")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "rbac-generated.yaml"
    target.write_text("old\n")

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(conformance_export.os, "replace", fail)
    code, _, err = cli("conformance", "generate", "--area", "rbac", "--count", "1", "--out", str(tmp_path))
    assert code == 2
    assert err == f"error: --out: cannot write {target}: No space left on device\n"
    assert os.listdir(tmp_path) == [target.name]
    assert target.read_text() == "old\n"


@pytest.mark.parametrize(("text", "written"), [
    ("plain", '"plain"'), ('say "hi"\\', r'"say \"hi\"\\"'), ("tab\there", r'"tab\x09here"'),
    ("é", r'"\xe9"'), ("€", r'"\u20ac"'), ("😀", r'"\U0001f600"'),
])
def test_strings_are_written_so_that_yaml_reads_them_back(text, written):
    assert conformance_export.flow(text) == written
    assert yaml.safe_load(written) == text


def test_keys_that_a_yaml_reader_could_misread_are_quoted():
    value = {"cpu": 1, "requests.cpu": "1", "on": True, "y": None, "kubernetes.io/name": []}
    written = '{cpu: 1, "requests.cpu": "1", "on": true, "y": null, "kubernetes.io/name": []}'
    assert conformance_export.flow(value) == written
    assert yaml.safe_load(conformance_export.flow(value)) == value
