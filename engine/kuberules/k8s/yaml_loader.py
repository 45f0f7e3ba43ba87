"""Read Kubernetes manifests the way kubectl and the API server read them.

Both go through sigs.k8s.io/yaml: its fork of go-yaml v2 decodes each document
into Go values (YAML 1.1 scalars: `yes`/`on`/`y` are booleans, `0777` is octal,
`1e3` is a float, timestamps stay strings) and then the result is converted to
JSON (map keys become strings, NaN and infinities are errors) and decoded again
as unstructured JSON (a number whose JSON text is an integer that fits in int64
is an int64, every other number a float64). `load_stream` reproduces that
pipeline on top of PyYAML's libyaml parser (`CSafeLoader`), with positions:

    docs = load_stream(data, "deploy.yaml")
    for doc in docs:
        if isinstance(doc, LoadError):
            print(doc)                                   # deploy.yaml:12:3: ...
        else:
            doc.object["spec"]["replicas"]
            doc.position(("spec", "template", "spec", "containers", 0, "image"))

Design:

- **Documents are split before parsing**, the way apimachinery's YAMLReader does,
  on lines that start with `---` or `...` (followed by a blank or the end of the
  line). YAML forbids those two markers at column 0 inside a document (they end
  plain, quoted and block scalars alike), so the split is exact; directive lines
  (`%YAML`, `%TAG`) stay with the document after them. Each piece is parsed on
  its own, so a broken document costs only itself: the others of the file load.
  A piece that turns out to hold several documents (a JSON stream such as
  `{...}{...}`, or line breaks the splitter does not know) is handled too.
- **Scalars** are resolved by a port of go-yaml v2's `resolve` (the
  sigs.k8s.io/yaml fork, `goyaml.v2/resolve.go`), then converted to what the
  JSON round trip yields. PyYAML's own resolver is not used: it reads `1e3`,
  `y` and `0o17` as strings, `1:20` as the base-60 integer 80 and `2015-01-01`
  as a date, where go-yaml v2 reads 1000.0, true, 15 and two strings.
- **Positions are lazy**: a document keeps its source text; the first
  `position()` call re-composes that text (libyaml again) and caches the nodes.
- **Bounds** (`Limits`): file and document size, nesting depth (checked before
  the recursive composer sees the text: a cheap upper bound from the text, and
  an event-by-event count when that bound is too high), alias uses and the nodes
  they expand to (billion laughs), cyclic aliases. Every failure is a
  `LoadError` with file, line and column; nothing here raises for bad input.

Where this loader departs from what kubectl does, on purpose:

- A key written twice in one mapping is an error, worded as go-yaml v2's
  UnmarshalStrict words it (`key "x" already set in map`; the API server's
  strict field validation reports the same). kubectl's non-strict decoding
  would keep one of them. Two keys that differ in YAML but meet in JSON (`1`
  and `"1"`) are the same error, since sigs.k8s.io/yaml keeps either one at
  random. Keys a merge (`<<`) brings in are not duplicates: they are written
  where the merge stands, as go-yaml v2 (non-strict) writes them.
- `...` ends a document and what follows is read as the next one; go-yaml
  reads the first document and ignores the rest of its input.
- Nesting deeper than 512 (go-yaml: 10000) is an error; aliases are bounded by
  use count and expanded size instead of go-yaml's ratio rule.
- A JSON stream of several values is read as kubectl's JSON decoder reads it.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import gc
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ..goformat import format_float

try:
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - every PyYAML wheel we install has libyaml
    _BaseLoader = yaml.SafeLoader

__all__ = ["DEFAULT_LIMITS", "Limits", "LoadError", "LoadedDocument", "load_stream"]

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on the work one input may cause.

    `max_document_bytes` defaults to the API server's request body limit
    (3 MiB): a bigger object could not be applied anyway.
    """

    max_file_bytes: int = 32 * MiB
    max_document_bytes: int = 3 * MiB
    max_depth: int = 512
    max_alias_uses: int = 10_000
    max_alias_nodes: int = 100_000


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class LoadError:
    """A document (or file) that could not be read; line and column are 1-based."""

    file: str
    line: int
    column: int
    message: str

    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"


@dataclass(frozen=True, slots=True)
class LoadedDocument:
    """One document: its JSON value and where its content starts (1-based line).

    `position(path)` gives the 1-based (line, column) of the value at a path of
    mapping keys (str) and sequence indexes (int), or of the key itself with
    `key=True` (for a path that ends in a mapping key). A value written as an
    alias (`*name`) is located where its anchor's node is written; a key that
    came in through a merge (`<<`) is located in the merged mapping.
    """

    object: Any
    file: str
    line: int
    _source: bytes | str = field(repr=False, compare=False)
    _where: _Where = field(repr=False, compare=False)
    _index: int = field(repr=False, compare=False)
    _events: bool = field(repr=False, compare=False)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def position(self, path: tuple = (), *, key: bool = False) -> tuple[int, int] | None:
        root = self._cache.get("root")
        if root is None:
            root = self._cache["root"] = _recompose(self._source, self._index, self._events)
        builder = _Builder(_text_of(self._source), DEFAULT_LIMITS, track=False)
        node, key_node = root, None
        for step in path:
            if isinstance(node, MappingNode) and isinstance(step, str):
                entry = builder.lookup(node, step)
                if entry is None:
                    return None
                key_node, node = entry
            elif isinstance(node, SequenceNode) and type(step) is int and 0 <= step < len(node.value):
                key_node, node = None, node.value[step]
            else:
                return None
        target = key_node if key and key_node is not None else node
        return self._where.point(target.start_mark)


