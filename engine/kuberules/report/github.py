"""GitHub Actions workflow commands: one annotation line per problem."""

from __future__ import annotations

from typing import TextIO

from .model import CheckReport

_COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def write(report: CheckReport, out: TextIO) -> None:
    for message in report.input_errors:
        print(f"::error title=kuberules input error::{_data(message)}", file=out)
    for p in report.problems:
        print(f"::{_COMMAND[p.level]} file={_property(p.file)},line={p.line},col={p.column},"
              f"title={_property(p.rule)}::{_data(p.message)}", file=out)
