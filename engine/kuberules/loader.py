"""Find, read and parse rule files, and resolve their imports.

A package `a.b.c` lives in `a/b/c.rules` under a search root: the
importing file's directory and its parents (nearest first), then the roots
the caller gives, then the bundled `policies/` directory. A file without a `package` line is
named after its file stem.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from . import ast
from .checker import ModuleScope
from .errors import Diagnostic, RuleError
from .resources import policies_dir
from .source import SourceFile, Span
from .syntax.parse import parse_module

RULE_SUFFIX = ".rules"


class Loader:
    def __init__(self, search_path: list[Path] | tuple = (), bundled: bool = True):
        self.roots = [Path(p) for p in search_path]
        if bundled:
            self.roots.append(policies_dir())
        self.modules: dict[str, ModuleScope] = {}
        self.files: dict[Path, ModuleScope] = {}
        self.failed: set[Path] = set()  # read or parsed with errors: reported once
        self.paths: dict[str, Path | None] = {}
        self.diagnostics: list[Diagnostic] = []

    # ------------------------------------------------------------ input
    def add_path(self, path: Path | str) -> list[ModuleScope]:
        path = Path(path)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*" + RULE_SUFFIX) if p.is_file())
            return [m for p in found if (m := self._add_file(p)) is not None]
        module = self._add_file(path)
        return [module] if module is not None else []

    def add_source(self, source: SourceFile, path: Path | None = None) -> ModuleScope | None:
        try:
            module = parse_module(source)
        except RuleError as err:
            self.diagnostics.extend(err.diagnostics)
            return None
        name = module.package or Path(source.name).stem
        if name in self.modules:
            other = self.paths.get(name)
            self.diagnostics.append(Diagnostic(
                "duplicate-package",
                f"package '{name}' is already loaded" + (f" from {other}" if other else ""),
                module.span if module.package is None else _package_span(source, module),
            ))
            return None
        scope = ModuleScope(module, name)
        self.modules[name] = scope
        self.paths[name] = path
        if path is not None:
            self.files[path.resolve()] = scope
        return scope

    def _add_file(self, path: Path) -> ModuleScope | None:
        resolved = path.resolve()
        if resolved in self.files:
            return self.files[resolved]
        if resolved in self.failed:
            return None
        self.failed.add(resolved)  # until it loads
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as err:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            self.diagnostics.append(Diagnostic("unreadable-file", f"{path}: {reason}", None))
            return None
        module = self.add_source(SourceFile(str(path), text), path)
        if module is not None:
            self.failed.discard(resolved)
        return module

    # ---------------------------------------------------------- imports
    def resolve_imports(self) -> None:
        done: set[str] = set()
        while todo := [m for m in list(self.modules.values()) if m.name not in done]:
            for scope in todo:
                done.add(scope.name)
                self._resolve(scope)

    def _resolve(self, scope: ModuleScope) -> None:
        for imp in scope.module.imports:
            target = self.modules.get(imp.package) or self._find(imp.package, scope)
            if target is _BROKEN:
                continue  # the imported file has errors of its own, already reported
            if target is None:
                hint = difflib.get_close_matches(imp.package, sorted(self.modules), n=1)
                self.diagnostics.append(Diagnostic(
                    "unknown-import", f"cannot find package '{imp.package}'", imp.span,
                    f"did you mean '{hint[0]}'?" if hint else
                    f"a package a.b is read from a/b{RULE_SUFFIX} under the search path",
                ))
                continue
            alias = imp.alias or imp.package.rsplit(".", 1)[-1]
            if alias in scope.imports and scope.imports[alias] is not target:
                self.diagnostics.append(Diagnostic(
                    "duplicate-import", f"'{alias}' already names another import", imp.span,
                    "give one of them a different name with 'as'",
                ))
            scope.imports[alias] = target

    def _find(self, package: str, importer: ModuleScope) -> ModuleScope | None:
        relative = Path(*package.split(".")).with_suffix(RULE_SUFFIX)
        roots = list(self.roots)
        origin = self.paths.get(importer.name)
        if origin is not None:
            roots[:0] = list(origin.resolve().parents)
        for root in roots:
            candidate = root / relative
            if candidate.is_file():
                before = len(self.modules)
                module = self._add_file(candidate)
                if module is None:
                    return _BROKEN
                if module is not None and len(self.modules) > before and module.name != package:
                    self.diagnostics.append(Diagnostic(
                        "package-mismatch",
                        f"{candidate} declares package '{module.name}', not '{package}'",
                        None,
                    ))
                    return None
                return module
        return None

    def finish(self) -> list[ModuleScope]:
        self.resolve_imports()
        if self.diagnostics:
            raise RuleError(self.diagnostics)
        return list(self.modules.values())


_BROKEN = ModuleScope(ast.Module(None, (), ()), "<broken>")


def _package_span(source: SourceFile, module: ast.Module) -> Span:
    start = source.text.find("package")
    return Span(source, max(start, 0), max(start, 0) + len("package"))