# --- locations --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Where:
    """Where a piece of the input starts: 0-based line and column, byte offset."""

    line: int
    column: int
    offset: int

    def point(self, mark: Any) -> tuple[int, int]:
        column = mark.column + (self.column if mark.line == 0 else 0)
        return self.line + mark.line + 1, column + 1

    def error(self, name: str, mark: Any, message: str) -> LoadError:
        if mark is None:
            return LoadError(name, self.line + 1, self.column + 1, message)
        line, column = self.point(mark)
        return LoadError(name, line, column, message)

    def at_byte(self, source: bytes | str, offset: int) -> tuple[int, int]:
        """1-based line and column of a byte offset into the UTF-8 form of source."""
        raw = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
        before = raw[:offset]
        newline = before.rfind(b"\n")
        line = before.count(b"\n")
        column = len(before[newline + 1:].decode("utf-8", "replace"))
        if line == 0:
            column += self.column
        return self.line + line + 1, column + 1


class _Fail(Exception):
    """A document-level error at a node (or mark)."""

    def __init__(self, message: str, mark: Any = None):
        super().__init__(message)
        self.message = message
        self.mark = mark


# --- go-yaml v2 scalar resolution ---------------------------------------------------------
#
# A port of sigs.k8s.io/yaml goyaml.v2/resolve.go `resolve(tag, in)`, plus the
# Go library functions it calls (strconv.ParseInt/ParseUint/ParseFloat with
# base 0, big.Int.SetString, time.Parse on the four timestamp layouts). Go
# values are Python values here: Go int/int64 and uint64 and *big.Int are all
# `int` (told apart by range where it matters), float64 is `float`.

_LONG = "tag:yaml.org,2002:"
_STR = _LONG + "str"
_PLAIN = _LONG + "?plain"  # what our resolver gives an untagged plain scalar
_MAP = _LONG + "map"
_SEQ = _LONG + "seq"
_MERGE = _LONG + "merge"

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
_UINT64_MAX = (1 << 64) - 1

_HINT: dict[str, str] = {"+": "S", "-": "S", ".": "."}
_HINT.update(dict.fromkeys("0123456789", "D"))
_HINT.update(dict.fromkeys("yYnNtTfFoO~", "M"))

_RESOLVE_MAP: dict[str, tuple[str, Any]] = {}
for _value, _tag, _words in (
    (True, "!!bool", ("y", "Y", "yes", "Yes", "YES")),
    (True, "!!bool", ("true", "True", "TRUE")),
    (True, "!!bool", ("on", "On", "ON")),
    (False, "!!bool", ("n", "N", "no", "No", "NO")),
    (False, "!!bool", ("false", "False", "FALSE")),
    (False, "!!bool", ("off", "Off", "OFF")),
    (None, "!!null", ("", "~", "null", "Null", "NULL")),
    (math.nan, "!!float", (".nan", ".NaN", ".NAN")),
    (math.inf, "!!float", (".inf", ".Inf", ".INF")),
    (math.inf, "!!float", ("+.inf", "+.Inf", "+.INF")),
    (-math.inf, "!!float", ("-.inf", "-.Inf", "-.INF")),
    ("<<", "!!merge", ("<<",)),
):
    for _word in _words:
        _RESOLVE_MAP[_word] = (_tag, _value)

_RESOLVABLE = frozenset({"", "!!str", "!!bool", "!!int", "!!float", "!!null", "!!timestamp"})

# resolve.go's yamlStyleFloat.
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
# strconv.ParseFloat's syntax for a string that starts with "." (the only
# strings resolve() hands it unprepared): Go float literal digits, where "_"
# may only stand between two digits.
_DOT_FLOAT = re.compile(r"\.[0-9](?:_?[0-9])*(?:[eE][-+]?[0-9](?:_?[0-9])*)?")
_DIGITS = {2: re.compile(r"[01]*"), 8: re.compile(r"[0-7]*"), 10: re.compile(r"[0-9]*"),
           16: re.compile(r"[0-9a-fA-F]*")}
_UINT64_DIGITS = {2: 64, 8: 22, 10: 20, 16: 16}
# Stands in for a *big.Int too long to convert (Python limits int(str) to 4300
# digits): only its size matters, it is beyond float64 either way.
_HUGE = 1 << 4096
_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:[Tt]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,][0-9]+)?(?:Z|[-+]([0-9]{2}):([0-9]{2}))"
    r"| ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,][0-9]+)?)?"
)


def _parse_uint(s: str, base: int = 0) -> tuple[int | None, str | None]:
    """strconv.ParseUint(s, base, 64): (value, None) or (None, "syntax" | "range")."""
    if not s:
        return None, "syntax"
    digits = s
    if base == 0:
        base = 10
        if s[0] == "0":
            prefix = s[1:2].lower()
            if len(s) >= 3 and prefix in ("b", "o", "x"):
                base, digits = {"b": 2, "o": 8, "x": 16}[prefix], s[2:]
            else:
                base, digits = 8, s[1:]
    match = _DIGITS[base].match(digits)
    valid = match.end()
    significant = digits[:valid].lstrip("0")
    if len(significant) > _UINT64_DIGITS[base]:
        return None, "range"  # Go stops at the first overflow, before any bad digit
    value = int(significant, base) if significant else 0
    if value > _UINT64_MAX:
        return None, "range"
    if valid != len(digits):
        return None, "syntax"
    return value, None


