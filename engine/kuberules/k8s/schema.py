"""Structural validation of manifests against the Kubernetes JSON Schemas in specs/schemas/.

    validator = SchemaValidator(strict=True)
    for problem in validator.errors(obj):
        print(problem.message)      # spec.replicas: "3" is not of type integer

The schemas are upstream Kubernetes OpenAPI as JSON Schema (see specs/schemas/README.md):
one file per kind that `$ref`s a shared `_definitions.json`. For each kind that is used,
the kind and the definitions it reaches are put together into one self-contained schema,
once per process. A valid document costs one call of a validator that `fastjsonschema`
compiles to Python code (when it is installed; else `jsonschema` answers that too); only
an invalid document goes through `jsonschema`, whose errors say where and why. Even then
jsonschema walks only the failing part: at each `$ref` it first asks fastjsonschema's code
for that definition, and a sub-tree that passes holds no error, so it is skipped.

Generating and compiling one kind's fastjsonschema code takes ~30 ms, as long as checking
a thousand valid documents, so the compiled code is kept on disk and reused by later runs. The
cache directory is `$KUBERULES_CACHE_DIR` when that is set (set to the empty string, it
turns the cache off), else `$XDG_CACHE_HOME/kuberules`, else `~/.cache/kuberules`. A file
is named by a hash of all that shapes its content (the self-contained schema, the
fastjsonschema version and options, the Python bytecode version), so an edited schema or
an upgrade never meets stale code; it is written under a temporary name and renamed into
place, so concurrent runs never read half a file, and carries a checksum. The cache only
saves time: when it cannot be read or written the code is compiled in memory, never an error.

Kinds without a schema (custom resources, other API versions) are not checked: `errors`
returns [] and `known` says False.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import marshal
import os
import re
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ..decision import format_path
from ..resources import specs_dir

try:  # The fast path; without it every document goes through jsonschema.
    import fastjsonschema
except ImportError:  # pragma: no cover - exercised only where fastjsonschema is missing
    fastjsonschema = None

if TYPE_CHECKING:  # imported when first needed: it costs ~50 ms, and valid documents never need it
    import jsonschema

KUBERNETES_VERSION = "1.37.0"
"""The Kubernetes release whose API the bundled schemas describe."""

CACHE_ENV = "KUBERULES_CACHE_DIR"
"""Environment variable naming the directory of compiled validators; empty turns the cache off."""

_DEFINITIONS = "_definitions.json"
_REF = re.compile(r"^[^#]*_definitions\.json#")
_SHOWN_LENGTH = 60
# No defaults written into the document, no `format` assertions (jsonschema asserts none
# either: both must agree on what is valid), no messages.
_FAST_OPTIONS: dict[str, bool] = {"use_default": False, "use_formats": False, "detailed_exceptions": False}
_CACHE_FORMAT = b"kuberules compiled schema 2"  # bump when a cache file's layout or the code's rewriting changes
# The last argument of each call of a definition's function in fastjsonschema's code: the
# path for its error message, `(name_prefix or "data") + ".containers[{x}]".format(**locals())`.
_PREFIX_ARGUMENT = re.compile(
    r', custom_formats, \(name_prefix or "data"\) \+ "(?:[^"\\]|\\.)*"(?:\.format\(\*\*locals\(\)\))?\)$', re.MULTILINE,
)
_CHECKSUM = 32  # bytes of sha256 in front of each cache file
_REMEMBERED_KINDS = 4096  # bounds the (apiVersion, kind) memo against input full of made-up kinds


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


def cache_dir() -> Path | None:
    """Where compiled validators are kept between runs; None when the cache is off.

    A relative `XDG_CACHE_HOME` is ignored, as the XDG spec says; without a home directory
    there is no cache rather than one relative to wherever the command happens to run.
    """
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured).expanduser() if configured else None
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kuberules" if os.path.isabs(base) else None


class SchemaValidator:
    """Checks objects against the schema of their (apiVersion, kind).

    `strict` also reports fields the schema does not define (`additionalProperties`), as
    `kubectl --validate=strict` does. Schemas are read and compiled on first use of a kind
    (the compiled code comes from the disk cache when it has it, see the module's doc) and
    shared by every validator of the same folder.
    """

    def __init__(self, strict: bool = False, *, kubernetes_version: str = KUBERNETES_VERSION,
                 directory: Path | None = None) -> None:
        self.strict = strict
        self.kubernetes_version = kubernetes_version
        self.directory = (directory or schemas_dir(kubernetes_version, strict)).resolve()
        if not (self.directory / _DEFINITIONS).is_file():
            raise FileNotFoundError(f"no Kubernetes schemas in {self.directory}")
        # Both called for every document: one dict look-up each instead of building the
        # file name and hashing the directory's Path again.
        self._names: dict[tuple[str, str], str | None] = {}
        self._kinds: dict[str, _Compiled] = {}

    def known(self, obj: object) -> bool:
        """Whether there is a schema for this object's apiVersion and kind.

        The kind is looked up case-insensitively, so `kind: deployment` is known and
        `errors` reports it against the schema's `enum` ("Deployment").
        """
        return self._file(obj) is not None

    def is_valid(self, obj: object) -> bool:
        """True exactly when `errors(obj)` is empty, without building any message."""
        compiled = self._compiled_for(obj)
        if compiled is None:
            return True
        # Every jsonschema error becomes at least one problem, so its yes/no is errors()'s.
        return compiled.passes(obj) or compiled.detailed.is_valid(obj)

    def errors(self, obj: object) -> list[SchemaProblem]:
        """Every problem, sorted by path; [] for a valid object or a kind without a schema."""
        compiled = self._compiled_for(obj)
        if compiled is None or compiled.passes(obj):
            return []
        return _problems(compiled.detailed, obj)

    def _compiled_for(self, obj: object) -> _Compiled | None:
        name = self._file(obj)
        if name is None:
            return None
        compiled = self._kinds.get(name)
        if compiled is None:
            compiled = self._kinds[name] = _compiled(self.directory, name)
        return compiled

    def _file(self, obj: object) -> str | None:
        if type(obj) is not dict:
            return None
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if type(api_version) is not str or type(kind) is not str:
            return None
        key = (api_version, kind)
        name = self._names.get(key, "")
        if name != "":
            return name
        name = schema_file_name(api_version, kind) if api_version and kind else None
        if name not in _available(self.directory):
            name = None
        if len(self._names) < _REMEMBERED_KINDS:
            self._names[key] = name
        return name


class _Compiled:
    """One kind's schema, ready: a fast yes/no and, once needed, a detailed validator."""

    __slots__ = ("_detailed", "fast", "functions", "schema")

    def __init__(self, schema: dict) -> None:
        self.schema = schema
        self._detailed: jsonschema.Draft202012Validator | None = None
        # `validate` for the whole schema and `validate____defs_...` for each definition.
        self.functions = _fast_functions(schema) if fastjsonschema is not None else {}
        self.fast = self.functions.get("validate")

    @property
    def detailed(self) -> jsonschema.Draft202012Validator:
        """jsonschema's validator, built on first use: most runs meet few invalid kinds."""
        if self._detailed is None:
            self._detailed = _detailed_validator(self.schema, self.functions)
        return self._detailed

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


# --- the two validators ----------------------------------------------------------------


def _fast_functions(schema: dict) -> dict[str, Callable[..., Any]]:
    """The functions of fastjsonschema's code for `schema`, from the disk cache when it has them."""
    key = _cache_key(schema)
    cached = _load_code(key)
    if cached is not None:
        with contextlib.suppress(Exception):  # code that does not run is a damaged cache too
            functions = _functions(cached)
            if "validate" in functions:
                return functions
    source = _without_message_paths(fastjsonschema.compile_to_code(schema, **_FAST_OPTIONS))
    code = compile(source, "<kuberules schema validator>", "exec")
    _store_code(key, code)
    return _functions(code)


def _functions(code: types.CodeType) -> dict[str, Callable[..., Any]]:
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    return {name: value for name, value in namespace.items() if name.startswith("validate") and callable(value)}


def _without_message_paths(source: str) -> str:
    """fastjsonschema's code, minus the building of paths for messages nobody reads.

    Every call of a definition's function builds the path of its value for a message
    (`data.spec.containers[0]`), with `str.format(**locals())` inside loops: that is 60% of
    validating a valid Deployment. Only the yes/no is used here (messages come from
    jsonschema), so those calls pass no path; a call this does not recognise stays as it was.
    """
    return _PREFIX_ARGUMENT.sub(", custom_formats)", source)


def _detailed_validator(schema: dict, functions: dict[str, Callable[..., Any]]) -> jsonschema.Draft202012Validator:
    """jsonschema's validator for `schema`, skipping every `$ref` whose compiled check passes.

    jsonschema walks the whole document, ~1 ms for a Deployment, though the problems are
    usually in one container. A definition fastjsonschema accepts yields no jsonschema
    error either (the two agree, see tests), so only the failing sub-trees are walked and
    the errors, and their order, are the same as without the shortcut.
    """
    import jsonschema

    base = jsonschema.Draft202012Validator
    checks = _definition_checks(schema, functions)
    if not checks:
        return base(schema)
    follow = base.VALIDATORS["$ref"]

    def ref(validator: Any, ref: str, instance: Any, subschema: dict) -> Iterator[Any]:
        check = checks.get(ref)
        if check is not None:
            try:
                check(instance)
            except Exception:  # invalid (or odd data the code did not expect): jsonschema says
                pass
            else:
                return
        yield from follow(validator, ref, instance, subschema)

    return jsonschema.validators.extend(base, {"$ref": ref})(schema)


def _definition_checks(schema: dict, functions: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """`#/$defs/X` -> fastjsonschema's function for definition X, wherever that is unambiguous."""
    owners: dict[str, str | None] = {}
    for definition in schema.get("$defs", {}):
        ref = f"#/$defs/{definition}"
        name = _function_name(ref)
        owners[name] = None if name in owners else ref  # two definitions, one name: use neither
    return {ref: functions[name] for name, ref in owners.items() if ref is not None and name in functions}


def _function_name(ref: str) -> str:
    """The name fastjsonschema gives the function of a `$ref` (RefResolver.get_scope_name)."""
    name = "validate_" + unquote(ref).replace("~1", "_").replace("~0", "_").replace('"', "")
    name = re.sub(r"($[^a-zA-Z]|[^a-zA-Z0-9])", "_", name)
    return name.lower().rstrip("_")


# --- the disk cache of compiled code ---------------------------------------------------


def _cache_key(schema: dict) -> str:
    """A hash of everything that shapes the compiled code; key order matters to the code, so it is kept."""
    digest = hashlib.sha256(_CACHE_FORMAT)
    for part in (fastjsonschema.VERSION, repr(sorted(_FAST_OPTIONS.items())), importlib.util.MAGIC_NUMBER.hex()):
        digest.update(part.encode() + b"\0")
    digest.update(json.dumps(schema, ensure_ascii=False, separators=(",", ":")).encode())
    return digest.hexdigest()


def _load_code(key: str) -> types.CodeType | None:
    """The cached code of `key`, or None: missing, unreadable or damaged all mean compiling."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        data = (folder / f"{key}.code").read_bytes()
        payload = data[_CHECKSUM:]
        if hashlib.sha256(payload).digest() != data[:_CHECKSUM]:
            return None
        code = marshal.loads(payload)
    except Exception:  # the cache must never be why a check fails
        return None
    return code if isinstance(code, types.CodeType) else None


def _store_code(key: str, code: types.CodeType) -> None:
    """Keep `code` for later runs, if the cache directory can be written; else do without.

    Written to a temporary file in the same directory and renamed over the final name, which
    is atomic: a concurrent run sees no file or a whole one, and two writers of one key write
    the same code, so it does not matter whose rename comes last.
    """
    folder = cache_dir()
    if folder is None:
        return
    import tempfile  # only a cache miss writes

    temporary = None
    try:
        payload = marshal.dumps(code)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{key[:16]}-", suffix=".tmp")
        with os.fdopen(handle, "wb") as f:
            f.write(hashlib.sha256(payload).digest() + payload)
        os.replace(temporary, folder / f"{key}.code")
        temporary = None
    except Exception:  # read-only home, full disk, odd permissions: compiled in memory is enough
        pass
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


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
