"""Tests for kuberules.k8s.labels (pkg/labels/selector.go) and kuberules.k8s.names.

Tables come from upstream's selector_test.go (k8s.io/apimachinery/pkg/labels),
helpers_test.go (pkg/apis/meta/v1) and validation_test.go (pkg/util/validation);
each table names the upstream test it was taken from. Tables marked "derived"
check messages read off the upstream source rather than an upstream test.
"""

from __future__ import annotations

import pytest

from kuberules.k8s.labels import (
    Operator,
    Requirement,
    Selector,
    SelectorError,
    _Lexer,
    _Token,
    parse_selector,
    selector_from_label_selector,
)
from kuberules.k8s.names import (
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_label_value,
)

IN, NOT_IN, EXISTS, DOES_NOT_EXIST = Operator.IN, Operator.NOT_IN, Operator.EXISTS, Operator.DOES_NOT_EXIST
EQ, DEQ, NEQ, GT, LT = (
    Operator.EQUALS, Operator.DOUBLE_EQUALS, Operator.NOT_EQUALS, Operator.GREATER_THAN, Operator.LESS_THAN,
)


def req(key: str, op: Operator, values: list[str] | None = None) -> Requirement:
    """Upstream's getRequirement: NewRequirement with the values sorted, as sets.String.List()."""
    return Requirement.new(key, op, sorted(values or []))


# TestSelectorParse: good strings re-print as themselves without spaces; bad ones fail.
GOOD_STRINGS = ["x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5"]
BAD_STRINGS = ["x=a||y=b", "x==a==b", "!x=a", "x<a"]


@pytest.mark.parametrize("text", GOOD_STRINGS, ids=map(repr, GOOD_STRINGS))
def test_selector_parse_good(text: str) -> None:
    assert str(parse_selector(text)) == text.replace(" ", "")


@pytest.mark.parametrize("text", BAD_STRINGS, ids=map(repr, BAD_STRINGS))
def test_selector_parse_bad(text: str) -> None:
    with pytest.raises(SelectorError):
        parse_selector(text)


def test_deterministic_parse() -> None:
    # TestDeterministicParse
    assert str(parse_selector("x=a,a=x")) == str(parse_selector("a=x,x=a"))


def test_everything_and_nothing() -> None:
    # TestEverything, TestSetIsEmpty, and Nothing() from selector.go.
    assert Selector.everything().matches({"x": "y"})
    assert Selector.everything().empty()
    assert parse_selector("").empty()
    assert parse_selector("") == Selector.everything()
    assert not Selector.nothing().matches({})
    assert not Selector.nothing().empty()
    assert str(Selector.nothing()) == str(Selector.everything()) == ""
    assert Selector.nothing() != Selector.everything()
    assert Selector.nothing().add(req("x", EXISTS)) == Selector.nothing()


# TestSelectorMatches (expectMatch / expectNoMatch)
LABELSET = {"foo": "bar", "baz": "blah"}
MATCHES_TABLE = [
    ("", {"x": "y"}, True),
    ("x=y", {"x": "y"}, True),
    ("x=y,z=w", {"x": "y", "z": "w"}, True),
    ("x!=y,z!=w", {"x": "z", "z": "a"}, True),
    ("notin=in", {"notin": "in"}, True),  # in and notin in exactMatch
    ("x", {"x": "z"}, True),
    ("!x", {"y": "z"}, True),
    ("x>1", {"x": "2"}, True),
    ("x<1", {"x": "0"}, True),
    ("x=z", {}, False),
    ("x=y", {"x": "z"}, False),
    ("x=y,z=w", {"x": "w", "z": "w"}, False),
    ("x!=y,z!=w", {"x": "z", "z": "w"}, False),
    ("x", {"y": "z"}, False),
    ("!x", {"x": "z"}, False),
    ("x>1", {"x": "0"}, False),
    ("x<1", {"x": "2"}, False),
    ("foo=bar", LABELSET, True),
    ("baz=blah", LABELSET, True),
    ("foo=bar,baz=blah", LABELSET, True),
    ("foo=blah", LABELSET, False),
    ("baz=bar", LABELSET, False),
    ("foo=bar,foobar=bar,baz=blah", LABELSET, False),
]


