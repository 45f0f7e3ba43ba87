"""Reporters for `kuberules check`: one module per `-o` format.

Each takes a CheckReport and a text stream; none evaluates anything.
"""

from __future__ import annotations

from . import github, json_report, junit, sarif, text

FORMATS = {
    "text": text.write,
    "json": json_report.write,
    "sarif": sarif.write,
    "junit": junit.write,
    "github": github.write,
}
