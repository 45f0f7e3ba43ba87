"""CEL's string functions and the Kubernetes strings extension."""

from __future__ import annotations

import re
from functools import lru_cache

import re2

from ..errors import EvalError
from ..runtime.values import type_name
from . import function, method
from .conversions import to_string

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False


@lru_cache(maxsize=256)
def compile_regex(pattern: str):
    """RE2 has CEL's regex dialect and matches in linear time, so a
    hostile pattern or subject cannot hang an evaluation."""
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as err:
        detail = err.args[0].decode() if err.args and isinstance(err.args[0], bytes) else str(err)
        raise EvalError("invalid_argument", f"invalid regular expression {pattern!r}: {detail}") from None


def _str(value: object, op: str) -> str:
    if type(value) is not str:
        raise EvalError("no_such_overload", f"no such overload: {op} expects a string")
    return value


def _int(value: object, op: str) -> int:
    if type(value) is not int:
        raise EvalError("no_such_overload", f"no such overload: {op} expects an int")
    return value


@method("startsWith", "string", ("string",), "bool")
def starts_with(s: str, prefix: str) -> bool:
    return s.startswith(_str(prefix, "startsWith"))


@method("endsWith", "string", ("string",), "bool")
def ends_with(s: str, suffix: str) -> bool:
    return s.endswith(_str(suffix, "endsWith"))


@method("contains", "string", ("string",), "bool")
def contains(s: str, part: str) -> bool:
    return _str(part, "contains") in s


@method("matches", "string", ("string",), "bool")
def string_matches(s: str, pattern: str) -> bool:
    return compile_regex(_str(pattern, "matches")).search(s) is not None


@function("matches", ("string", "string"), "bool")
def matches(s: str, pattern: str) -> bool:
    return string_matches(_str(s, "matches"), pattern)


@method("lowerAscii", "string", (), "string")
def lower_ascii(s: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in s)


@method("upperAscii", "string", (), "string")
def upper_ascii(s: str) -> str:
    return "".join(chr(ord(c) - 32) if "a" <= c <= "z" else c for c in s)


@method("trim", "string", (), "string")
def trim(s: str) -> str:
    return s.strip()


@method("replace", "string", ("string", "string", "int"), "string", optional=1)
def replace(s: str, old: str, new: str, count: int = -1) -> str:
    return s.replace(_str(old, "replace"), _str(new, "replace"), _int(count, "replace"))


@method("split", "string", ("string", "int"), "list", optional=1)
def split(s: str, sep: str, limit: int = -1) -> list[str]:
    sep, limit = _str(sep, "split"), _int(limit, "split")
    if limit == 0:
        return []
    if sep == "":
        chars = list(s)
        if limit > 0 and len(chars) > limit:
            chars = [*chars[: limit - 1], "".join(chars[limit - 1 :])]
        return chars
    return s.split(sep, limit - 1 if limit > 0 else -1)


@method("indexOf", "string", ("string",), "int")
def index_of(s: str, part: str) -> int:
    return s.find(_str(part, "indexOf"))


@method("lastIndexOf", "string", ("string",), "int")
def last_index_of(s: str, part: str) -> int:
    return s.rfind(_str(part, "lastIndexOf"))


@method("substring", "string", ("int", "int"), "string", optional=1)
def substring(s: str, start: int, end: int | None = None) -> str:
    start = _int(start, "substring")
    end = len(s) if end is None else _int(end, "substring")
    if not 0 <= start <= end <= len(s):
        raise EvalError("index_out_of_range", f"substring({start}, {end}) out of range for size {len(s)}")
    return s[start:end]


@method("charAt", "string", ("int",), "string")
def char_at(s: str, i: int) -> str:
    i = _int(i, "charAt")
    if not 0 <= i <= len(s):
        raise EvalError("index_out_of_range", f"charAt({i}) out of range for size {len(s)}")
    return s[i : i + 1]


@method("join", "list", ("string",), "string", optional=1)
def join(items: list, sep: str = "") -> str:
    sep = _str(sep, "join")
    for item in items:
        if type(item) is not str:
            raise EvalError("no_such_overload", "join() needs a list of strings")
    return sep.join(items)


_VERB = re.compile(r"%(?:\.([0-9]+))?([sdf%])")


@method("format", "string", ("list",), "string")
def string_format(template: str, args: list) -> str:
    """printf-style formatting, the subset of cel-go's ext.Strings format that
    Kubernetes messages use: %s (as string()), %d (int), %f and %.Nf (Go's %f,
    6 decimals by default), %%."""
    values = iter(args)

    def verb(m: re.Match) -> str:
        precision, kind = m.group(1), m.group(2)
        if kind == "%":
            return "%"
        try:
            value = next(values)
        except StopIteration:
            raise EvalError("invalid_argument", f"format: too few arguments for {template!r}") from None
        if kind == "s":
            return to_string(value)
        if kind == "d":
            if type(value) is not int:
                raise EvalError("invalid_argument", f"format: %d needs an int, not {type_name(value)}")
            return str(value)
        if type(value) not in (int, float):
            raise EvalError("invalid_argument", f"format: %f needs a number, not {type_name(value)}")
        return f"{float(value):.{int(precision) if precision else 6}f}"

    out = _VERB.sub(verb, template)
    if next(values, _END) is not _END:
        raise EvalError("invalid_argument", f"format: too many arguments for {template!r}")
    return out


_END = object()