@pytest.mark.parametrize(
    ("text", "labels", "expect"),
    MATCHES_TABLE,
    ids=[f"{t!r}-{sorted(ls.items())}" for t, ls, _ in MATCHES_TABLE],
)
def test_selector_matches(text: str, labels: dict[str, str], expect: bool) -> None:
    assert parse_selector(text).matches(labels) is expect


# TestLexer: Lex returns the longest valid token found.
LEXER_TABLE = [
    ("", _Token.END_OF_STRING), (",", _Token.COMMA), ("notin", _Token.NOT_IN), ("in", _Token.IN),
    ("=", _Token.EQUALS), ("==", _Token.DOUBLE_EQUALS), (">", _Token.GREATER_THAN), ("<", _Token.LESS_THAN),
    ("!", _Token.DOES_NOT_EXIST), ("!=", _Token.NOT_EQUALS), ("(", _Token.OPEN_PAR), (")", _Token.CLOSED_PAR),
    # Non-"special" characters are considered part of an identifier
    ("~", _Token.IDENTIFIER), ("||", _Token.IDENTIFIER),
]


@pytest.mark.parametrize(("text", "token"), LEXER_TABLE, ids=[repr(t) for t, _ in LEXER_TABLE])
def test_lexer(text: str, token: _Token) -> None:
    assert _Lexer(text).lex() == (token, text)


# TestLexerSequence
T = _Token
LEXER_SEQUENCE_TABLE = [
    ("key in ( value )", [T.IDENTIFIER, T.IN, T.OPEN_PAR, T.IDENTIFIER, T.CLOSED_PAR]),
    ("key notin ( value )", [T.IDENTIFIER, T.NOT_IN, T.OPEN_PAR, T.IDENTIFIER, T.CLOSED_PAR]),
    (
        "key in ( value1, value2 )",
        [T.IDENTIFIER, T.IN, T.OPEN_PAR, T.IDENTIFIER, T.COMMA, T.IDENTIFIER, T.CLOSED_PAR],
    ),
    ("key", [T.IDENTIFIER]),
    ("!key", [T.DOES_NOT_EXIST, T.IDENTIFIER]),
    ("()", [T.OPEN_PAR, T.CLOSED_PAR]),
    ("x in (),y", [T.IDENTIFIER, T.IN, T.OPEN_PAR, T.CLOSED_PAR, T.COMMA, T.IDENTIFIER]),
    (
        "== != (), = notin",
        [T.DOUBLE_EQUALS, T.NOT_EQUALS, T.OPEN_PAR, T.CLOSED_PAR, T.COMMA, T.EQUALS, T.NOT_IN],
    ),
    ("key>2", [T.IDENTIFIER, T.GREATER_THAN, T.IDENTIFIER]),
    ("key<1", [T.IDENTIFIER, T.LESS_THAN, T.IDENTIFIER]),
]


@pytest.mark.parametrize(("text", "tokens"), LEXER_SEQUENCE_TABLE, ids=[t for t, _ in LEXER_SEQUENCE_TABLE])
def test_lexer_sequence(text: str, tokens: list[_Token]) -> None:
    lexer, got = _Lexer(text), []
    while (token := lexer.lex()[0]) is not _Token.END_OF_STRING:
        got.append(token)
    assert got == tokens


# TestRequirementConstructor
CONSTRUCTOR_TABLE = [
    ("x", IN, None, False),
    ("x", NOT_IN, [], False),
    ("x", IN, ["foo"], True),
    ("x", NOT_IN, ["foo"], True),
    ("x", EXISTS, None, True),
    ("x", DOES_NOT_EXIST, None, True),
    ("1foo", IN, ["bar"], True),
    ("1234", IN, ["bar"], True),
    ("y", GT, ["1"], True),
    ("z", LT, ["6"], True),
    ("foo", GT, ["bar"], False),
    ("barz", LT, ["blah"], False),
    ("a" * 254, EXISTS, None, False),  # breaks DNS rule that len(key) <= 253
]