def _parse_int(s: str, base: int = 0) -> tuple[int | None, str | None]:
    """strconv.ParseInt(s, base, 64)."""
    if not s:
        return None, "syntax"
    negative = s[0] == "-"
    body = s[1:] if s[0] in "+-" else s
    value, err = _parse_uint(body, base)
    if err == "syntax":
        return None, err
    if err == "range":
        return None, "range"
    assert value is not None
    if negative:
        return (-value, None) if value <= 1 << 63 else (None, "range")
    return (value, None) if value <= _INT64_MAX else (None, "range")


def _big_set_string(s: str) -> int | None:
    """big.Int.SetString(s, 0); only reached for unsigned digits (ParseUint overflowed)."""
    negative = s[:1] == "-"
    body = s[1:] if s[:1] in ("+", "-") else s
    base, digits = 10, body
    if body[:1] == "0" and len(body) > 1:
        prefix = body[1].lower()
        if prefix in ("b", "o", "x"):
            base, digits = {"b": 2, "o": 8, "x": 16}[prefix], body[2:]
        else:
            base, digits = 8, body[1:]
    if not digits or _DIGITS[base].fullmatch(digits) is None:
        return None
    value = int(digits, base) if base != 10 or len(digits) <= 4000 else _HUGE
    return -value if negative else value


def _is_timestamp(s: str) -> bool:
    """resolve.go parseTimestamp: time.Parse with one of its four layouts succeeds."""
    match = _TIMESTAMP.fullmatch(s)
    if match is None:
        return False
    year, month, day = int(match[1]), int(match[2]), int(match[3])
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not 1 <= month <= 12 or not 1 <= day <= (29 if leap and month == 2 else _MONTH_DAYS[month]):
        return False
    clock = (match[4], match[5], match[6]) if match[4] is not None else (match[9], match[10], match[11])
    if clock[0] is not None:
        hour, minute, second = map(int, clock)
        if hour >= 24 or minute >= 60 or second >= 60:
            return False
    # A zone offset may be 24 hours or 60 minutes ("some people do write them").
    return match[7] is None or (int(match[7]) <= 24 and int(match[8]) <= 60)


def _resolve(tag: str, s: str) -> tuple[str, Any]:
    """go-yaml v2 resolve(tag, in) for the resolvable tags, with its tag check."""
    rtag, out = _resolve_untyped(tag, s)
    if tag in ("", rtag, "!!str", "!!binary"):
        return rtag, out
    if tag == "!!float" and rtag == "!!int" and _INT64_MIN <= out <= _INT64_MAX:
        return "!!float", float(out)  # only Go int/int64 convert, not uint64 or *big.Int
    raise _Fail(f"cannot decode {rtag} `{s}` as a {tag}")


def _resolve_untyped(tag: str, s: str) -> tuple[str, Any]:
    hint = _HINT.get(s[:1]) if s else "N"
    if hint is None or tag == "!!str":
        return "!!str", s
    item = _RESOLVE_MAP.get(s)
    if item is not None:
        return item
    if hint == ".":
        if _DOT_FLOAT.fullmatch(s):
            value = float(s.replace("_", ""))
            if not math.isinf(value):  # ParseFloat: out of range is an error
                return "!!float", value
        return "!!str", s
    if hint in ("M", "N"):
        return "!!str", s
    # 'D' and 'S': int, float or timestamp. An untagged timestamp resolves to
    # itself (go-yaml keeps the text when decoding into interface{}), and no
    # timestamp parses as a number, so only an explicit !!timestamp needs the check.
    if tag == "!!timestamp" and _is_timestamp(s):
        return "!!timestamp", s
    plain = s.replace("_", "")
    value, _ = _parse_int(plain)
    if value is not None:
        return "!!int", value
    value, uint_error = _parse_uint(plain)
    if value is not None:
        return "!!int", value
    if _YAML_STYLE_FLOAT.fullmatch(plain):
        number = float(plain)
        if not math.isinf(number):
            return "!!float", number
    if plain.startswith("0b"):
        value, _ = _parse_int(plain[2:], 2)
        if value is None:
            value, _ = _parse_uint(plain[2:], 2)
        if value is not None:
            return "!!int", value
    elif plain.startswith("-0b"):
        value, _ = _parse_int("-" + plain[3:], 2)
        if value is not None:
            return "!!int", value
    if uint_error == "range":
        big = _big_set_string(plain)
        if big is not None:
            return "!!int", big
    return "!!str", s


# --- the JSON round trip ------------------------------------------------------------------


