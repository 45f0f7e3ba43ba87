"""Bad rule text -> a located diagnostic with a stable code, never a traceback.

One row per diagnostic code (tests/test_completeness.py checks that every
code the engine can emit has a row here).
"""

from __future__ import annotations

import pytest

from kuberules import Engine, RuleError

DEEP = "x = " + "[" * 150 + "]" * 150
LONG_CHAIN = "let x = " + " + ".join(["1"] * 300)

CASES = [
    # (code, rule text, line, column)
    ("unexpected-token", "let x = 1 +* 2", 1, 12),
    ("unexpected-token", "let x = a and b", 1, 11),
    ("unexpected-end", "let x = f(1, 2", 1, 14),
    ("unexpected-character", "let x = 1 @ 2", 1, 11),
    ("unterminated-string", 'let x = "abc', 1, 9),
    ("assign-for-compare", "rule r {\n  deny if a = b\n}", 2, 13),
    ("reserved-word", "let in = 1", 1, 5),
    ("reserved-word", "def f(if) = 1", 1, 7),
    ("invalid-escape", 'let x = "a\\qb"', 1, 11),
    ("unsupported-literal", "let x = 3u", 1, 9),
    ("unsupported-literal", 'let x = b"bytes"', 1, 9),
    ("int-overflow", "let x = 9223372036854775808", 1, 9),
    ("too-deep", "let " + DEEP, 1, None),
    ("too-deep", LONG_CHAIN, 1, None),
    ("invalid-has", "let x = has(y)", 1, 9),
    ("macro-arity", "let x = [1].all(v, v, v, v)", 1, 9),
    ("duplicate-parameter", "def f(a, a) = a", 1, 10),
    ("invalid-set-target", "mutation m {\n  set f().x = 1\n}", 2, 7),
    ("unexpected-end", 'rule r {\n  deny message "value {1 +}"\n}', 2, 26),
    ("unterminated-interpolation", 'rule r {\n  deny message "a {b"\n}', 2, 19),
    ("unbalanced-brace", 'rule r {\n  deny message "a } b"\n}', 2, 19),
    # checker
    ("duplicate-name", "let x = 1\nlet x = 2", 2, 1),
    ("invalid-severity", "rule r {\n  severity hihg\n  deny\n}", 2, 3),
    ("duplicate-meta", 'rule r {\n  title "a"\n  title "b"\n  deny\n}', 3, 3),
    ("invalid-selector", 'rule r {\n  match selector "a in ("\n  deny\n}', 2, 3),
    ("invalid-selector", "let s = selector('tier in (a,')", 1, 18),
    ("invalid-selector", "let s = selector({'matchExpressions': [{'key': 'a', 'operator': 'In'}]})", 1, 18),
    ("invalid-quantity", "let q = quantity('1.5.5Gi')", 1, 18),
    ("invalid-operation", "rule r {\n  match operations CRATE\n  deny\n}", 2, 3),
    ("type-error", "let x = 1 + 'a'", 1, 9),
    ("type-error", "let x = !5", 1, 9),
    ("type-error", "let x = size(1) + 1", 1, 9),
    ("type-error", "rule r {\n  deny if 1 + 2\n}", 2, 11),
    ("type-error", "let x = 'a'.startsWith(1)", 1, 9),
    ("type-error", "let x = [1].size() < 'a'", 1, 9),
    ("misplaced-clause", "transitions t {\n  states A\n  severity high\n}", 3, 3),
    ("misplaced-target", "transitions t {\n  states A\n  event e()\n  on e -> A {\n    -> 'A'\n  }\n}", 5, 5),
    ("misplaced-target", "transitions t {\n  states A\n  event e()\n  on e {\n    -> 'A'\n    emit x()\n  }\n}",
     5, 5),
    ("unknown-state", "transitions t {\n  states A\n  event e()\n  on e {\n    -> 'B'\n  }\n}", 5, 5),
    ("type-error", "transitions t {\n  states A\n  event e()\n  on e {\n    -> 1\n  }\n}", 5, 5),
    ("empty-rule", "rule r {\n  match pods\n}", 1, 1),
    ("empty-rule", "mutation m {\n  match pods\n}", 1, 1),
    ("invalid-set-target", "mutation m {\n  let c = 1\n  set c.x = 1\n}", 3, 7),
    ("no-states", "transitions t {\n  event e()\n}", 1, 1),
    ("duplicate-state", "transitions t {\n  states A, A\n}", 2, 3),
    ("duplicate-event", "transitions t {\n  states A\n  event e()\n  event e()\n}", 4, 3),
    ("unknown-state", "transitions t {\n  states Running\n  initial Runing\n}", 3, 3),
    ("unknown-event", "transitions t {\n  states A\n  event go()\n  on og -> A\n}", 4, 3),
    ("unknown-name", "let x = objcet.spec", 1, 9),
    ("not-a-value", "def f() = 1\nlet x = f", 2, 9),
    ("not-a-function", "import demo.common\nlet x = common.trusted_registry()", 2, 9),
    ("arity", "def f(a) = a\nlet x = f(1, 2)", 2, 9),
    ("arity", "let x = size()", 1, 9),
    ("unknown-function", "let x = sise([1])", 1, 9),
    ("unknown-function", "let x = 'a'.lowerAscci()", 1, 13),
    ("macro-variable", "let x = [1].all(1, true)", 1, 13),
    ("invalid-has", "import demo.common\nlet x = has(common.trusted_registry)", 2, 9),
    ("recursion", "def a(x) = b(x)\ndef b(x) = a(x)", 1, 1),
    ("recursion", "def f(x) = f(x)", 1, 1),
    ("recursion", "let a = b\nlet b = a", 1, 1),
    # loader
    ("unknown-import", "import demo.comon\nlet x = 1", 1, 1),
]