@pytest.mark.parametrize(
    ("key", "op", "values", "ok"),
    CONSTRUCTOR_TABLE,
    ids=[f"{k[:8]}-{op}-{v}" for k, op, v, _ in CONSTRUCTOR_TABLE],
)
def test_requirement_constructor(key: str, op: Operator, values: list[str] | None, ok: bool) -> None:
    if ok:
        assert Requirement.new(key, op, values) == Requirement(key, op, tuple(values or ()))
    else:
        with pytest.raises(SelectorError):
            Requirement.new(key, op, values)


# TestToString ("" for the zero Requirement, which upstream prints as nothing)
ZERO = Requirement("", "")
TO_STRING_TABLE = [
    ([req("x", IN, ["abc", "def"]), req("y", NOT_IN, ["jkl"]), req("z", EXISTS)],
     "x in (abc,def),y notin (jkl),z"),
    ([req("x", NOT_IN, ["abc", "def"]), req("y", NEQ, ["jkl"]), req("z", DOES_NOT_EXIST)],
     "x notin (abc,def),y!=jkl,!z"),
    ([req("x", IN, ["abc", "def"]), ZERO], "x in (abc,def),"),
    ([req("x", NOT_IN, ["abc"]), req("y", IN, ["jkl", "mno"]), req("z", NOT_IN, [""])],
     "x notin (abc),y in (jkl,mno),z notin ()"),
    ([req("x", EQ, ["abc"]), req("y", DEQ, ["jkl"]), req("z", NEQ, ["a"]), req("z", EXISTS)],
     "x=abc,y==jkl,z!=a,z"),
    ([req("x", GT, ["2"]), req("y", LT, ["8"]), req("z", EXISTS)], "x>2,y<8,z"),
]


@pytest.mark.parametrize(("requirements", "expect"), TO_STRING_TABLE, ids=[e for _, e in TO_STRING_TABLE])
def test_to_string(requirements: list[Requirement], expect: str) -> None:
    assert str(Selector(tuple(requirements))) == expect


# TestSafeSort (through Requirement.String, which prints values sorted without mutating them)
@pytest.mark.parametrize(
    ("values", "expect"),
    [
        (("bar", "foo"), "bar,foo"),
        (("foo", "bar"), "bar,foo"),
        (("foo", "bar", "foo", "bar"), "bar,bar,foo,foo"),
    ],
    ids=["ordered", "unordered", "duplicated"],
)
def test_safe_sort(values: tuple[str, ...], expect: str) -> None:
    requirement = Requirement("x", IN, values)
    assert str(requirement) == f"x in ({expect})"
    assert requirement.values == values


# TestRequirementSelectorMatching
SELECTOR_MATCHING_TABLE = [
    ({"x": "foo", "y": "baz"}, [ZERO], False),
    ({"x": "foo", "y": "baz"}, [req("x", IN, ["foo"]), req("y", NOT_IN, ["alpha"])], True),
    ({"x": "foo", "y": "baz"}, [req("x", IN, ["foo"]), req("y", IN, ["alpha"])], False),
    ({"y": ""}, [req("x", NOT_IN, [""]), req("y", EXISTS)], True),
    ({"y": ""}, [req("x", DOES_NOT_EXIST), req("y", EXISTS)], True),
    ({"y": ""}, [req("x", NOT_IN, [""]), req("y", DOES_NOT_EXIST)], False),
    ({"y": "baz"}, [req("x", IN, [""])], False),
    ({"z": "2"}, [req("z", GT, ["1"])], True),
    ({"z": "v2"}, [req("z", GT, ["1"])], False),
]


@pytest.mark.parametrize(
    ("labels", "requirements", "expect"),
    SELECTOR_MATCHING_TABLE,
    ids=[f"row{i}" for i in range(len(SELECTOR_MATCHING_TABLE))],
)
def test_requirement_selector_matching(labels: dict, requirements: list[Requirement], expect: bool) -> None:
    assert Selector(tuple(requirements)).matches(labels) is expect


