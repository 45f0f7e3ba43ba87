"""`-o json`: the shape is specs/check-output.schema.json."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from .model import CheckReport


def write(report: CheckReport, out: TextIO) -> None:
    """Indented, with one problem (and one input error) a line: readable, greppable,
    written by the C encoder as the problems stream by (an indented dump of 200,000
    problems would take many seconds and hold them all in memory)."""
    summary = {
        "files": report.files, "objects": report.objects, "problems": len(report.problems),
        "errors": report.errors, "warnings": report.warnings, "input_errors": len(report.input_errors),
    }
    rules = {
        rid: {"title": r.title, "severity": r.severity, "rationale": r.rationale, "fix": r.fix,
              "location": r.location}
        for rid, r in sorted(report.rules.items())
    }
    out.write('{\n  "summary": ' + _indented(summary) + ",\n")
    write_lines(out, "input_errors", report.input_errors)
    out.write(",\n")
    write_lines(out, "problems", (p.to_dict() for p in report.problems))
    out.write(',\n  "rules": ' + _indented(rules) + "\n}\n")


def write_lines(out: TextIO, key: str, values: Iterable[object], indent: str = "  ") -> None:
    """`"key": [...]` with one compact value a line, without a trailing newline."""
    out.write(f"{indent}{json.dumps(key)}: [")
    separator = "\n"
    for value in values:
        out.write(separator + indent + "  " + json.dumps(value, separators=(", ", ": "), default=str))
        separator = ",\n"
    out.write("]" if separator == "\n" else f"\n{indent}]")


def _indented(value: object, indent: str = "  ") -> str:
    return json.dumps(value, indent=2, default=str).replace("\n", "\n" + indent)
