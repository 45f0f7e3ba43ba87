"""Label selectors, ported from k8s.io/apimachinery/pkg/labels/selector.go.

Also LabelSelectorAsSelector from pkg/apis/meta/v1/helpers.go. Errors carry
upstream's messages: the parser's own texts, and NewRequirement's field.Error
list printed as utilerrors.Aggregate prints it, with Go's quoting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum, auto
from typing import Any

from .names import is_qualified_name, is_valid_label_value


class SelectorError(ValueError):
    """A selector string or LabelSelector is invalid."""


class Operator(StrEnum):
    """selection.Operator, the relations a label Requirement supports."""

    IN = "in"
    NOT_IN = "notin"
    EQUALS = "="
    DOUBLE_EQUALS = "=="
    NOT_EQUALS = "!="
    GREATER_THAN = "gt"
    LESS_THAN = "lt"
    EXISTS = "exists"
    DOES_NOT_EXIST = "!"


# Upstream's binaryOperators and validRequirementOperators, in the order its errors list them.
_BINARY_OPERATORS = (
    Operator.IN, Operator.NOT_IN, Operator.EQUALS, Operator.DOUBLE_EQUALS,
    Operator.NOT_EQUALS, Operator.GREATER_THAN, Operator.LESS_THAN,
)
_VALID_OPERATORS = (*_BINARY_OPERATORS, Operator.EXISTS, Operator.DOES_NOT_EXIST)
_SYMBOLS = {
    Operator.EQUALS: "=", Operator.DOUBLE_EQUALS: "==", Operator.NOT_EQUALS: "!=",
    Operator.GREATER_THAN: ">", Operator.LESS_THAN: "<",
}
# metav1.LabelSelectorOperator to selection.Operator.
_LABEL_SELECTOR_OPERATORS = {
    "In": Operator.IN, "NotIn": Operator.NOT_IN,
    "Exists": Operator.EXISTS, "DoesNotExist": Operator.DOES_NOT_EXIST,
}


@dataclass(frozen=True)
class Requirement:
    """One `key operator values` term of a selector (labels.Requirement).

    `Requirement.new` validates like NewRequirement; the plain constructor,
    like a Go struct literal, does not.
    """

    key: str
    operator: str
    values: tuple[str, ...] = ()

    @classmethod
    def new(cls, key: str, operator: str, values: Sequence[str] | None = ()) -> Requirement:
        """NewRequirement. `values=None` is Go's nil slice, shown as null in errors."""
        if isinstance(values, str):
            raise TypeError("values must be a sequence of strings, not a string")
        errors = _requirement_errors(key, operator, values)
        if errors:
            raise SelectorError(_aggregate(errors))
        return cls(key, Operator(operator), tuple(values or ()))

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Requirement.Matches: a missing key satisfies only notin, != and !.

        Label values are strings in Kubernetes; a value of another type (from
        loosely typed YAML) equals no requirement value and parses as no integer.
        """
        op, present = self.operator, self.key in labels
        if op in (Operator.IN, Operator.EQUALS, Operator.DOUBLE_EQUALS):
            return present and labels[self.key] in self.values
        if op in (Operator.NOT_IN, Operator.NOT_EQUALS):
            return not present or labels[self.key] not in self.values
        if op == Operator.EXISTS:
            return present
        if op == Operator.DOES_NOT_EXIST:
            return not present
        if op in (Operator.GREATER_THAN, Operator.LESS_THAN) and present and len(self.values) == 1:
            have, want = _parse_int64(labels[self.key]), _parse_int64(self.values[0])
            if have is not None and want is not None:
                return have > want if op == Operator.GREATER_THAN else have < want
        return False

    def __str__(self) -> str:
        """Requirement.String: values sorted, set operators with parentheses."""
        op = self.operator
        if op == Operator.EXISTS:
            return self.key
        if op == Operator.DOES_NOT_EXIST:
            return "!" + self.key
        values = self.values[0] if len(self.values) == 1 else ",".join(sorted(self.values))
        if op in (Operator.IN, Operator.NOT_IN):
            return f"{self.key} {op} ({values})"
        return self.key + _SYMBOLS.get(op, "") + values


@dataclass(frozen=True)
class Selector:
    """labels.Selector: the AND of its requirements, or upstream's Nothing().

    Everything() (no requirements) matches every label set; Nothing() matches
    none. Both print as "".
    """

    requirements: tuple[Requirement, ...] = ()
    selects_nothing: bool = False

    @classmethod
    def everything(cls) -> Selector:
        """labels.Everything()."""
        return cls()

    @classmethod
    def nothing(cls) -> Selector:
        """labels.Nothing()."""
        return cls(selects_nothing=True)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Selector.Matches."""
        return not self.selects_nothing and all(r.matches(labels) for r in self.requirements)

    def empty(self) -> bool:
        """Selector.Empty: true when the selector does not restrict anything."""
        return not self.selects_nothing and not self.requirements

    def add(self, *requirements: Requirement) -> Selector:
        """Selector.Add: a new selector with the requirements, sorted by key."""
        if self.selects_nothing:
            return self
        return Selector(_by_key((*self.requirements, *requirements)))

    def __str__(self) -> str:
        """Selector.String: the requirements joined by commas."""
        return ",".join(map(str, self.requirements))