# TestSetSelectorParser: valid inputs with the requirements they parse to (None where the
# upstream row does not compare them), then the invalid ones.
SET_PARSER_VALID = [
    ("", []),
    ("\rx", [req("x", EXISTS)]),
    ("this-is-a-dns.domain.com/key-with-dash", [req("this-is-a-dns.domain.com/key-with-dash", EXISTS)]),
    (
        "this-is-another-dns.domain.com/key-with-dash in (so,what)",
        [req("this-is-another-dns.domain.com/key-with-dash", IN, ["so", "what"])],
    ),
    (
        "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
        [req("0.1.2.domain/99", NOT_IN, ["10.10.100.1", "tick.tack.clock"])],
    ),
    ("foo  in\t (abc)", [req("foo", IN, ["abc"])]),
    ("x notin\n (abc)", [req("x", NOT_IN, ["abc"])]),
    ("x  notin\t\t\t(abc,def)", [req("x", NOT_IN, ["abc", "def"])]),
    ("x in (abc,def)", [req("x", IN, ["abc", "def"])]),
    ("x in (abc,)", [req("x", IN, ["abc", ""])]),
    ("x in ()", [req("x", IN, [""])]),
    (
        "x notin (abc,,def),bar,z in (),w",
        [req("bar", EXISTS), req("w", EXISTS), req("x", NOT_IN, ["abc", "", "def"]), req("z", IN, [""])],
    ),
    ("x,y in (a)", None),
    ("x=a", [req("x", EQ, ["a"])]),
    ("x>1", [req("x", GT, ["1"])]),
    ("x<7", [req("x", LT, ["7"])]),
    ("x=a,y!=b", [req("x", EQ, ["a"]), req("y", NEQ, ["b"])]),
    ("x=a,y!=b,z in (h,i,j)", [req("x", EQ, ["a"]), req("y", NEQ, ["b"]), req("z", IN, ["h", "i", "j"])]),
    ("x notin ( )", [req("x", NOT_IN, [""])]),
    ("x notin (, a)", [req("x", NOT_IN, ["", "a"])]),
    ("a ", [req("a", EXISTS)]),
    # operator 'in' inside list of identifiers
    ("a in (x,y,notin, z,in)", [req("a", IN, ["in", "notin", "x", "y", "z"])]),
]
SET_PARSER_INVALID = [
    "x=a||y=b", "x,,y", ",x,y", "x nott in (y)", "a in (xyz),", "a in (xyz)b notin ()",
    "a in (xyz abc)", "a notin(", "a (", "(",
]


@pytest.mark.parametrize(("text", "expect"), SET_PARSER_VALID, ids=[repr(t) for t, _ in SET_PARSER_VALID])
def test_set_selector_parser_valid(text: str, expect: list[Requirement] | None) -> None:
    selector = parse_selector(text)
    if expect is not None:
        assert list(selector.requirements) == expect


@pytest.mark.parametrize("text", SET_PARSER_INVALID, ids=map(repr, SET_PARSER_INVALID))
def test_set_selector_parser_invalid(text: str) -> None:
    with pytest.raises(SelectorError):
        parse_selector(text)


# Derived from selector.go: the message each of upstream's bad inputs above gets.
LABEL_VALUE_ERROR = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
    "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
NAME_PART_ERROR = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', "
    "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
