"""Diagnostics for rule files and errors raised while evaluating.

Diagnostics are data (code, message, span, hint) and are rendered only at the
edge (the CLI), as `file:line:col: error: message [code]` followed by the line
and a caret. Tests assert codes, not prose.
"""

from __future__ import annotations

from dataclasses import dataclass

from .source import Span


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None
    hint: str | None = None
    severity: str = "error"

    def render(self) -> str:
        where = self.span.location() + ": " if self.span else ""
        text = f"{where}{self.severity}: {self.message} [{self.code}]"
        if self.span is not None:
            text += "\n" + self.span.snippet()
        if self.hint:
            text += f"\n     = hint: {self.hint}"
        return text

    def to_dict(self) -> dict:
        data = {"code": self.code, "message": self.message, "severity": self.severity}
        if self.span is not None:
            data.update(self.span.to_dict())
        if self.hint:
            data["hint"] = self.hint
        return data


class RuleError(Exception):
    """One or more diagnostics that stop a rule file from loading."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(
            diagnostics,
            key=lambda d: (d.span.source.name, d.span.start) if d.span else ("", 0),
        )
        super().__init__("\n".join(d.render() for d in self.diagnostics))


class EvalError(Exception):
    """A CEL error value, raised instead of returned.

    Only `&&`, `||`, `? :`, the macros, `has()` and `??` catch it, so the
    success path costs nothing. `code` is stable; `span` is filled in by the
    closure that knows where the failing expression is written.
    """

    # Error codes that mean "the value is not there": `??` recovers from these.
    ABSENT = frozenset({"no_such_key", "index_out_of_range"})

    def __init__(self, code: str, message: str, span: Span | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.span = span

    def located(self, span: Span) -> EvalError:
        if self.span is None:
            self.span = span
        return self

    def to_diagnostic(self) -> Diagnostic:
        return Diagnostic(self.code, self.message, self.span)

    def __str__(self) -> str:
        where = self.span.location() + ": " if self.span else ""
        return f"{where}{self.message} [{self.code}]"