def parse_selector(text: str) -> Selector:
    """labels.Parse: the selector a string denotes; "" selects everything.

    Grammar: requirements separated by ',', each `[!] KEY` or `KEY op VALUE`
    with op one of = == != > <, or `KEY in|notin (VALUES)`. Whitespace is
    space, tab, CR and LF; `in`/`notin` are keywords only where an operator
    is expected.
    """
    return Selector(_by_key(_Parser(text).parse()))


def selector_from_label_selector(obj: Mapping[str, Any] | None) -> Selector:
    """metav1.LabelSelectorAsSelector: None selects nothing, {} everything.

    `obj` is a LabelSelector as decoded from YAML or JSON. Values of the wrong
    JSON type are rejected here, where upstream rejects them while decoding.
    """
    if obj is None:
        return Selector.nothing()
    match_labels = _decoded(obj.get("matchLabels"), Mapping, "matchLabels")
    expressions = _decoded(obj.get("matchExpressions"), list, "matchExpressions")
    if not match_labels and not expressions:
        return Selector.everything()
    requirements = [
        Requirement.new(_decoded(key, str, "matchLabels key"), Operator.EQUALS,
                        [_decoded(value, str, f"matchLabels[{key}]")])
        for key, value in match_labels.items()
    ]
    for i, expression in enumerate(expressions):
        where = f"matchExpressions[{i}]"
        requirements.append(_expression_requirement(_decoded(expression, Mapping, where), where))
    return Selector().add(*requirements)


def _expression_requirement(expression: Mapping[str, Any], where: str) -> Requirement:
    name = _decoded(expression.get("operator"), str, f"{where}.operator")
    operator = _LABEL_SELECTOR_OPERATORS.get(name)
    if operator is None:
        raise SelectorError(f"{_go_quote(name)} is not a valid label selector operator")
    raw_values = _decoded(expression.get("values"), list, f"{where}.values")
    values = [_decoded(v, str, f"{where}.values[{j}]") for j, v in enumerate(raw_values)]
    key = _decoded(expression.get("key"), str, f"{where}.key")
    # append([]string(nil), expr.Values...) is nil when there are no values.
    return Requirement.new(key, operator, values or None)


def _decoded(value: object, expected: type, what: str) -> Any:
    """What JSON decoding leaves: null is the zero value, another type is an error."""
    if value is None:
        return {} if expected is Mapping else expected()
    if not isinstance(value, expected):
        raise SelectorError(f"{what}: expected {expected.__name__}, got {type(value).__name__}")
    return value


def _by_key(requirements: Sequence[Requirement]) -> tuple[Requirement, ...]:
    # sort.Sort(ByKey); Go's sort is stable only up to 12 elements, Python's always.
    return tuple(sorted(requirements, key=lambda r: r.key))


# --- validation (NewRequirement, validateLabelKey, validateLabelValue) ---------------


# How many values each operator takes, and NewRequirement's detail when the count is wrong.
_VALUE_COUNTS = (
    ((Operator.IN, Operator.NOT_IN), lambda n: n > 0,
     "for 'in', 'notin' operators, values set can't be empty"),
    ((Operator.EQUALS, Operator.DOUBLE_EQUALS, Operator.NOT_EQUALS), lambda n: n == 1,
     "exact-match compatibility requires one single value"),
    ((Operator.EXISTS, Operator.DOES_NOT_EXIST), lambda n: n == 0,
     "values set must be empty for exists and does not exist"),
    ((Operator.GREATER_THAN, Operator.LESS_THAN), lambda n: n == 1,
     "for 'Gt', 'Lt' operators, exactly one value is required"),
)
_NOT_AN_INTEGER = "for 'Gt', 'Lt' operators, the value must be an integer"


