"""Read YAML and JSON documents safely, with located errors.

Issue-by-issue this grows into the full loader (positions per field, List
kinds, YAML 1.1 scalars as sigs.k8s.io/yaml reads them, bounds); today it is
what `eval` and `--cluster` need: every document of every file, and a
`file:line:col` message instead of a traceback for anything unreadable.
"""

from __future__ import annotations

import sys
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


def read_documents(path: str) -> list[object]:
    """All documents of a file (or `-` for stdin), in order, skipping empty ones."""
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
    try:
        return [doc for doc in yaml.load_all(text, Loader=_Loader) if doc is not None]
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise InputError(f"{where}: {err.problem or err.context}") from None
    except (yaml.YAMLError, RecursionError) as err:
        raise InputError(f"{name}: {err}") from None


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


def read_objects(paths: list[str]) -> list[object]:
    """Every document of every path; `kind: List` is expanded into its items."""
    objects: list[object] = []
    for path in expand_paths(paths):
        for doc in read_documents(path):
            if type(doc) is dict and type(doc.get("items")) is list and str(doc.get("kind", "")).endswith(
                "List"
            ):
                objects.extend(doc["items"])
            else:
                objects.append(doc)
    return objects
