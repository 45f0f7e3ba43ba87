"""Source text and spans.

Every node, diagnostic and finding points back into a `SourceFile` by
character offsets; lines and columns are computed only when a message is
rendered, so parsing large files stays cheap.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(eq=False)
class SourceFile:
    """A named piece of rule text (a file, a `-e` expression, a string)."""

    name: str
    text: str

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        find = self.text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        return starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        starts = self._line_starts
        line = bisect.bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1

    def line_text(self, line: int) -> str:
        starts = self._line_starts
        if not 1 <= line <= len(starts):
            return ""
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[starts[line - 1] : end]


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range of characters in a source file."""

    source: SourceFile = field(repr=False)
    start: int
    end: int

    @property
    def line(self) -> int:
        return self.source.line_col(self.start)[0]

    @property
    def column(self) -> int:
        return self.source.line_col(self.start)[1]

    @property
    def end_line_col(self) -> tuple[int, int]:
        return self.source.line_col(self.end)

    def location(self) -> str:
        line, col = self.source.line_col(self.start)
        return f"{self.source.name}:{line}:{col}"

    def snippet(self) -> str:
        """The first line of the span with a caret line under it."""
        line, col = self.source.line_col(self.start)
        text = self.source.line_text(line)
        end_line, end_col = self.source.line_col(max(self.start, self.end))
        width = (end_col - col) if end_line == line and end_col > col else 1
        width = max(1, min(width, len(text) - col + 1))
        gutter = f"{line:>4} | "
        marker = " " * (len(gutter) - 2) + "| " + " " * (col - 1) + "^" + "~" * (width - 1)
        return f"{gutter}{text.expandtabs(1)}\n{marker}"

    def to_dict(self) -> dict:
        line, col = self.source.line_col(self.start)
        end_line, end_col = self.source.line_col(self.end)
        return {
            "file": self.source.name,
            "line": line,
            "column": col,
            "end_line": end_line,
            "end_column": end_col,
        }

    def __str__(self) -> str:
        return self.location()