def _json_value(value: Any, text: str) -> Any:
    """A resolved Go value (written as text) after json.Marshal and apimachinery's
    unstructured decoding."""
    kind = type(value)
    if kind is int:
        if _INT64_MIN <= value <= _INT64_MAX:
            return value
        try:  # uint64 or *big.Int: its JSON digits decode as a float64
            return float(value)
        except OverflowError:
            message = f"json: cannot unmarshal number {_short(text)} into Go value of type float64"
            raise _Fail(message) from None
    if kind is float:
        if math.isnan(value):
            raise _Fail("json: unsupported value: NaN")
        if math.isinf(value):
            raise _Fail("json: unsupported value: " + ("+Inf" if value > 0 else "-Inf"))
        # encoding/json writes an integral float64 below 1e21 without a fraction
        # or exponent (its shortest digits, zero-padded); that text decodes as an
        # int64 when it fits.
        if value.is_integer() and abs(value) < 1e21:
            whole = int(value) if abs(value) < 2**53 else int(Decimal(repr(value)))
            if _INT64_MIN <= whole <= _INT64_MAX:
                return whole
        return value
    return value


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _go_repr(value: Any) -> str:
    """fmt's %#v of a decoded map key, for go-yaml's messages."""
    if value is None:
        return "<nil>"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _key_string(go_value: Any, text: str) -> str:
    """sigs.k8s.io/yaml convertToJSONableObject: a decoded map key (written as text) as a JSON key."""
    kind = type(go_value)
    if kind is str:
        return go_value
    if kind is bool:
        return "true" if go_value else "false"
    if kind is int:
        if _INT64_MIN <= go_value <= _INT64_MAX:
            return str(go_value)
        if 0 <= go_value <= _UINT64_MAX:
            raise _Fail(f"unsupported map key of type: uint64, key: {go_value:#x}")
        raise _Fail(f"unsupported map key of type: *big.Int, key: {_short(text)}")
    if kind is float:
        text = format_float(go_value, 32)
        return {"+Inf": ".inf", "-Inf": "-.inf", "NaN": ".nan"}.get(text, text)
    raise _Fail("unsupported map key of type: <nil>, key: <nil>")


def _go_string_error(error: UnicodeDecodeError) -> tuple[str, int]:
    return "\ufffd", error.start + 1  # encoding/json: one U+FFFD per invalid byte


codecs.register_error("kuberules-go-string", _go_string_error)

_CACHE_LIMIT = 1 << 16
_value_cache: dict[str, Any] = {}
_key_cache: dict[str, tuple[str, Any]] = {}
_MISS = object()


def _plain_value(s: str) -> Any:
    """The JSON value of an untagged plain scalar (cached: manifests repeat them)."""
    value = _value_cache.get(s, _MISS)
    if value is _MISS:
        value = _json_value(_resolve_untyped("", s)[1], s)
        if len(_value_cache) < _CACHE_LIMIT:
            _value_cache[s] = value
    return value


def _plain_key(s: str) -> tuple[str, Any]:
    """(JSON key, Go value) of an untagged plain scalar used as a map key."""
    entry = _key_cache.get(s)
    if entry is None:
        go_value = _resolve_untyped("", s)[1]
        entry = (_key_string(go_value, s), go_value)
        if len(_key_cache) < _CACHE_LIMIT:
            _key_cache[s] = entry
    return entry


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_LONG):] if tag.startswith(_LONG) else tag


