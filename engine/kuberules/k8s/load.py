"""Read YAML and JSON documents safely, with located errors.

Issue-by-issue this grows into the full loader (positions per field, List
kinds, YAML 1.1 scalars as sigs.k8s.io/yaml reads them, bounds); today it is
what `eval` and `--cluster` need: every document of every file, and a
`file:line:col` message instead of a traceback for anything unreadable.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml is in every PyYAML wheel we install
    _Loader = yaml.SafeLoader

SUFFIXES = (".yaml", ".yml", ".json")
MAX_BYTES = 64 * 1024 * 1024


class InputError(Exception):
    """An input that cannot be read; the message names file, line and column."""


@dataclass(frozen=True, slots=True)
class Document:
    """An object and where it was written (1-based line of its first key)."""

    object: object
    file: str
    line: int

    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def position(self, path: tuple) -> tuple[int, int] | None:
        """Line and column of the value at `path` (not tracked by this loader)."""
        return None


class _LocatingLoader(_Loader):  # type: ignore[misc, valid-type]
    """Remembers where each document (and each item of a List) starts."""

    def construct_document(self, node):
        self.document_line = node.start_mark.line + 1
        self.item_lines: list[int] = []
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == "items" and isinstance(value, yaml.SequenceNode):
                    self.item_lines = [item.start_mark.line + 1 for item in value.value]
        return super().construct_document(node)


def read_documents(path: str) -> list[object]:
    """All documents of a file (or `-` for stdin), in order, skipping empty ones."""
    return [doc.object for doc in _located(path, expand_lists=False)]


def _located(path: str, expand_lists: bool) -> Iterator[Document]:
    name = "<stdin>" if path == "-" else path
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as err:
        raise InputError(f"{name}: {err.strerror or err}") from None
    if len(data) > MAX_BYTES:
        raise InputError(f"{name}: file is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"{name}: not UTF-8 text (byte {err.start})") from None
    loader = _LocatingLoader(text)
    found: list[Document] = []
    try:
        while loader.check_data():
            doc = loader.get_data()
            if doc is None:
                continue
            items = doc.get("items") if type(doc) is dict else None
            if expand_lists and type(items) is list and str(doc.get("kind", "")).endswith("List"):
                lines = loader.item_lines
                found.extend(Document(item, name, lines[i] if i < len(lines) else loader.document_line)
                             for i, item in enumerate(items))
            else:
                found.append(Document(doc, name, loader.document_line))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise InputError(f"{where}: {err.problem or err.context}") from None
    except (yaml.YAMLError, RecursionError) as err:
        raise InputError(f"{name}: {err}") from None
    finally:
        loader.dispose()
    yield from found


def expand_paths(paths: list[str]) -> list[str]:
    """Files as given, directories as their YAML and JSON files (recursively)."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if p != "-" and path.is_dir():
            out.extend(str(f) for f in sorted(path.rglob("*")) if f.suffix in SUFFIXES and f.is_file())
        else:
            out.append(p)
    return out


def read_located(paths: list[str]) -> list[Document]:
    """Every document of every path with its location; `kind: List` (and
    `*List`) is expanded into its items."""
    return [doc for path in expand_paths(paths) for doc in _located(path, expand_lists=True)]


def read_objects(paths: list[str]) -> list[object]:
    return [doc.object for doc in read_located(paths)]
