"""Human-readable text: problems grouped per file, a summary line; colour
only when writing to a terminal."""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

from .model import CheckReport

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "note": "\033[36m", "dim": "\033[2m", "bold": "\033[1m"}
_RESET = "\033[0m"


def write(report: CheckReport, out: TextIO) -> None:
    colour = getattr(out, "isatty", lambda: False)()

    def paint(text: str, kind: str) -> str:
        return f"{_COLOURS[kind]}{text}{_RESET}" if colour else text

    for message in report.input_errors:
        print(paint("error", "error") + f": {message}", file=out)
    for file, group in groupby(report.problems, key=lambda p: p.file):
        print(paint(file, "bold"), file=out)
        for p in group:
            where = f"{p.line}:{p.column}"
            obj = p.object
            target = f"{obj.get('kind')} {obj.get('namespace') + '/' if obj.get('namespace') else ''}{obj.get('name')}"
            print(f"  {where:<8} {paint(p.level, p.level):<7} {p.message}  "
                  + paint(f"[{p.severity}] {p.rule} ({target}{', ' + p.path if p.path else ''})", "dim"),
                  file=out)
        print(file=out)
    files = len(report.problems.files)
    summary = (f"{len(report.problems)} problem(s) ({report.errors} error(s), {report.warnings} warning(s)) "
               f"in {files} file(s); {report.objects} object(s) in {report.files} file(s) checked")
    if report.input_errors:
        summary += f"; {len(report.input_errors)} input error(s)"
    print(paint(summary, "error" if report.errors or report.input_errors else "dim"), file=out)
