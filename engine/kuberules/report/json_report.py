"""`-o json`: the shape is specs/check-output.schema.json."""

from __future__ import annotations

import json
from typing import TextIO

from .model import CheckReport


def to_data(report: CheckReport) -> dict:
    return {
        "summary": {
            "files": report.files, "objects": report.objects, "problems": len(report.problems),
            "errors": report.errors, "warnings": report.warnings, "input_errors": len(report.input_errors),
        },
        "input_errors": list(report.input_errors),
        "problems": [p.to_dict() for p in report.problems],
        "rules": {
            rid: {"title": r.title, "severity": r.severity, "rationale": r.rationale, "fix": r.fix,
                  "location": r.location}
            for rid, r in sorted(report.rules.items())
        },
    }


def write(report: CheckReport, out: TextIO) -> None:
    json.dump(to_data(report), out, indent=2, default=str)
    out.write("\n")
