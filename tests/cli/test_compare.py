"""kuberules compare: a planted difference between two variants of the library is found and shrunk; a
reformatted copy is equivalent; --expect stricter is one-way; bad input exits 2."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from .test_cli import cli

LIBRARY = Path(__file__).resolve().parents[2] / "policies" / "library"


def variant(tmp_path: Path, name: str, edit) -> str:
    """A copy of the library's rule files with `edit` applied to each file's text."""
    out = tmp_path / name
    out.mkdir()
    for rules in LIBRARY.glob("*.rules"):
        (out / rules.name).write_text(edit(rules.read_text()))
    return str(out)


@pytest.fixture(scope="module")
def softer(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The planted difference: a missing memory limit only warns."""
    def soften(text: str) -> str:
        return text.replace('deny if !sets(c, "limits", "memory")', 'warn if !sets(c, "limits", "memory")')

    path = variant(tmp_path_factory.mktemp("compare"), "softer", soften)
    assert "warn if !sets(c, \"limits\", \"memory\")" in (Path(path) / "resources.rules").read_text()
    return path


def test_a_planted_difference_is_found_with_a_small_counterexample(softer):
    code, out, _ = cli("compare", str(LIBRARY), softer, "--kinds", "Pod", "--examples", "50", "-o", "json")
    report = json.loads(out)
    assert (code, report["agree"]) == (1, False)
    pod = report["kinds"][0]
    assert "deny memory_limit" in {f.partition(":")[0] for f in pod["left"]["findings"]}
    assert "warn memory_limit" in {f.partition(":")[0] for f in pod["right"]["findings"]}
    counterexample = pod["counterexample"]
    assert counterexample["kind"] == "Pod" and len(counterexample["spec"]["containers"]) == 1
    assert "resources" not in counterexample["spec"]["containers"][0]  # shrunk: nothing it does not need


def test_the_text_report_shows_only_what_differs(softer):
    code, out, _ = cli("compare", str(LIBRARY), softer, "--kinds", "Pod", "Service", "--examples", "30")
    assert code == 1
    assert out.startswith("DIFFER  Pod (")
    assert re.search(r"^agree  Service \(30 examples\)$", out, re.M)
    assert "    deny memory_limit: container app sets no memory limit" in out
    assert "cpu_request" not in out  # both sides deny it: not shown
    assert out.rstrip().endswith(f"1 of 2 kinds differ: {softer} is not equivalent to {LIBRARY}")


def test_a_reformatted_copy_is_equivalent(tmp_path):
    """Comments and blank lines gone, clauses re-indented: the same rules."""
    def reformat(text: str) -> str:
        lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
        return "\n".join(lines) + "\n"

    copy = variant(tmp_path, "reformatted", reformat)
    assert (Path(copy) / "resources.rules").read_text() != (LIBRARY / "resources.rules").read_text()
    code, out, _ = cli("compare", str(LIBRARY), copy, "--kinds", "Pod", "Deployment", "--examples", "30")
    assert code == 0, out
    assert out.splitlines()[-1] == f"2 kinds, 60 objects: {copy} is equivalent to {LIBRARY} on every one"


def test_stricter_is_one_way(softer):
    """The softer copy refuses less than the library, so it is not stricter; the library is."""
    assert cli("compare", str(LIBRARY), softer, "--kinds", "Pod", "--examples", "30", "--expect", "stricter")[0] == 1
    code, out, _ = cli("compare", softer, str(LIBRARY), "--kinds", "Pod", "--examples", "30", "--expect", "stricter")
    assert code == 0 and out.splitlines()[-1].endswith(f"is at least as strict as {softer} on every one")


def test_by_outcome_sees_only_the_strongest_effect(softer):
    """Every drawn Pod is denied by other rules on both sides, so by outcome the two agree."""
    code, _, _ = cli("compare", str(LIBRARY), softer, "--kinds", "Pod", "--examples", "30", "--by", "outcome")
    assert code == 0


def test_bad_input_exits_2(tmp_path):
    code, out, err = cli("compare", str(LIBRARY), str(LIBRARY), "--kinds", "Pods")
    assert (code, out) == (2, "") and "--kinds: unknown kind Pods" in err
    broken = tmp_path / "broken"
    shutil.copytree(LIBRARY, broken)
    (broken / "resources.rules").write_text("rule r {\n  deny if object.\n}\n")
    code, out, err = cli("compare", str(LIBRARY), str(broken), "--kinds", "Pod")
    assert (code, out) == (2, "") and f"{broken / 'resources.rules'}:3:1: error: unexpected '}}'" in err