def _requirement_errors(key: str, operator: str, values: Sequence[str] | None) -> list[str]:
    """NewRequirement's field errors, in upstream's order."""
    errors = []
    if key_errors := is_qualified_name(key):
        errors.append(_invalid("key", _go_quote(key), "; ".join(key_errors)))
    vals = list(values or ())
    rule = next((r for r in _VALUE_COUNTS if operator in r[0]), None)
    if rule is None:
        supported = "supported values: " + ", ".join(map(_go_quote, _VALID_OPERATORS))
        errors.append(f"operator: Unsupported value: {_go_json_string(operator)}: {supported}")
    elif not rule[1](len(vals)):
        errors.append(_invalid("values", _go_json_list(values), rule[2]))
    if operator in (Operator.GREATER_THAN, Operator.LESS_THAN):
        errors.extend(
            _invalid(f"values[{i}]", _go_quote(v), _NOT_AN_INTEGER)
            for i, v in enumerate(vals)
            if _parse_int64(v) is None
        )
    for i, v in enumerate(vals):
        if value_errors := is_valid_label_value(v):
            errors.append(_invalid(f"values[{i}][{key}]", _go_quote(v), "; ".join(value_errors)))
    return errors


def _invalid(field: str, shown_value: str, detail: str) -> str:
    """field.Invalid(...).Error()."""
    return f"{field}: Invalid value: {shown_value}: {detail}"


def _aggregate(messages: list[str]) -> str:
    """ErrorList.ToAggregate().Error(): duplicates dropped, several in brackets."""
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def _parse_int64(text: str) -> int | None:
    """strconv.ParseInt(text, 10, 64), or None where it returns an error (or text is no str)."""
    if not isinstance(text, str):
        return None
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or any(c not in "0123456789" for c in digits) or len(digits.lstrip("0")) > 19:
        return None  # more than 19 significant digits never fits an int64
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