OPERATORS = "in, notin, =, ==, !=, gt, lt"
EMPTY_SET = "for 'in', 'notin' operators, values set can't be empty"
PARSE_ERROR_TABLE = [
    ("x=a||y=b", f'unable to parse requirement: values[0][x]: Invalid value: "a||y": {LABEL_VALUE_ERROR}'),
    ("x==a==b", "found '==', expected: ',' or 'end of string'"),
    ("!x=a", "found '=', expected: ',' or 'end of string'"),
    ("x<a", "unable to parse requirement: values[0]: Invalid value: \"a\": "
            "for 'Gt', 'Lt' operators, the value must be an integer"),
    ("x,,y", "found ',', expected: identifier after ','"),
    (",x,y", "found ',', expected: !, identifier, or 'end of string'"),
    ("x nott in (y)", f"unable to parse requirement: found 'nott', expected: {OPERATORS}"),
    ("a in (xyz),", "found '', expected: identifier after ','"),
    ("a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'"),
    ("a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'"),
    ("a notin(", "unable to parse requirement: found '', expected: ',', ')' or identifier"),
    ("a (", f"unable to parse requirement: found '(', expected: {OPERATORS}"),
    ("(", "found '(', expected: !, identifier, or 'end of string'"),
    ("!", "unable to parse requirement: found '', expected: identifier"),
    ("x in y", "unable to parse requirement: found 'y' expected: '('"),
    ("x in (a,=)", "unable to parse requirement: found '=', expected: ',', or identifier"),
    ("x=(", "unable to parse requirement: found '(', expected: identifier"),
    ("x_=a", f'unable to parse requirement: <nil>: Invalid value: "x_": {NAME_PART_ERROR}'),
    ("x>-1", f'unable to parse requirement: values[0][x]: Invalid value: "-1": {LABEL_VALUE_ERROR}'),
    (
        "x in (-a,b_)",
        f'unable to parse requirement: [values[0][x]: Invalid value: "-a": {LABEL_VALUE_ERROR}, '
        f'values[1][x]: Invalid value: "b_": {LABEL_VALUE_ERROR}]',
    ),
]


@pytest.mark.parametrize(("text", "message"), PARSE_ERROR_TABLE, ids=[repr(t) for t, _ in PARSE_ERROR_TABLE])
def test_parse_error_messages(text: str, message: str) -> None:
    with pytest.raises(SelectorError) as err:
        parse_selector(text)
    assert str(err.value) == message


# Derived from Lexer: whitespace is only space, tab, CR and LF; read() returns NUL at the end,
# so a NUL ends the text where a token would start and is swallowed where it ends one.
LEXER_EDGE_TABLE = [
    ("x\x00,y", "x,y"),
    ("x \x00,y", "x"),
    ("in in (in,notin)", "in in (in,notin)"),
    ("notin notin (a)", "notin notin (a)"),
    ("x==a", "x==a"),
    ("x = a , y", "x=a,y"),
    (" \t\r\n", ""),
]


@pytest.mark.parametrize(("text", "expect"), LEXER_EDGE_TABLE, ids=[repr(t) for t, _ in LEXER_EDGE_TABLE])
def test_lexer_edges(text: str, expect: str) -> None:
    assert str(parse_selector(text)) == expect


@pytest.mark.parametrize("text", ["x\v=a", "x\f", "x\u00a0=a"], ids=["vtab", "formfeed", "nbsp"])
def test_other_whitespace_is_part_of_identifiers(text: str) -> None:
    with pytest.raises(SelectorError, match="Invalid value"):
        parse_selector(text)


# Derived from NewRequirement: the field errors and their aggregation.
REQUIREMENT_ERROR_TABLE = [
    ("x", IN, [], f"values: Invalid value: []: {EMPTY_SET}"),
    ("x", NOT_IN, None, f"values: Invalid value: null: {EMPTY_SET}"),
    ("x", EQ, ["foo", "bar"],
     'values: Invalid value: ["foo","bar"]: exact-match compatibility requires one single value'),
    ("x", EXISTS, ["a"],
     'values: Invalid value: ["a"]: values set must be empty for exists and does not exist'),
    ("x", GT, ["1", "2"],
     "values: Invalid value: [\"1\",\"2\"]: for 'Gt', 'Lt' operators, exactly one value is required"),
    ("y", GT, ["bar"],
     "values[0]: Invalid value: \"bar\": for 'Gt', 'Lt' operators, the value must be an integer"),
    ("a" * 254, EXISTS, None,
     f'key: Invalid value: "{"a" * 254}": name part must be no more than 63 characters'),
    (
        "x", "bogus", None,
        'operator: Unsupported value: "bogus": supported values: "in", "notin", "=", "==", "!=", "gt", "lt", '
        '"exists", "!"',
    ),
    ("x", EQ, ["a<b"], f'values[0][x]: Invalid value: "a<b": {LABEL_VALUE_ERROR}'),
    ("x", EQ, ['"\n'], f'values[0][x]: Invalid value: "\\"\\n": {LABEL_VALUE_ERROR}'),
    ("x", "<>", ["a"], 'operator: Unsupported value: "\\u003c\\u003e": supported values: "in", "notin", "=", '
                       '"==", "!=", "gt", "lt", "exists", "!"'),
    (
        "_x", EQ, ["-", "-"],
        f'[key: Invalid value: "_x": {NAME_PART_ERROR}, values: Invalid value: ["-","-"]: exact-match '
        f'compatibility requires one single value, values[0][_x]: Invalid value: "-": {LABEL_VALUE_ERROR}, '
        f'values[1][_x]: Invalid value: "-": {LABEL_VALUE_ERROR}]',
    ),
]


