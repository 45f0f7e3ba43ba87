"""SARIF 2.1.0, as code-scanning uploads read it: rule metadata and
locations with line and column."""

from __future__ import annotations

import json
from typing import TextIO

from .. import __version__
from .model import CheckReport

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


def to_data(report: CheckReport) -> dict:
    used = sorted({p.rule for p in report.problems} | set(report.rules))
    index = {rid: i for i, rid in enumerate(used)}
    rules = []
    for rid in used:
        info = report.rules.get(rid)
        rule: dict = {"id": rid, "name": rid.rsplit(".", 1)[-1]}
        if info is not None:
            rule["shortDescription"] = {"text": info.title or rid}
            if info.rationale:
                rule["fullDescription"] = {"text": info.rationale}
            if info.fix:
                rule["help"] = {"text": info.fix}
            rule["defaultConfiguration"] = {"level": _LEVEL.get(info.severity, "warning")}
            rule["properties"] = {"severity": info.severity}
        rules.append(rule)
    results = []
    for p in report.problems:
        results.append({
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
        })
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "kuberules", "version": __version__,
                                "informationUri": "https://github.com/kuberules/kuberules", "rules": rules}},
            "results": results,
        }],
    }


def _object_name(obj: dict) -> str:
    ns = obj.get("namespace")
    return f"{obj.get('kind')}/{ns + '/' if ns else ''}{obj.get('name')}"


def write(report: CheckReport, out: TextIO) -> None:
    json.dump(to_data(report), out, indent=2)
    out.write("\n")
