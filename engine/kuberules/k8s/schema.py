"""Structural validation of manifests against the Kubernetes JSON Schemas in specs/schemas/.

    validator = SchemaValidator(strict=True)
    for problem in validator.errors(obj):
        print(problem.message)      # spec.replicas: "3" is not of type integer

The schemas are upstream Kubernetes OpenAPI as JSON Schema (see specs/schemas/README.md):
one file per kind that `$ref`s a shared `_definitions.json`. For each kind that is used,
the kind and the definitions it reaches are put together into one self-contained schema,
once per process. A valid document costs one call of a validator that `fastjsonschema`
compiles to Python code (when it is installed; else `jsonschema` answers that too); only
an invalid document goes through `jsonschema`, whose errors say where and why.

Kinds without a schema (custom resources, other API versions) are not checked: `errors`
returns [] and `known` says False.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from ..decision import format_path
from ..resources import specs_dir

try:  # The fast path; without it every document goes through jsonschema.
    import fastjsonschema
except ImportError:  # pragma: no cover - exercised only where fastjsonschema is missing
    fastjsonschema = None

KUBERNETES_VERSION = "1.37.0"
"""The Kubernetes release whose API the bundled schemas describe."""

_DEFINITIONS = "_definitions.json"
_REF = re.compile(r"^[^#]*_definitions\.json#")
_SHOWN_LENGTH = 60


@dataclass(frozen=True, slots=True)
class SchemaProblem:
    """One way an object does not match its kind's schema.

    `path` leads to the offending value, ("spec", "template", "spec", "containers", 0);
    for `required` it is the object that lacks the field, for `additionalProperties`
    the unknown field itself. `rule` is the JSON Schema keyword that failed.
    """

    path: tuple[str | int, ...]
    message: str
    rule: str

    def __str__(self) -> str:
        return self.message


def schema_file_name(api_version: str, kind: str) -> str:
    """`apps-v1-deployment.json` for apps/v1 Deployment; the core group is `core`."""
    group, _, version = api_version.rpartition("/")
    return f"{group or 'core'}-{version}-{kind.lower()}.json"


def schemas_dir(kubernetes_version: str = KUBERNETES_VERSION, strict: bool = False) -> Path:
    folder = specs_dir() / "schemas" / f"kubernetes-{kubernetes_version}"
    return folder / "strict" if strict else folder


class SchemaValidator:
    """Checks objects against the schema of their (apiVersion, kind).

    `strict` also reports fields the schema does not define (`additionalProperties`), as
    `kubectl --validate=strict` does. Schemas are read and compiled on first use of a kind
    and shared by every validator of the same folder.
    """

    def __init__(self, strict: bool = False, *, kubernetes_version: str = KUBERNETES_VERSION,
                 directory: Path | None = None) -> None:
        self.strict = strict
        self.kubernetes_version = kubernetes_version
        self.directory = (directory or schemas_dir(kubernetes_version, strict)).resolve()
        if not (self.directory / _DEFINITIONS).is_file():
            raise FileNotFoundError(f"no Kubernetes schemas in {self.directory}")

    def known(self, obj: object) -> bool:
        """Whether there is a schema for this object's apiVersion and kind.

        The kind is looked up case-insensitively, so `kind: deployment` is known and
        `errors` reports it against the schema's `enum` ("Deployment").
        """
        return self._file(obj) is not None

    def is_valid(self, obj: object) -> bool:
        """True exactly when `errors(obj)` is empty, without building any message."""
        name = self._file(obj)
        if name is None:
            return True
        compiled = _compiled(self.directory, name)
        # Every jsonschema error becomes at least one problem, so its yes/no is errors()'s.
        return compiled.passes(obj) or compiled.detailed.is_valid(obj)

    def errors(self, obj: object) -> list[SchemaProblem]:
        """Every problem, sorted by path; [] for a valid object or a kind without a schema."""
        name = self._file(obj)
        if name is None:
            return []
        compiled = _compiled(self.directory, name)
        if compiled.passes(obj):
            return []
        return _problems(compiled.detailed, obj)

    def _file(self, obj: object) -> str | None:
        if type(obj) is not dict:
            return None
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if type(api_version) is not str or type(kind) is not str or not api_version or not kind:
            return None
        name = schema_file_name(api_version, kind)
        return name if name in _available(self.directory) else None


class _Compiled:
    """One kind's schema, ready: a fast yes/no and a detailed validator."""

    __slots__ = ("detailed", "fast")

    def __init__(self, schema: dict) -> None:
        self.detailed = jsonschema.Draft202012Validator(schema)
        self.fast = None
        if fastjsonschema is not None:
            # No defaults written into the document, no `format` assertions (jsonschema
            # asserts none either: both must agree on what is valid), no messages.
            self.fast = fastjsonschema.compile(
                schema, use_default=False, use_formats=False, detailed_exceptions=False,
            )

    def passes(self, obj: object) -> bool:
        if self.fast is None:
            return self.detailed.is_valid(obj)
        try:
            self.fast(obj)
        except fastjsonschema.JsonSchemaValueException:
            return False
        except Exception:  # odd data the generated code did not expect: let jsonschema judge
            return self.detailed.is_valid(obj)
        return True