@pytest.mark.parametrize(
    ("key", "op", "values", "message"),
    REQUIREMENT_ERROR_TABLE,
    ids=[f"{k[:8]}-{op}-{v}" for k, op, v, _ in REQUIREMENT_ERROR_TABLE],
)
def test_requirement_error_messages(key: str, op: str, values: list[str] | None, message: str) -> None:
    with pytest.raises(SelectorError) as err:
        Requirement.new(key, op, values)
    assert str(err.value) == message


def test_gt_lt_compare_as_int64() -> None:
    # Derived from Requirement.Matches: both sides go through strconv.ParseInt.
    selector = parse_selector("x>10")
    assert selector.matches({"x": "+11"})
    assert not selector.matches({"x": "9223372036854775808"})
    assert not selector.matches({"x": "1_000"})
    assert not Selector((Requirement("x", GT, ("1", "2")),)).matches({"x": "5"})


# TestAdd
ADD_TABLE = [
    ("keyInOperator", Selector(), req("key", IN, ["value"]), [req("key", IN, ["value"])]),
    (
        "keyEqualsOperator",
        Selector((Requirement("key", IN, ("value",)),)),
        req("key2", EQ, ["value2"]),
        [req("key", IN, ["value"]), req("key2", EQ, ["value2"])],
    ),
]


@pytest.mark.parametrize(("name", "selector", "added", "expect"), ADD_TABLE, ids=[r[0] for r in ADD_TABLE])
def test_add(name: str, selector: Selector, added: Requirement, expect: list[Requirement]) -> None:
    assert list(selector.add(added).requirements) == expect


# TestLabelSelectorAsSelector
MATCH_EXPRESSIONS = [{"key": "baz", "operator": "In", "values": ["qux", "norf"]}]
AS_SELECTOR_TABLE = [
    ("nil", None, Selector.nothing()),
    ("empty", {}, Selector.everything()),
    ("matchLabels", {"matchLabels": {"foo": "bar"}}, parse_selector("foo=bar")),
    ("matchExpressions", {"matchExpressions": MATCH_EXPRESSIONS}, parse_selector("baz in (norf,qux)")),
    (
        "both",
        {"matchLabels": {"foo": "bar"}, "matchExpressions": MATCH_EXPRESSIONS},
        parse_selector("baz in (norf,qux),foo=bar"),
    ),
]


@pytest.mark.parametrize(("name", "obj", "expect"), AS_SELECTOR_TABLE, ids=[r[0] for r in AS_SELECTOR_TABLE])
def test_label_selector_as_selector(name: str, obj: dict | None, expect: Selector) -> None:
    got = selector_from_label_selector(obj)
    assert str(got) == str(expect)
    assert got.selects_nothing is expect.selects_nothing
    assert got.matches({"foo": "bar", "baz": "qux"}) is expect.matches({"foo": "bar", "baz": "qux"})


def test_label_selector_as_selector_error() -> None:
    # TestLabelSelectorAsSelector: Exists with values is an error.
    obj = {"matchExpressions": [{"key": "baz", "operator": "Exists", "values": ["qux", "norf"]}]}
    with pytest.raises(SelectorError) as err:
        selector_from_label_selector(obj)
    assert str(err.value) == (
        'values: Invalid value: ["qux","norf"]: values set must be empty for exists and does not exist'
    )