# --- libyaml, with our resolver -------------------------------------------------------------


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """CSafeLoader whose resolver only marks plain scalars; _Builder resolves them."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _STR
        return _MAP if kind is MappingNode else _SEQ


_NON_SPECIFIC = re.compile(r"(?:&[^ \t\r\n]+[ \t\r\n]+)?!(?:[ \t\r\n,\]}]|\Z)")
_ANCHOR_AT = re.compile(r"(?:![^ \t\r\n]*[ \t\r\n]+)?&([^ \t\r\n,\[\]{}]+)")
_ALIAS_AT = re.compile(r"\*([^ \t\r\n,\[\]{}]+)")


class _Builder:
    """Turns a composed node graph into the JSON value go-yaml v2 + sigs.k8s.io/yaml give.

    Without anchors in the text (`track=False`) the graph is a tree. With them,
    a node met again is an alias use: counted, with the number of nodes it
    expands to, and refused when it is its own ancestor (a cycle).
    """

    def __init__(self, text: str | None, limits: Limits, track: bool):
        self.text = text  # the decoded source; only needed when it has '!' or '&'
        self.bang = text is not None and "!" in text
        self.limits = limits
        self.track = track
        if track:
            self.sizes: dict[int, int] = {}
            self.active: set[int] = set()
            self.stack: list[tuple[int, int, bool]] = []
            self.count = 0
            self.depth = 0
            self.alias_depth = 0
            self.uses = 0
            self.expanded = 0

    # -- values --

    def build(self, node: Any) -> Any:
        """One Python frame per nesting level (the depth bound relies on it)."""
        cls = node.__class__
        if cls is ScalarNode:
            if self.track:
                self._scalar_use(node)
            return self.scalar(node)
        if self.track:
            self._enter(node)
        if cls is MappingNode:
            out: dict[str, Any] = {}
            explicit: set[str] | None = None
            for key_node, value_node in node.value:
                if key_node.__class__ is ScalarNode and key_node.value == "<<" and (
                        key_node.tag == _PLAIN or key_node.tag == _MERGE):
                    if explicit is None:
                        explicit = set(out)
                    self._merge(value_node, out)
                    continue
                key, go_key = self.key(key_node)
                if key in (out if explicit is None else explicit):
                    raise _Fail(f"key {_go_repr(go_key)} already set in map", key_node.start_mark)
                if explicit is not None:
                    explicit.add(key)
                out[key] = self.build(value_node)
            result: Any = out
        else:
            items: list[Any] = []
            append = items.append
            for child in node.value:
                append(self.build(child))
            result = items
        if self.track:
            self._leave()
        return result

    def scalar(self, node: Any) -> Any:
        tag = node.tag
        if tag == _PLAIN:
            # libyaml gives `! 10` (the non-specific tag) the same implicit flags
            # as plain `10`; go-yaml keeps it a string. Quoted or block scalars
            # only get here with that tag.
            if node.style or (self.bang and self._non_specific(node)):
                return node.value
            try:
                return _plain_value(node.value)
            except _Fail as failure:
                raise _Fail(failure.message, node.start_mark) from None
        if tag == _STR:
            return node.value
        try:
            return _json_value(self._tagged(node), node.value)
        except _Fail as failure:
            raise _Fail(failure.message, node.start_mark) from None

    def _tagged(self, node: Any) -> Any:
        """The Go value of an explicitly tagged scalar."""
        tag = _short_tag(node.tag)
        if tag == "!!binary":
            text = node.value.replace("\n", "").replace("\r", "")
            try:
                data = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                raise _Fail("!!binary value contains invalid base64 data") from None
            return data.decode("utf-8", "kuberules-go-string")
        if tag not in _RESOLVABLE:
            return node.value  # !!merge, !!map on a scalar, !custom: the text
        return _resolve(tag, node.value)[1]

    def _non_specific(self, node: Any) -> bool:
        assert self.text is not None
        return _NON_SPECIFIC.match(self.text, node.start_mark.index) is not None

    # -- keys --

    def key(self, node: Any) -> tuple[str, Any]:
        """(JSON key, Go value) of a map key node."""
        if node.__class__ is not ScalarNode:
            if self.track:
                self._enter(node)
                self._leave()
            kind = "map[interface {}]interface {}" if node.__class__ is MappingNode else "[]interface {}"
            raise _Fail(f"invalid map key: {kind}", node.start_mark)
        if self.track:
            self._scalar_use(node)
        tag = node.tag
        try:
            if tag == _PLAIN and not (node.style or (self.bang and self._non_specific(node))):
                return _plain_key(node.value)
            if tag in (_PLAIN, _STR):
                return node.value, node.value
            go_value = self._tagged(node)
            return _key_string(go_value, node.value), go_value
        except _Fail as failure:
            raise _Fail(failure.message, node.start_mark) from None

    # -- merges (go-yaml v2 decoder.merge) --

    def _merge(self, node: Any, out: dict[str, Any]) -> None:
        if node.__class__ is MappingNode:
            self._fill(node, out)
        elif node.__class__ is SequenceNode and not (self.track and id(node) in self.sizes):
            # Step backwards as earlier nodes take precedence.
            for child in reversed(node.value):
                if child.__class__ is not MappingNode:
                    raise _Fail("map merge requires map or sequence of maps as the value", child.start_mark)
                self._fill(child, out)
        else:  # a scalar, or an alias of a sequence or a scalar
            raise _Fail("map merge requires map or sequence of maps as the value", node.start_mark)

    def _fill(self, node: Any, out: dict[str, Any]) -> None:
        """Decode a merged mapping into out: its writes override what out holds."""
        if self.track:
            self._enter(node)
        own: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.__class__ is ScalarNode and key_node.value == "<<" and (
                    key_node.tag == _PLAIN or key_node.tag == _MERGE):
                self._merge(value_node, out)
                continue
            key, go_key = self.key(key_node)
            if key in own:
                raise _Fail(f"key {_go_repr(go_key)} already set in map", key_node.start_mark)
            own.add(key)
            out[key] = self.build(value_node)
        if self.track:
            self._leave()

    def lookup(self, node: Any, key: str) -> tuple[Any, Any] | None:
        """The (key node, value node) that wrote `key` into this mapping's value."""
        found = None
        for key_node, value_node in self._entries(node):
            if self.key(key_node)[0] == key:
                found = (key_node, value_node)
        return found

    def _entries(self, node: Any) -> Iterator[tuple[Any, Any]]:
        """The entries of a mapping in the order go-yaml writes them (merges in place)."""
        for key_node, value_node in node.value:
            if key_node.__class__ is ScalarNode and key_node.value == "<<" and (
                    key_node.tag == _PLAIN or key_node.tag == _MERGE):
                sources = [value_node] if value_node.__class__ is MappingNode else reversed(value_node.value)
                for source in sources:
                    yield from self._entries(source)
            else:
                yield key_node, value_node

    # -- alias accounting (track=True) --

    def _scalar_use(self, node: Any) -> None:
        ident = id(node)
        if ident in self.sizes:
            self._alias_use(node, 1)
        else:
            self.sizes[ident] = 1
        self.count += 1

    def _enter(self, node: Any) -> None:
        ident = id(node)
        if ident in self.active:
            raise _Fail(f"anchor '{self._anchor_name(node)}' value contains itself", node.start_mark)
        size = self.sizes.get(ident)
        alias = size is not None
        if alias:
            self._alias_use(node, size)
            self.alias_depth += 1
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise _Fail(f"exceeded max depth of {self.limits.max_depth}", node.start_mark)
        self.active.add(ident)
        self.stack.append((ident, self.count, alias))

    def _leave(self) -> None:
        ident, start, alias = self.stack.pop()
        self.count += 1
        self.sizes.setdefault(ident, self.count - start)
        self.active.discard(ident)
        self.depth -= 1
        if alias:
            self.alias_depth -= 1

    def _alias_use(self, node: Any, size: int) -> None:
        if self.alias_depth:
            return  # already paid for by the enclosing alias
        self.uses += 1
        self.expanded += size
        limits = self.limits
        if self.uses > limits.max_alias_uses:
            raise _Fail(f"document contains excessive aliasing: more than {limits.max_alias_uses} alias uses",
                        node.start_mark)
        if self.expanded > limits.max_alias_nodes:
            raise _Fail("document contains excessive aliasing: aliases expand to more than "
                        f"{limits.max_alias_nodes} nodes (anchor '{self._anchor_name(node)}')",
                        node.start_mark)

    def _anchor_name(self, node: Any) -> str:
        match = _ANCHOR_AT.match(self.text or "", node.start_mark.index)
        return match[1] if match else "?"


