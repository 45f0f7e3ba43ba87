"""What a check run found, in the shape every reporter reads."""

from __future__ import annotations

import marshal
import tempfile
from collections import defaultdict
from collections.abc import Iterator
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


class ProblemLog:
    """The problems of a run, kept on disk a file at a time so that a run over
    100,000 manifests does not hold 200,000 problems in memory.

    Iterating gives them in the order their files were first seen (`register`,
    or the first problem), each file's by line and column. A file's problems
    stay in memory until `close(file)`; they may come in several batches (the
    two passes of `check`), which iteration merges. Counts are kept as they come.
    """

    def __init__(self) -> None:
        self._order: dict[str, int] = {}
        self._open: dict[str, list[Problem]] = defaultdict(list)
        self._records: dict[int, list[int]] = defaultdict(list)  # file index -> offsets on disk
        self._spill: tempfile.SpooledTemporaryFile | None = None
        self.count = 0
        self.errors = 0
        self.warnings = 0
        self.rules: set[str] = set()
        self.files: set[str] = set()

    def register(self, file: str) -> None:
        self._order.setdefault(file, len(self._order))

    def append(self, problem: Problem) -> None:
        self.register(problem.file)
        self._open[problem.file].append(problem)
        self.count += 1
        level = problem.level
        self.errors += level == "error"
        self.warnings += level == "warning"
        self.rules.add(problem.rule)
        self.files.add(problem.file)

    def close(self, file: str) -> None:
        """Set a file's problems so far aside (on disk past a few megabytes)."""
        problems = self._open.pop(file, None)
        if not problems:
            return
        if self._spill is None:
            # Lives as long as the log; closed (and removed) when the log is collected.
            self._spill = tempfile.SpooledTemporaryFile(max_size=4 << 20, prefix="kuberules-problems-")  # noqa: SIM115
        self._spill.seek(0, 2)
        self._records[self._order[file]].append(self._spill.tell())
        record = marshal.dumps([(p.file, p.line, p.column, p.rule, p.effect, p.severity, p.message, p.object,
                                 p.path) for p in problems])
        self._spill.write(len(record).to_bytes(8, "little"))
        self._spill.write(record)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Problem]:
        for file in list(self._open):
            self.close(file)
        for index in self._order.values():
            batch: list[Problem] = []
            for offset in self._records.get(index, ()):
                batch.extend(Problem(*fields) for fields in self._read(offset))
            batch.sort(key=lambda p: (p.line, p.column))
            yield from batch

    def _read(self, offset: int) -> list:
        spill = self._spill
        assert spill is not None
        spill.seek(offset)
        size = int.from_bytes(spill.read(8), "little")
        return marshal.loads(spill.read(size))


@dataclass
class CheckReport:
    problems: ProblemLog = field(default_factory=ProblemLog)
    input_errors: list[str] = field(default_factory=list)
    rules: dict[str, RuleInfo] = field(default_factory=dict)
    checked: list[Checked] = field(default_factory=list)
    files: int = 0
    objects: int = 0

    @property
    def errors(self) -> int:
        return self.problems.errors

    @property
    def warnings(self) -> int:
        return self.problems.warnings

    def exit_code(self) -> int:
        if self.input_errors:
            return 2
        return 1 if self.errors else 0