_GO_QUOTE_ESCAPES = {
    "\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
}
_JSON_ESCAPES = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _go_quote(s: str) -> str:
    """strconv.Quote, which Go's %q and field errors use for strings."""
    out = []
    for ch in s:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        elif ch in _GO_QUOTE_ESCAPES:
            out.append(_GO_QUOTE_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _go_json_string(s: str) -> str:
    """encoding/json's text for a string (HTML-escaping, as json.Marshal does)."""
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in _JSON_ESCAPES:
            out.append(_JSON_ESCAPES[ch])
        elif ord(ch) < 0x20 or ch in "<>&\u2028\u2029":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _go_json_list(values: Sequence[str] | None) -> str:
    """json.Marshal of a []string; a nil slice is null."""
    if values is None:
        return "null"
    return "[" + ",".join(map(_go_json_string, values)) + "]"


# --- lexer and parser (Lexer, Parser) ------------------------------------------------


class _Token(Enum):
    END_OF_STRING = auto()
    CLOSED_PAR = auto()
    COMMA = auto()
    DOES_NOT_EXIST = auto()
    DOUBLE_EQUALS = auto()
    EQUALS = auto()
    GREATER_THAN = auto()
    IDENTIFIER = auto()
    IN = auto()
    LESS_THAN = auto()
    NOT_EQUALS = auto()
    NOT_IN = auto()
    OPEN_PAR = auto()


_WHITESPACE = " \t\r\n"
_SYMBOL_TOKENS = {
    ")": _Token.CLOSED_PAR, ",": _Token.COMMA, "!": _Token.DOES_NOT_EXIST,
    "==": _Token.DOUBLE_EQUALS, "=": _Token.EQUALS, ">": _Token.GREATER_THAN,
    "<": _Token.LESS_THAN, "!=": _Token.NOT_EQUALS, "(": _Token.OPEN_PAR,
}
_SPECIAL_SYMBOLS = "=!(),><"
_KEYWORDS = {"in": _Token.IN, "notin": _Token.NOT_IN}
_OPERATOR_TOKENS = {
    _Token.IN: Operator.IN, _Token.EQUALS: Operator.EQUALS,
    _Token.DOUBLE_EQUALS: Operator.DOUBLE_EQUALS, _Token.GREATER_THAN: Operator.GREATER_THAN,
    _Token.LESS_THAN: Operator.LESS_THAN, _Token.NOT_IN: Operator.NOT_IN,
    _Token.NOT_EQUALS: Operator.NOT_EQUALS,
}

_Item = tuple[_Token, str]


class _Lexer:
    """Lexer: reads one character at a time, and NUL past the end.

    As upstream, a NUL character in the text therefore ends it where a token
    would start, and is swallowed where it ends one.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0

    def lex(self) -> _Item:
        ch = self._read()
        while ch in _WHITESPACE:
            ch = self._read()
        if ch == "\0":
            return _Token.END_OF_STRING, ""
        self._pos -= 1
        if ch in _SPECIAL_SYMBOLS:
            return self._scan_special_symbol()
        return self._scan_id_or_keyword()

    def _read(self) -> str:
        if self._pos < len(self._text):
            self._pos += 1
            return self._text[self._pos - 1]
        return "\0"

    def _scan_id_or_keyword(self) -> _Item:
        chars = []
        while (ch := self._read()) != "\0":
            if ch in _SPECIAL_SYMBOLS or ch in _WHITESPACE:
                self._pos -= 1
                break
            chars.append(ch)
        literal = "".join(chars)
        return _KEYWORDS.get(literal, _Token.IDENTIFIER), literal

    def _scan_special_symbol(self) -> _Item:
        # The longest run of symbols that is still a token; every single symbol is one.
        literal = self._read()
        while (ch := self._read()) != "\0":
            if ch not in _SPECIAL_SYMBOLS or literal + ch not in _SYMBOL_TOKENS:
                self._pos -= 1
                break
            literal += ch
        return _SYMBOL_TOKENS[literal], literal


class _Parser:
    """Parser: recursive descent over the scanned tokens with one token of lookahead.

    Outside an operator position `in` and `notin` are identifiers (values or keys).
    """

    def __init__(self, text: str) -> None:
        lexer = _Lexer(text)
        self._items = [lexer.lex()]
        while self._items[-1][0] is not _Token.END_OF_STRING:
            self._items.append(lexer.lex())
        self._position = 0

    def parse(self) -> list[Requirement]:
        requirements = []
        while True:
            tok, lit = self._peek()
            if tok is _Token.END_OF_STRING:
                return requirements
            if tok not in (_Token.IDENTIFIER, _Token.DOES_NOT_EXIST):
                raise SelectorError(f"found '{lit}', expected: !, identifier, or 'end of string'")
            try:
                requirements.append(self._requirement())
            except SelectorError as err:
                raise SelectorError(f"unable to parse requirement: {err}") from None
            tok, lit = self._next()
            if tok is _Token.END_OF_STRING:
                return requirements
            if tok is not _Token.COMMA:
                raise SelectorError(f"found '{lit}', expected: ',' or 'end of string'")
            tok, lit = self._peek()
            if tok not in (_Token.IDENTIFIER, _Token.DOES_NOT_EXIST):
                raise SelectorError(f"found '{lit}', expected: identifier after ','")

    def _peek(self) -> _Item:
        return _as_value(self._items[self._position])

    def _next(self, *, operator: bool = False) -> _Item:
        item = self._items[self._position]
        self._position += 1
        return item if operator else _as_value(item)

    def _requirement(self) -> Requirement:
        key, operator = self._key_and_inferred_operator()
        if operator is not None:
            return Requirement.new(key, operator, [])
        operator = self._operator()
        values = self._values() if operator in (Operator.IN, Operator.NOT_IN) else self._exact_value()
        return Requirement.new(key, operator, sorted(values))

    def _key_and_inferred_operator(self) -> tuple[str, Operator | None]:
        """The key, and Exists or DoesNotExist when no binary operator follows."""
        operator = None
        tok, lit = self._next()
        if tok is _Token.DOES_NOT_EXIST:
            operator = Operator.DOES_NOT_EXIST
            tok, lit = self._next()
        if tok is not _Token.IDENTIFIER:
            raise SelectorError(f"found '{lit}', expected: identifier")
        if errors := is_qualified_name(lit):
            # validateLabelKey with the parser's nil *field.Path, which prints as <nil>.
            raise SelectorError(_invalid("<nil>", _go_quote(lit), "; ".join(errors)))
        if operator is None and self._peek()[0] in (_Token.END_OF_STRING, _Token.COMMA):
            operator = Operator.EXISTS
        return lit, operator

    def _operator(self) -> Operator:
        tok, lit = self._next(operator=True)
        if tok not in _OPERATOR_TOKENS:
            raise SelectorError(f"found '{lit}', expected: {', '.join(_BINARY_OPERATORS)}")
        return _OPERATOR_TOKENS[tok]

    def _values(self) -> set[str]:
        """`(v1,v2,...)`; "()" and empty entries stand for the empty value."""
        tok, lit = self._next()
        if tok is not _Token.OPEN_PAR:
            raise SelectorError(f"found '{lit}' expected: '('")
        tok, lit = self._peek()
        if tok is _Token.CLOSED_PAR:
            self._next()
            return {""}
        if tok not in (_Token.IDENTIFIER, _Token.COMMA):
            raise SelectorError(f"found '{lit}', expected: ',', ')' or identifier")
        values = self._identifiers()
        self._next()  # the ')' that ended the list
        return values

    def _identifiers(self) -> set[str]:
        values: set[str] = set()
        while True:
            tok, lit = self._next()
            if tok is _Token.IDENTIFIER:
                values.add(lit)
                tok, lit = self._peek()
                if tok is _Token.CLOSED_PAR:
                    return values
                if tok is not _Token.COMMA:
                    raise SelectorError(f"found '{lit}', expected: ',' or ')'")
            elif tok is _Token.COMMA:
                if not values:
                    values.add("")  # "(," starts with an empty value
                tok, _ = self._peek()
                if tok is _Token.CLOSED_PAR:
                    values.add("")  # ",)" ends with one
                    return values
                if tok is _Token.COMMA:
                    self._next()
                    values.add("")  # ",," has one between
            else:
                raise SelectorError(f"found '{lit}', expected: ',', or identifier")

    def _exact_value(self) -> set[str]:
        tok, _ = self._peek()
        if tok in (_Token.END_OF_STRING, _Token.COMMA):
            return {""}
        tok, lit = self._next()
        if tok is not _Token.IDENTIFIER:
            raise SelectorError(f"found '{lit}', expected: identifier")
        return {lit}


def _as_value(item: _Item) -> _Item:
    """A token as read where values are expected: `in` and `notin` are identifiers."""
    tok, lit = item
    return (_Token.IDENTIFIER, lit) if tok in (_Token.IN, _Token.NOT_IN) else item


_TO_LABEL_SELECTOR = {
    Operator.IN: "In", Operator.NOT_IN: "NotIn", Operator.EXISTS: "Exists",
    Operator.DOES_NOT_EXIST: "DoesNotExist",
}


def label_selector_from_string(text: str) -> dict:
    """metav1.ParseToLabelSelector: the string form as a LabelSelector object.

    `=`/`==` become matchLabels; in, notin, exists and `!` become
    matchExpressions (values sorted); `>`/`<` and `!=` have no object form.
    """
    try:
        requirements = parse_selector(text).requirements
    except SelectorError as err:
        raise SelectorError(f'couldn\'t parse the selector string "{text}": {err}') from None
    match_labels: dict[str, str] = {}
    expressions: list[dict] = []
    for req in requirements:
        op = Operator(req.operator)
        if op in (Operator.EQUALS, Operator.DOUBLE_EQUALS):
            if len(req.values) != 1:
                raise SelectorError("equals operator must have exactly one value")
            match_labels[req.key] = req.values[0]
        elif op in (Operator.GREATER_THAN, Operator.LESS_THAN):
            raise SelectorError(f'"{op.value}" isn\'t supported in label selectors')
        elif op in _TO_LABEL_SELECTOR:
            expression = {"key": req.key, "operator": _TO_LABEL_SELECTOR[op]}
            if req.values:  # `values` is omitempty in the API object
                expression["values"] = sorted(req.values)
            expressions.append(expression)
        else:
            raise SelectorError(f'"{op.value}" is not a valid label selector operator')
    return {"matchLabels": match_labels, "matchExpressions": expressions}