# --- composing: libyaml's composer, or ours over its events ----------------------------------


class _DuplicateAnchor(Exception):
    pass


def _compose_events(loader: Any, max_depth: int) -> Iterator[Any]:
    """Compose documents from libyaml events, iteratively, with a depth bound.

    Used when the text may nest deeper than the bound (libyaml's composer
    recurses in C) and when an anchor is defined twice (YAML allows it and
    go-yaml takes the latest; PyYAML's composer refuses).
    """
    resolve = loader.resolve
    while True:
        event = loader.get_event()
        if isinstance(event, StreamStartEvent):
            continue
        if isinstance(event, StreamEndEvent):
            return
        assert isinstance(event, DocumentStartEvent)
        anchors: dict[str, Any] = {}
        stack: list[list[Any]] = []  # [node, pending key node | None]
        root = None
        while True:
            event = loader.get_event()
            if isinstance(event, DocumentEndEvent):
                break
            if isinstance(event, (MappingEndEvent, SequenceEndEvent)):
                node = stack.pop()[0]
                node.end_mark = event.end_mark
            else:
                if isinstance(event, AliasEvent):
                    node = anchors.get(event.anchor)
                    if node is None:
                        raise _Fail(f"unknown anchor '{event.anchor}' referenced", event.start_mark)
                elif isinstance(event, ScalarEvent):
                    tag = event.tag
                    if tag is None or tag == "!":
                        tag = resolve(ScalarNode, event.value, event.implicit)
                    node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
                else:
                    kind = MappingNode if isinstance(event, MappingStartEvent) else SequenceNode
                    tag = event.tag
                    if tag is None or tag == "!":
                        tag = resolve(kind, None, event.implicit)
                    node = kind(tag, [], event.start_mark, None, event.flow_style)
                if not isinstance(event, AliasEvent) and event.anchor is not None:
                    anchors[event.anchor] = node
                if stack:
                    parent = stack[-1]
                    if parent[0].__class__ is SequenceNode:
                        parent[0].value.append(node)
                    elif parent[1] is None:
                        parent[1] = node
                    else:
                        parent[0].value.append((parent[1], node))
                        parent[1] = None
                else:
                    root = node
                if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
                    stack.append([node, None])
                    if len(stack) > max_depth:
                        raise _Fail(f"exceeded max depth of {max_depth}", event.start_mark)
        yield root


def _compose_all(source: bytes | str, events: bool, max_depth: int) -> Iterator[Any]:
    loader = _Loader(source)
    try:
        if events:
            yield from _compose_events(loader, max_depth)
            return
        while True:
            try:
                if not loader.check_node():
                    return
                node = loader.get_node()
            except yaml.composer.ComposerError as err:
                if err.context and "duplicate anchor" in err.context:
                    raise _DuplicateAnchor from None
                raise
            yield node
    finally:
        loader.dispose()


def _recompose(source: bytes | str, index: int, events: bool) -> Any:
    for i, node in enumerate(_compose_all(source, events, 1 << 30)):
        if i == index:
            return node
    raise AssertionError("a loaded document can be composed again")  # pragma: no cover


def _text_of(source: bytes | str) -> str | None:
    """The decoded source when a builder needs it (a '!' or '&' in it), else None."""
    if isinstance(source, str):
        return source if ("!" in source or "&" in source) else None
    if b"!" in source or b"&" in source:
        return source.decode("utf-8", "replace")
    return None


# --- the cheap depth bound -------------------------------------------------------------------
#
# Nesting comes from flow brackets (at most one level per '[' or '{' in the
# text) and from block collections. A nested block collection starts at a
# greater column than its parent, except a sequence written at its parent
# key's column, so block depth <= 2 * (greatest start column + 1). A block
# collection starts within a line's leading run of spaces and `- `, `? `, `: `
# indicators. When brackets plus that bound stay within the limit, libyaml's
# recursive composer is safe; otherwise our event composer counts exactly.

_PREFIX_UNIT = rb"(?:[ \t]|[-?:](?=[ \t]))"
_prefix_patterns: dict[tuple[int, bool], re.Pattern] = {}


def _maybe_too_deep(source: bytes | str, max_depth: int) -> bool:
    is_bytes = isinstance(source, bytes)
    brackets = source.count(b"[" if is_bytes else "[") + source.count(b"{" if is_bytes else "{")
    longest_safe_prefix = (max_depth - 2 - brackets) // 2
    if longest_safe_prefix < 0:
        return True
    key = (longest_safe_prefix, is_bytes)
    pattern = _prefix_patterns.get(key)
    if pattern is None:
        regex = b"^" + _PREFIX_UNIT + b"{" + str(longest_safe_prefix + 1).encode() + b"}"
        pattern = re.compile(regex if is_bytes else regex.decode(), re.M)
        if len(_prefix_patterns) < 4096:
            _prefix_patterns[key] = pattern
    return pattern.search(source) is not None


# --- splitting a stream into documents -------------------------------------------------------

