"""Every node class, builtin and error code is handled, documented and tested.

Adding a construct without teaching every stage about it fails here, not in
a user's CI.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from kuberules import ast, checker, compiler, printer
from kuberules.builtins import FUNCTIONS, METHODS
from kuberules.resources import grammar_dir

ENGINE_DIR = Path(checker.__file__).parent
TESTS_DIR = Path(__file__).parent
REFERENCE = (grammar_dir() / "README.md").read_text(encoding="utf-8")

EXPR_CLASSES = [c for _, c in inspect.getmembers(ast, inspect.isclass)
                if issubclass(c, ast.Expr) and c is not ast.Expr]


@pytest.mark.parametrize("cls", EXPR_CLASSES, ids=lambda c: c.__name__)
def test_every_expression_class_has_a_handler_in_every_stage(cls):
    name = "_" + cls.__name__
    assert hasattr(printer.ExprPrinter, name)
    assert hasattr(checker.Checker, name)
    assert hasattr(compiler.ExprCompiler, name)


def test_every_clause_class_is_printed():
    statement_classes = [c for _, c in inspect.getmembers(ast, inspect.isclass)
                         if issubclass(c, ast.Node) and not issubclass(c, ast.Expr)
                         and c not in (ast.Node, ast.Module, ast.Import) and c not in ast.DECLARATIONS]
    source = inspect.getsource(printer.ModulePrinter)
    for cls in statement_classes:
        assert f"ast.{cls.__name__}" in source, cls.__name__


def _codes_in_engine() -> set[str]:
    patterns = [
        r'Diagnostic\(\s*"([a-z0-9-]+)"', r'self\.error\(\s*"([a-z0-9-]+)"', r'_problem\(\s*"([a-z0-9-]+)"',
        r'SyntaxProblem\(\s*"([a-z0-9-]+)"', r'^\s+"([a-z0-9-]+)",\s*$',
    ]
    codes: set[str] = set()
    for path in ENGINE_DIR.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in patterns[:4]:
            codes.update(re.findall(pattern, text))
        for block in re.findall(r"(?:Diagnostic|_problem|SyntaxProblem|self\.error)\(\s*\n\s*\"([a-z0-9-]+)\"",
                                text):
            codes.add(block)
    return codes


def _runtime_codes() -> set[str]:
    codes: set[str] = set()
    for path in ENGINE_DIR.rglob("*.py"):
        codes.update(re.findall(r'EvalError\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    return codes


def test_every_diagnostic_code_is_tested_and_documented():
    codes = _codes_in_engine() - {"fmt-changed-meaning"}  # guarded by the round-trip properties
    assert len(codes) > 30
    tests = "\n".join(p.read_text(encoding="utf-8") for p in TESTS_DIR.rglob("test_*.py"))
    untested = sorted(c for c in codes if f'"{c}"' not in tests)
    undocumented = sorted(c for c in codes if f"`{c}`" not in REFERENCE)
    assert untested == []
    assert undocumented == []


def test_every_runtime_error_code_is_documented():
    codes = _runtime_codes()
    assert {"no_such_key", "no_such_overload", "division_by_zero", "step_limit"} <= codes
    assert sorted(c for c in codes if f"`{c}`" not in REFERENCE) == []


def test_every_builtin_is_documented():
    missing = sorted(name for name in {*FUNCTIONS, *METHODS} if f"`{name}" not in REFERENCE)
    assert missing == []