# Derived from LabelSelectorAsSelector and NewRequirement.
LABEL_SELECTOR_ERROR_TABLE = [
    ("bad operator", {"matchExpressions": [{"key": "a", "operator": "Equals"}]},
     '"Equals" is not a valid label selector operator'),
    ("missing operator", {"matchExpressions": [{"key": "a"}]}, '"" is not a valid label selector operator'),
    ("in without values", {"matchExpressions": [{"key": "a", "operator": "In"}]},
     "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"),
    ("in with empty values", {"matchExpressions": [{"key": "a", "operator": "NotIn", "values": []}]},
     "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"),
    ("bad label key", {"matchLabels": {"a/b/c": "x"}},
     'key: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, \'-\', \'_\' or '
     "'.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
     "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional "
     "DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"),
    ("not a string", {"matchLabels": {"a": 1}}, "matchLabels[a]: expected str, got int"),
]


@pytest.mark.parametrize(
    ("name", "obj", "message"), LABEL_SELECTOR_ERROR_TABLE, ids=[r[0] for r in LABEL_SELECTOR_ERROR_TABLE]
)
def test_label_selector_errors(name: str, obj: dict, message: str) -> None:
    with pytest.raises(SelectorError) as err:
        selector_from_label_selector(obj)
    assert str(err.value) == message


def test_label_selector_match_semantics() -> None:
    # Derived from LabelSelectorAsSelector: requirements AND together, null parts are empty.
    selector = selector_from_label_selector(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "NotIn", "values": ["db"]},
                {"key": "legacy", "operator": "DoesNotExist", "values": None},
            ],
        }
    )
    assert str(selector) == "app=web,!legacy,tier notin (db)"
    assert selector.matches({"app": "web"})
    assert not selector.matches({"app": "web", "tier": "db"})
    assert not selector.matches({"app": "web", "legacy": ""})
    assert selector_from_label_selector({"matchLabels": None, "matchExpressions": None}).empty()


# TestIsQualifiedName
QUALIFIED_GOOD = [
    "simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple", "now-with-dashes/simple",
    "now-with-dashes/now-with-dashes", "now.with.dots/simple", "now-with.dashes-and.dots/simple",
    "1-num.2-num/3-num", "1234/5678", "1.2.3.4/5678", "Uppercase_Is_OK_123",
    "example.com/Uppercase_Is_OK_123",
    "requests.storage-foo", "a" * 63, "a" * 253 + "/" + "b" * 63,
]
QUALIFIED_BAD = [
    "nospecialchars%^=@", "cantendwithadash-", "-cantstartwithadash-", "only/one/slash", "Example.com/abc",
    "example_com/abc", "example.com/", "/simple", "a" * 64, "a" * 254 + "/abc",
]


@pytest.mark.parametrize("value", QUALIFIED_GOOD, ids=[v[:40] for v in QUALIFIED_GOOD])
def test_is_qualified_name_good(value: str) -> None:
    assert is_qualified_name(value) == []


@pytest.mark.parametrize("value", QUALIFIED_BAD, ids=[v[:40] for v in QUALIFIED_BAD])
def test_is_qualified_name_bad(value: str) -> None:
    assert is_qualified_name(value)


# TestIsValidLabelValue
LABEL_VALUE_GOOD = ["simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", "a" * 63, ""]
LABEL_VALUE_BAD = [
    "nospecialchars%^=@", "Tama-nui-te-rā.is.Māori.sun", "\\backslashes\\are\\bad", "-starts-with-dash",
    "ends-with-dash-", ".starts.with.dot", "ends.with.dot.", "a" * 64,
]


@pytest.mark.parametrize("value", LABEL_VALUE_GOOD, ids=[repr(v[:40]) for v in LABEL_VALUE_GOOD])
def test_is_valid_label_value_good(value: str) -> None:
    assert is_valid_label_value(value) == []


@pytest.mark.parametrize("value", LABEL_VALUE_BAD, ids=[repr(v[:40]) for v in LABEL_VALUE_BAD])
def test_is_valid_label_value_bad(value: str) -> None:
    assert is_valid_label_value(value)