_MARKER = re.compile(rb"^(?:\xef\xbb\xbf)?(---|\.\.\.)(?=[ \t\r\n]|\Z)", re.M)
_MARKER_S = re.compile(r"^\ufeff?(---|\.\.\.)(?=[ \t\r\n]|\Z)", re.M)
# Anything but blank lines, comments and directives.
_CONTENT = re.compile(rb"^[ \t]*[^ \t\r\n#%]", re.M)
_CONTENT_S = re.compile(r"^[ \t]*[^ \t\r\n#%]", re.M)
# A `---` line with nothing after the marker but a comment.
_BARE_START = re.compile(rb"(?:\xef\xbb\xbf)?---[ \t]*(?:#[^\n]*)?\r?(?:\n|\Z)")
_BARE_START_S = re.compile(r"\ufeff?---[ \t]*(?:#[^\n]*)?\r?(?:\n|\Z)")


def _split(source: bytes | str) -> Iterator[tuple[int, int]]:
    """(start, end) of each piece of the stream that has document content."""
    is_bytes = isinstance(source, bytes)
    marker, content, bare = (_MARKER, _CONTENT, _BARE_START) if is_bytes else (_MARKER_S, _CONTENT_S,
                                                                              _BARE_START_S)
    newline = b"\n" if is_bytes else "\n"

    def has_content(start: int, end: int) -> bool:
        head = bare.match(source, start, end)
        return content.search(source, head.end() if head else start, end) is not None

    start = 0
    for match in marker.finditer(source):
        at = match.start()
        if match.group(1) in (b"---", "---"):
            # Directives and comments before `---` belong to its document.
            if at > start and content.search(source, start, at):
                if has_content(start, at):
                    yield start, at
                start = at
        else:
            end = source.find(newline, match.end())
            end = len(source) if end < 0 else end + 1
            if has_content(start, end):
                yield start, end
            start = end
    if start < len(source) and has_content(start, len(source)):
        yield start, len(source)


# --- the loader --------------------------------------------------------------------------


def load_stream(data: bytes | str, name: str, *, limits: Limits = DEFAULT_LIMITS,
                objects: bool = True, keep_nodes: bool = False) -> list[LoadedDocument | LoadError]:
    """Every non-empty document of a YAML or JSON stream, in order, or its error.

    A null document (empty, only comments, or `null`) is skipped, as kubectl
    skips it. A document that is not a mapping, or has no `apiVersion` or
    `kind`, is a LoadError (with `objects=False` any JSON value is a
    document). Errors that concern the whole input (too large, not decodable
    UTF-16) are a single LoadError at line 1.

    With `keep_nodes` each document keeps the nodes it was built from, so its
    `position()` calls cost no second parse: for a caller that reports on a
    file's documents and then lets them go (several times the memory of the
    objects while they live).
    """
    if not isinstance(data, (bytes, str)):
        data = bytes(data)  # bytearray, memoryview
    size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)
    if size > limits.max_file_bytes:
        return [LoadError(name, 1, 1, f"file is {size} bytes, larger than the limit of "
                                      f"{limits.max_file_bytes} bytes ({_mib(limits.max_file_bytes)})")]
    try:
        source, base = _source_of(data)
    except UnicodeDecodeError as err:
        return [LoadError(name, 1, 1, f"invalid UTF-16 at byte offset {err.start}: {err.reason}")]
    results: list[LoadedDocument | LoadError] = []
    newline = b"\n" if isinstance(source, bytes) else "\n"
    line, counted = 0, 0
    # Parsing allocates many objects that all survive (the result) and form no
    # cycles; the cyclic GC would walk them again and again (ten times the parse
    # time on a 1 MB document, for PyYAML's own loader too). Pause it, as the
    # caller left it.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for start, end in _split(source):
            line += source.count(newline, counted, start)
            counted = start
            where = _Where(line, 0, base + start)
            if end - start > limits.max_document_bytes:
                limit = limits.max_document_bytes
                message = f"document is {end - start} bytes, larger than the limit of {limit} bytes"
                results.append(where.error(name, None, message))
                continue
            piece = source[start:end]
            bom = _BOM_B if isinstance(piece, bytes) else "\ufeff"
            if piece.startswith(bom):  # a document prefix may start with a BOM (YAML 1.2)
                piece, where = piece[len(bom):], _Where(line, 0, where.offset + len(bom))
            _load_piece(piece, where, name, limits, results, objects, keep_nodes)
    finally:
        if collecting:
            gc.enable()
    return results


_BOM_B = b"\xef\xbb\xbf"


def _source_of(data: bytes | str) -> tuple[bytes | str, int]:
    """The text to parse (UTF-16 decoded, BOM dropped) and its offset within data."""
    if isinstance(data, bytes):
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return data.decode("utf-16"), 0
        if data[:3] == _BOM_B:
            return data[3:], 3
    elif data[:1] == "\ufeff":
        return data[1:], 0
    return data, 0


def locator(doc: LoadedDocument) -> tuple:
    """A small tuple from which `relocate` rebuilds doc's positions out of its file's data.

    For a caller that sets documents aside (without their source text) and may
    need a position later; plain values, so it can be marshalled.
    """
    where = doc._where
    return (where.line, where.column, where.offset, len(doc._source), doc._index, doc._events)


def relocate(data: bytes | str, name: str, line: int, place: tuple) -> LoadedDocument:
    """The document at `place` (from `locator`) of data, for `position()` only (its object is None)."""
    source, base = _source_of(data)
    where_line, where_column, offset, length, index, events = place
    start = offset - base
    where = _Where(where_line, where_column, offset)
    return LoadedDocument(None, name, line, source[start:start + length], where, index, events)


