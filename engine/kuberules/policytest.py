"""Policy unit tests: expected verdicts per rule and object, like `kyverno
test` or `gator verify`.

A test file (`*.test.yaml`, kind PolicyTest) names rule files, manifests and
the expected result of each rule on each object; `kuberules test` runs them.
Paths in a test file are relative to the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .engine import Engine
from .errors import RuleError
from .k8s.cluster import ClusterView
from .k8s.load import InputError, read_documents, read_objects

TEST_SUFFIX = ".test.yaml"
RESULTS = ("pass", "fail", "warn", "error")


@dataclass
class CaseResult:
    file: str
    index: int
    rule: str
    object: str
    expected: str
    actual: str
    ok: bool
    detail: str = ""

    @property
    def name(self) -> str:
        return f"{self.rule} on {self.object}"


@dataclass
class FileResult:
    file: str
    name: str
    cases: list[CaseResult] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(c.ok for c in self.cases)


def find_test_files(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found.extend(sorted(f for f in path.rglob("*" + TEST_SUFFIX) if f.is_file()))
        else:
            found.append(path)
    return found


def object_key(obj: dict) -> str:
    """`Kind/namespace/name`, or `Kind/name` without a namespace."""
    meta = obj.get("metadata") if type(obj.get("metadata")) is dict else {}
    ns, name = meta.get("namespace"), meta.get("name")
    return f"{obj.get('kind')}/{ns}/{name}" if ns else f"{obj.get('kind')}/{name}"


class _Invalid(Exception):
    pass


def _spec(path: Path) -> dict:
    docs = read_documents(str(path))
    if len(docs) != 1 or type(docs[0]) is not dict or docs[0].get("kind") != "PolicyTest":
        raise _Invalid(f"{path}: expected one document of kind PolicyTest")
    spec = docs[0]
    for key in ("policies", "resources", "results"):
        if type(spec.get(key)) is not list or not spec[key]:
            raise _Invalid(f"{path}: '{key}' must be a non-empty list")
    return spec


def run_test_file(path: Path, engine: Engine | None = None) -> FileResult:
    engine = engine or Engine()
    result = FileResult(str(path), path.stem)
    try:
        spec = _spec(path)
        result.name = str(spec.get("name") or path.stem)
        base = path.parent
        policy = engine.load(*[base / p for p in spec["policies"]])
        objects = [o for o in read_objects([str(base / r) for r in spec["resources"]]) if type(o) is dict]
        extra = [o for o in read_objects([str(base / c) for c in spec.get("cluster") or []]) if type(o) is dict]
    except (_Invalid, InputError) as err:
        result.error = str(err)
        return result
    except RuleError as err:
        result.error = "\n".join(d.render() for d in err.diagnostics)
        return result
    cluster = ClusterView(objects + extra)
    by_key = {object_key(o): o for o in objects}
    for i, row in enumerate(spec["results"]):
        result.cases.append(_run_case(result.file, i, row, policy, by_key, cluster))
    return result


def _run_case(file: str, index: int, row: object, policy, by_key: dict, cluster: ClusterView) -> CaseResult:
    if type(row) is not dict or not {"rule", "object", "result"} <= set(row):
        return CaseResult(file, index, "?", "?", "?", "?", False, "a result needs rule, object and result")
    rule, key, expected = str(row["rule"]), str(row["object"]), str(row["result"])
    case = CaseResult(file, index, rule, key, expected, "", False)
    if expected not in RESULTS:
        case.detail = f"result must be one of {', '.join(RESULTS)}"
        return case
    obj = by_key.get(key)
    if obj is None:
        case.detail = f"no object {key} in the resources; known: {', '.join(sorted(by_key))}"
        return case
    if not any(r.rule_id == rule for r in policy.rules):
        case.detail = f"no rule {rule} in the policies"
        return case
    findings = [f for f in policy.evaluate(obj, cluster=cluster) if f.rule_id == rule]
    effects = [f.effect for f in findings]
    if "error" in effects:
        case.actual = "error"
    elif "deny" in effects:
        case.actual = "fail"
    elif "warn" in effects:
        case.actual = "warn"
    else:
        case.actual = "pass"
    case.ok = case.actual == expected
    counted = {"fail": "deny", "warn": "warn", "error": "error"}.get(expected)
    if case.ok and "count" in row and counted:
        n = effects.count(counted)
        if n != row["count"]:
            case.ok, case.detail = False, f"expected {row['count']} finding(s), got {n}"
    if case.ok and "message" in row and not any(str(row["message"]) in f.message for f in findings):
        case.ok = False
        case.detail = f"no finding message contains {row['message']!r}"
    if not case.ok and not case.detail:
        case.detail = "; ".join(f.message for f in findings) or "no finding"
    return case