# TestIsDNS1123Label
DNS1123_LABEL_GOOD = [
    "a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2", "a" * 63,
]
DNS1123_LABEL_BAD = [
    "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1",
    "_", "a_", "_a", "a_b", "1_", "_1", "1_2", ".", "a.", ".a", "a.b", "1.", ".1", "1.2",
    " ", "a ", " a", "a b", "1 ", " 1", "1 2", "a" * 64,
]


@pytest.mark.parametrize("value", DNS1123_LABEL_GOOD, ids=[v[:40] for v in DNS1123_LABEL_GOOD])
def test_is_dns1123_label_good(value: str) -> None:
    assert is_dns1123_label(value) == []


@pytest.mark.parametrize("value", DNS1123_LABEL_BAD, ids=[repr(v[:40]) for v in DNS1123_LABEL_BAD])
def test_is_dns1123_label_bad(value: str) -> None:
    assert is_dns1123_label(value)


# TestIsDNS1123Subdomain
DNS1123_SUBDOMAIN_GOOD = [
    "a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2",
    "a.a", "ab.a", "abc.a", "a1.a", "a-1.a", "a--1--2--b.a", "a.1", "ab.1", "abc.1", "a1.1", "a-1.1",
    "a--1--2--b.1", "0.a", "01.a", "012.a", "1a.a", "1-a.a", "0.1", "01.1", "012.1", "1a.1", "1-a.1",
    "1--a--b--2.1", "a.b.c.d.e", "aa.bb.cc.dd.ee", "1.2.3.4.5", "11.22.33.44.55", "a" * 253,
]
DNS1123_SUBDOMAIN_BAD = [
    "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1",
    "_", "a_", "_a", "a_b", "1_", "_1", "1_2", ".", "a.", ".a", "a..b", "1.", ".1", "1..2",
    " ", "a ", " a", "a b", "1 ", " 1", "1 2", "A.a", "aB.a", "ab.A", "A1.a", "a1.A",
    "A.1", "aB.1", "A1.1", "1A.1", "0.A", "01.A", "012.A", "1A.a", "1a.A",
    "A.B.C.D.E", "AA.BB.CC.DD.EE", "a.B.c.d.e", "aa.bB.cc.dd.ee", "a@b", "a,b", "a;b",
    "a:b", "a%b", "a?b", "a$b", "a" * 254,
]


@pytest.mark.parametrize("value", DNS1123_SUBDOMAIN_GOOD, ids=[v[:40] for v in DNS1123_SUBDOMAIN_GOOD])
def test_is_dns1123_subdomain_good(value: str) -> None:
    assert is_dns1123_subdomain(value) == []


@pytest.mark.parametrize("value", DNS1123_SUBDOMAIN_BAD, ids=[repr(v[:40]) for v in DNS1123_SUBDOMAIN_BAD])
def test_is_dns1123_subdomain_bad(value: str) -> None:
    assert is_dns1123_subdomain(value)


# Derived from validation.go: the exact messages.
NAME_MESSAGE_TABLE = [
    (is_qualified_name, "", ["name part must be non-empty", NAME_PART_ERROR]),
    (is_qualified_name, "/a", ["prefix part must be non-empty"]),
    (
        is_qualified_name, "A/a",
        [
            "prefix part a DNS-1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
            "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        ],
    ),
    (is_qualified_name, "a" * 64, ["name part must be no more than 63 characters"]),
    (is_valid_label_value, "é" * 32, ["must be no more than 63 characters", LABEL_VALUE_ERROR]),
    (
        is_dns1123_label, "A",
        [
            "a DNS-1123 label must consist of lower case alphanumeric characters or '-', and must start and "
            "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
        ],
    ),
    (is_dns1123_subdomain, "a" * 254, ["must be no more than 253 characters"]),
]


@pytest.mark.parametrize(
    ("check", "value", "expect"),
    NAME_MESSAGE_TABLE,
    ids=[f"{c.__name__}-{v[:8]!r}" for c, v, _ in NAME_MESSAGE_TABLE],
)
def test_name_messages(check, value: str, expect: list[str]) -> None:
    assert check(value) == expect