def _mib(n: int) -> str:
    return f"{n / MiB:g} MiB"


def _load_piece(piece: bytes | str, where: _Where, name: str, limits: Limits,
                results: list[LoadedDocument | LoadError], objects: bool, keep_nodes: bool) -> None:
    """Load the documents of one piece of the stream (usually one) into results."""
    while True:
        events = _maybe_too_deep(piece, limits.max_depth)
        mark = len(results)
        try:
            rest = _load_documents(piece, where, name, limits, events, results, objects, keep_nodes)
        except _DuplicateAnchor:
            del results[mark:]
            rest = _load_documents(piece, where, name, limits, True, results, objects, keep_nodes)
        if rest is None:
            return
        piece, where = rest


def _load_documents(piece: bytes | str, where: _Where, name: str, limits: Limits, events: bool,
                    results: list[LoadedDocument | LoadError], objects: bool, keep_nodes: bool,
                    ) -> tuple[bytes | str, _Where] | None:
    """Append the piece's documents; return the unread rest when a JSON stream goes on."""
    text = _text_of(piece)
    track = text is not None and "&" in text
    index = 0
    nodes = _compose_all(piece, events, limits.max_depth)
    while True:
        try:
            node = next(nodes, None)
        except yaml.MarkedYAMLError as err:
            rest = _json_stream_rest(piece, where, err, index)
            if rest is not None:
                return rest
            results.append(_syntax_error(piece, where, name, err))
            return None
        except yaml.reader.ReaderError as err:
            results.append(_reader_error(piece, where, name, err))
            return None
        except _Fail as failure:
            results.append(where.error(name, failure.mark, failure.message))
            return None
        except RecursionError:  # pragma: no cover - the depth bound keeps us well below the limit
            results.append(where.error(name, None, f"exceeded max depth of {limits.max_depth}"))
            return None
        if node is None:
            return None
        doc_index, index = index, index + 1
        try:
            value = _Builder(text, limits, track).build(node)
        except _Fail as failure:
            results.append(where.error(name, failure.mark, failure.message))
            continue
        except RecursionError:  # pragma: no cover
            results.append(where.error(name, node.start_mark, f"exceeded max depth of {limits.max_depth}"))
            continue
        if value is None:
            continue  # an empty document
        problem = _not_an_object(value, node) if objects else None
        if problem is not None:
            results.append(where.error(name, problem[1], problem[0]))
            continue
        line = where.point(node.start_mark)[0]
        document = LoadedDocument(value, name, line, piece, where, doc_index, events)
        if keep_nodes:
            document._cache["root"] = node
        results.append(document)


def _not_an_object(value: Any, node: Any) -> tuple[str, Any] | None:
    if type(value) is not dict:
        return "document is not a mapping", node.start_mark
    for field_name in ("kind", "apiVersion"):
        field_value = value.get(field_name)
        if field_value is None or field_value == "":
            return f"document has no {field_name}", node.start_mark
        if type(field_value) is not str:
            marks = [v.start_mark for k, v in node.value
                     if k.__class__ is ScalarNode and k.value == field_name]
            return f"document {field_name} is not a string", (marks[-1] if marks else node.start_mark)
    return None


def _syntax_error(piece: bytes | str, where: _Where, name: str, err: Any) -> LoadError:
    mark = err.problem_mark or err.context_mark
    message = err.problem or err.context or "unknown problem parsing YAML content"
    if message == "found undefined alias" and mark is not None:
        match = _ALIAS_AT.match(_decoded(piece), mark.index)
        message = f"unknown anchor '{match[1] if match else '?'}' referenced"
    return where.error(name, mark, message)


def _reader_error(piece: bytes | str, where: _Where, name: str, err: Any) -> LoadError:
    offset = err.position  # a byte offset into the UTF-8 form of the piece
    line, column = where.at_byte(piece, offset)
    if isinstance(piece, bytes):
        at = f"byte offset {where.offset + offset}"
    else:  # decoded from UTF-16 (or given as str): count characters
        before = piece.encode("utf-8", "surrogatepass")[:offset].decode("utf-8", "ignore")
        at = f"character offset {where.offset + len(before)}"
    if "UTF-8" in err.reason or "Unicode" in err.reason:
        message = f"invalid UTF-8 at {at}: {err.reason}"
    else:
        character = f"#x{err.character:04x}" if isinstance(err.character, int) else repr(err.character)
        message = f"{err.reason}: character {character} at {at}"
    return LoadError(name, line, column, message)


def _decoded(piece: bytes | str) -> str:
    return piece if isinstance(piece, str) else piece.decode("utf-8", "replace")


def _json_stream_rest(piece: bytes | str, where: _Where, err: Any, index: int,
                      ) -> tuple[bytes | str, _Where] | None:
    """After `{...}` another value without `---`: a JSON stream (kubectl reads those)."""
    mark = err.problem_mark
    if index == 0 or mark is None or err.problem != "did not find expected <document start>":
        return None
    first = piece.lstrip()[:1]
    if first not in (b"{", b"[", "{", "["):
        return None
    if isinstance(piece, bytes):
        text = piece.decode("utf-8", "surrogateescape")
        cut = len(text[:mark.index].encode("utf-8", "surrogateescape"))
    else:
        cut = mark.index
    if cut <= 0:
        return None
    line, column = where.point(mark)
    return piece[cut:], _Where(line - 1, column - 1, where.offset + cut)
