"""SARIF 2.1.0, as code-scanning uploads read it: rule metadata and
locations with line and column."""

from __future__ import annotations

import json
from typing import TextIO

from .. import __version__
from .json_report import write_lines
from .model import CheckReport, Problem, RuleInfo

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


def write(report: CheckReport, out: TextIO) -> None:
    """The SARIF log, indented, with one result a line (streamed, as in `-o json`)."""
    used = sorted(report.problems.rules | set(report.rules))
    index = {rid: i for i, rid in enumerate(used)}
    driver = {"name": "kuberules", "version": __version__, "informationUri": "https://github.com/kuberules/kuberules",
              "rules": [_rule(rid, report.rules.get(rid)) for rid in used]}
    out.write(f'{{\n  "$schema": {json.dumps(SCHEMA)},\n  "version": "2.1.0",\n  "runs": [\n    {{\n')
    out.write('      "tool": {"driver": ' + json.dumps(driver, indent=2).replace("\n", "\n      ") + "},\n")
    write_lines(out, "results", (_result(p, index) for p in report.problems), indent="      ")
    out.write("\n    }\n  ]\n}\n")


def _rule(rid: str, info: RuleInfo | None) -> dict:
    rule: dict = {"id": rid, "name": rid.rsplit(".", 1)[-1]}
    if info is not None:
        rule["shortDescription"] = {"text": info.title or rid}
        if info.rationale:
            rule["fullDescription"] = {"text": info.rationale}
        if info.fix:
            rule["help"] = {"text": info.fix}
        rule["defaultConfiguration"] = {"level": _LEVEL.get(info.severity, "warning")}
        rule["properties"] = {"severity": info.severity}
    return rule


def _result(p: Problem, index: dict[str, int]) -> dict:
    return {
        "ruleId": p.rule,
        "ruleIndex": index[p.rule],
        "level": p.level,
        "message": {"text": p.message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": p.file.replace("\\", "/")},
                "region": {"startLine": max(p.line, 1), "startColumn": max(p.column, 1)},
            },
            "logicalLocations": [{"name": p.path or "", "kind": "object",
                                  "fullyQualifiedName": _object_name(p.object)}],
        }],
        "properties": {"severity": p.severity, "effect": p.effect},
    }


def _object_name(obj: dict) -> str:
    ns = obj.get("namespace")
    return f"{obj.get('kind')}/{ns + '/' if ns else ''}{obj.get('name')}"