@cache
def _available(directory: Path) -> frozenset[str]:
    return frozenset(p.name for p in directory.glob("*.json") if p.name != _DEFINITIONS)


@cache
def _definitions(directory: Path) -> dict[str, Any]:
    with open(directory / _DEFINITIONS, encoding="utf-8") as f:
        return json.load(f)["$defs"]


@cache
def _compiled(directory: Path, name: str) -> _Compiled:
    return _Compiled(_standalone(directory, name))


def _standalone(directory: Path, name: str) -> dict:
    """The kind's schema with the definitions it reaches under its own `$defs`.

    The stored kind files refer to `/api/_definitions.json#/$defs/X` (the package's own
    layout); here those become `#/$defs/X`, which the definitions already use among
    themselves, so neither validator needs a registry or a base URI.
    """
    with open(directory / name, encoding="utf-8") as f:
        schema = json.load(f)
    definitions = _definitions(directory)
    schema = _rewrite_refs(schema)
    schema.pop("$id", None)
    reached: dict[str, Any] = {}
    todo = _refs(schema)
    while todo:
        ref = todo.pop()
        if ref not in reached:
            reached[ref] = definitions[ref]
            todo.extend(_refs(definitions[ref]))
    schema["$defs"] = reached
    return schema


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: _REF.sub("#", value) if key == "$ref" and isinstance(value, str) else _rewrite_refs(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item) for item in node]
    return node


def _refs(node: Any) -> list[str]:
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                    found.append(value[len("#/$defs/"):])
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return found


# --- messages -------------------------------------------------------------------------


def _problems(validator: jsonschema.Draft202012Validator, obj: object) -> list[SchemaProblem]:
    seen: set[tuple[tuple, str]] = set()
    out: list[SchemaProblem] = []

    def add(path: tuple, text: str, rule: str) -> None:
        if (path, text) not in seen:
            seen.add((path, text))
            where = format_path(path)
            out.append(SchemaProblem(path, f"{where}: {text}" if where else text, rule))

    for error in validator.iter_errors(obj):
        path = tuple(error.absolute_path)
        rule = str(error.validator)
        instance = error.instance
        if rule == "type":
            add(path, f"{_show(instance)} is not of type {_types(error.validator_value)}", rule)
        elif rule == "required" and isinstance(instance, dict):
            for field in error.validator_value:
                if field not in instance:
                    add(path, f"{_quote_single(field)} is a required property", rule)
        elif rule == "additionalProperties" and isinstance(instance, dict) \
                and error.validator_value is False:
            defined = error.schema.get("properties", {})
            for field in instance:
                if field not in defined:
                    add((*path, field), f"unknown field {_show(field)}", rule)
        elif rule == "enum":
            allowed = ", ".join(_show(v) for v in error.validator_value)
            add(path, f"{_show(instance)} is not one of {allowed}", rule)
        else:
            add(path, error.message, rule)
    out.sort(key=lambda p: (tuple((type(k) is not int, k if type(k) is int else str(k)) for k in p.path),
                            p.rule, p.message))
    return out


def _types(value: object) -> str:
    """`integer`, or `string or integer`: the generator's "null" (optional) is left out."""
    names = [value] if isinstance(value, str) else [t for t in value if t != "null"] or list(value)
    return " or ".join(names)


def _quote_single(value: object) -> str:
    return repr(value) if isinstance(value, str) else _show(value)


def _show(value: object) -> str:
    """A value as JSON, shortened: `"3"`, `80`, `null`, `{"a": 1}`."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = str(value)
    return text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 3] + "..."
