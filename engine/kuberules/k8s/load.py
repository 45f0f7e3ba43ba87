"""Read manifests from files, directories and stdin, the way kubectl does.

yaml_loader does the reading (go-yaml v2 scalars, bounds, positions); this
module finds the files, reads their bytes, expands `kind: List` (and every
`*List`) into its items, and keeps each problem as a located LoadError so
that one bad file or document does not hide the others.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .yaml_loader import LoadedDocument, LoadError, load_stream

SUFFIXES = (".yaml", ".yml", ".json")


class InputError(Exception):
    """An input that cannot be read; the message names file, line and column."""


@dataclass(frozen=True, slots=True)
class ListItem:
    """An item of a `kind: List` document, located inside it."""

    object: Any
    file: str
    line: int
    parent: LoadedDocument
    index: int

    def position(self, path: tuple = (), *, key: bool = False) -> tuple[int, int] | None:
        return self.parent.position(("items", self.index, *path), key=key)


Document = LoadedDocument | ListItem


def location(doc: Document) -> str:
    return f"{doc.file}:{doc.line}"


def expand_paths(paths: list[str]) -> list[str]:
    """Files as given, directories as their YAML and JSON files (recursively, sorted)."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if p != "-" and path.is_dir():
            out.extend(str(f) for f in sorted(path.rglob("*")) if f.suffix in SUFFIXES and f.is_file())
        else:
            out.append(p)
    return out


def read_file(path: str, objects: bool = True) -> tuple[list[Document], list[LoadError]]:
    """The documents of one file (`-` is stdin) and the problems met reading it."""
    name, data = read_input(path)
    if isinstance(data, LoadError):
        return [], [data]
    return parse_file(name, data, objects=objects)


def read_input(path: str) -> tuple[str, bytes | LoadError]:
    """The name and bytes of a file or of `-` (stdin, named `<stdin>`), or why it cannot be read."""
    name = "<stdin>" if path == "-" else path
    try:
        return name, sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as err:
        return name, LoadError(name, 1, 1, err.strerror or str(err))


def parse_file(name: str, data: bytes, *, objects: bool = True,
               keep_nodes: bool = False) -> tuple[list[Document], list[LoadError]]:
    """The documents of a file's bytes, `kind: List` expanded, and the problems met reading them."""
    documents: list[Document] = []
    errors: list[LoadError] = []
    for item in load_stream(data, name, objects=objects, keep_nodes=keep_nodes):
        if isinstance(item, LoadError):
            errors.append(item)
        elif objects and _is_list(item.object):
            documents.extend(_items(item))
        else:
            documents.append(item)
    return documents, errors


def _is_list(obj: object) -> bool:
    return type(obj) is dict and type(obj.get("items")) is list and str(obj.get("kind", "")).endswith("List")


def _items(doc: LoadedDocument) -> list[ListItem]:
    items = []
    for i, obj in enumerate(doc.object["items"]):
        where = doc.position(("items", i))
        items.append(ListItem(obj, doc.file, where[0] if where else doc.line, doc, i))
    return items


def read_located(paths: list[str]) -> list[Document]:
    """Every object of every path, or InputError at the first problem."""
    documents: list[Document] = []
    for path in expand_paths(paths):
        found, errors = read_file(path)
        if errors:
            raise InputError(str(errors[0]))
        documents.extend(found)
    return documents


def read_objects(paths: list[str]) -> list[object]:
    return [doc.object for doc in read_located(paths)]


def read_documents(path: str) -> list[object]:
    """Every document of one file, whatever its shape (for `eval -i`)."""
    found, errors = read_file(path, objects=False)
    if errors:
        raise InputError(str(errors[0]))
    return [doc.object for doc in found]
