"""What a check run found, in the shape every reporter reads."""

from __future__ import annotations

from dataclasses import dataclass, field

LEVELS = {"deny": "error", "error": "error", "warn": "warning", "allow": "note"}


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding, located in a manifest."""

    file: str
    line: int
    column: int
    rule: str
    effect: str  # deny | warn | error (an evaluation error) | allow
    severity: str
    message: str
    object: dict  # {apiVersion, kind, namespace, name}
    path: str

    @property
    def level(self) -> str:
        return LEVELS[self.effect]

    def to_dict(self) -> dict:
        return {
            "file": self.file, "line": self.line, "column": self.column, "rule": self.rule,
            "effect": self.effect, "level": self.level, "severity": self.severity,
            "message": self.message, "object": self.object, "path": self.path,
        }


@dataclass(frozen=True, slots=True)
class RuleInfo:
    id: str
    title: str
    severity: str
    rationale: str = ""
    fix: str = ""
    location: str = ""  # file:line:col of the rule


@dataclass
class Checked:
    """One object and the rules that applied to it (for per-case reports)."""

    file: str
    object: dict
    rules: list[str]


@dataclass
class CheckReport:
    problems: list[Problem] = field(default_factory=list)
    input_errors: list[str] = field(default_factory=list)
    rules: dict[str, RuleInfo] = field(default_factory=dict)
    checked: list[Checked] = field(default_factory=list)
    files: int = 0
    objects: int = 0

    @property
    def errors(self) -> int:
        return sum(p.level == "error" for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.level == "warning" for p in self.problems)

    def exit_code(self) -> int:
        if self.input_errors:
            return 2
        return 1 if self.errors else 0