def _load(text: str):
    return Engine().load_string(text, "bad.rules")


@pytest.mark.parametrize("code,text,line,column", CASES,
                         ids=[f"{c[0]}:{i}" for i, c in enumerate(CASES)])
def test_located_diagnostic(code, text, line, column):
    with pytest.raises(RuleError) as info:
        _load(text)
    diagnostics = info.value.diagnostics
    assert code in [d.code for d in diagnostics], info.value
    d = next(d for d in diagnostics if d.code == code)
    assert d.span is not None and d.span.source.name == "bad.rules"
    assert d.span.line == line
    if column is not None:
        assert d.span.column == column
    rendered = d.render()
    assert rendered.startswith(f"bad.rules:{line}:")
    assert f"[{code}]" in rendered and "^" in rendered


def test_rendered_form_has_line_and_caret():
    with pytest.raises(RuleError) as info:
        _load("let x = sise([1])")
    assert str(info.value) == (
        "bad.rules:1:9: error: unknown function 'sise' [unknown-function]\n"
        "   1 | let x = sise([1])\n"
        "     |         ^~~~~~~~~\n"
        "     = hint: did you mean 'size'?"
    )


def test_recursion_names_the_cycle():
    with pytest.raises(RuleError) as info:
        _load("def a(x) = b(x)\ndef b(x) = c(x)\ndef c(x) = a(x)")
    (d,) = [d for d in info.value.diagnostics if d.code == "recursion"]
    assert "a -> " in d.message and "b -> " in d.message and "c -> " in d.message


def test_checker_collects_every_problem():
    with pytest.raises(RuleError) as info:
        _load("let x = foo\nlet y = bar + 'a' * 2\nlet z = sise(1)")
    codes = sorted(d.code for d in info.value.diagnostics)
    assert codes == ["type-error", "unknown-function", "unknown-name", "unknown-name"]


def test_source_too_large():
    with pytest.raises(RuleError) as info:
        _load("#" * (4 * 1024 * 1024 + 1))
    assert info.value.diagnostics[0].code == "source-too-large"


def test_unreadable_and_duplicate_packages(tmp_path):
    (tmp_path / "a.rules").write_text("package p\nlet x = 1\n")
    (tmp_path / "b.rules").write_text("package p\nlet y = 1\n")
    (tmp_path / "c.rules").write_bytes(b"\xff\xfe")
    with pytest.raises(RuleError) as info:
        Engine().load(tmp_path)
    codes = sorted(d.code for d in info.value.diagnostics)
    assert codes == ["duplicate-package", "unreadable-file"]


def test_package_mismatch_and_duplicate_import(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "one.rules").write_text("package lib.other\nlet x = 1\n")
    (tmp_path / "lib" / "two.rules").write_text("package lib.two\nlet x = 1\n")
    (tmp_path / "main.rules").write_text("import lib.one\nlet y = 1\n")
    with pytest.raises(RuleError) as info:
        Engine(bundled=False).load(tmp_path / "main.rules")
    assert "package-mismatch" in [d.code for d in info.value.diagnostics]
    (tmp_path / "main.rules").write_text("import lib.two as a\nimport demo.common as a\nlet y = 1\n")
    with pytest.raises(RuleError) as info:
        Engine(search_path=[tmp_path]).load(tmp_path / "main.rules")
    assert "duplicate-import" in [d.code for d in info.value.diagnostics]


def test_missing_file():
    with pytest.raises(RuleError) as info:
        Engine().load("/nonexistent/file.rules")
    assert info.value.diagnostics[0].code == "unreadable-file"
