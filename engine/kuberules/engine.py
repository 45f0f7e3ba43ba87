"""The Engine: the pipeline from rule text to a runnable Policy.

load -> parse -> check -> compile, with every problem gathered into one
RuleError of located diagnostics. It plays the part of Jinja2's Environment:
the one object a caller configures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from . import ast
from .checker import Checker, ModuleScope
from .compiler import ExprCompiler, ProgramCompiler, Slots
from .errors import Diagnostic, RuleError
from .k8s.cluster import ClusterView
from .loader import Loader
from .policy import Policy
from .runtime.frame import DEFAULT_STEPS, Budget, new_frame
from .source import SourceFile
from .syntax.parse import parse_expression


class Engine:
    def __init__(self, search_path: Iterable[str | Path] = (), *, step_limit: int = DEFAULT_STEPS,
                 bundled: bool = True, generators: Mapping | None = None):
        """`generators` (name -> kuberules.strategies.Generator): check the generators that
        `property` blocks name, and their arguments, when loading (`kuberules prove` passes
        kuberules.strategies.GENERATORS); without it they are checked only when run."""
        self.search_path = [Path(p) for p in search_path]
        self.step_limit = step_limit
        self.bundled = bundled
        self.generators = generators

    def load(self, *paths: str | Path, sources: Iterable[SourceFile] = ()) -> Policy:
        """Load rule files and directories (recursively, `*.rules`)."""
        loader = Loader(self.search_path, self.bundled)
        entry: set[str] = set()
        for path in paths:
            p = Path(path)
            if not p.exists():
                raise RuleError([Diagnostic("unreadable-file", f"{p}: no such file or directory", None)])
            entry.update(m.name for m in loader.add_path(p))
        for source in sources:
            module = loader.add_source(source)
            if module is not None:
                entry.add(module.name)
        policy = self._build(loader.finish())
        policy.entry_modules = frozenset(entry)
        return policy

    def load_string(self, text: str, name: str = "<string>") -> Policy:
        return self.load(sources=[SourceFile(name, text)])

    def _build(self, modules: list[ModuleScope]) -> Policy:
        res = Checker(modules, self.generators).check()
        if res.diagnostics:
            raise RuleError(res.diagnostics)
        return Policy(modules, res, self.step_limit)

    def compile_expression(self, text: str, policy: Policy | None = None,
                           name: str = "<expression>") -> Expression:
        """Compile one expression; with a policy, its modules are importable by
        their last package component (`rbac.allowed(...)`), and names defined
        by exactly one module may be used bare."""
        expr = parse_expression(SourceFile(name, text))
        scope = ModuleScope(ast.Module(None, (), ()), "")
        modules = policy.modules if policy is not None else []
        owners: dict[str, list[tuple[ModuleScope, ast.Node]]] = {}
        for m in modules:
            scope.imports.setdefault(m.name.rsplit(".", 1)[-1], m)
            for member, decl in m.members.items():
                if isinstance(decl, (ast.DefDecl, ast.QueryDecl, ast.LetDecl)):
                    owners.setdefault(member, []).append((m, decl))
        for member, found in owners.items():
            if len(found) == 1:
                scope.members[member] = found[0][1]
                scope.borrowed[member] = found[0][0]
        res = Checker(modules).check_expression(scope, expr)
        if res.diagnostics:
            raise RuleError(res.diagnostics)
        program = policy.program if policy is not None else ProgramCompiler(res)
        slots = Slots()
        closure = ExprCompiler(program, slots, res).compile(expr)
        return Expression(text, closure, slots.size, self.step_limit)


class Expression:
    """A compiled expression: call it with the context to get the value."""

    def __init__(self, text: str, closure, frame_size: int, step_limit: int):
        self.text = text
        self._closure = closure
        self._size = frame_size
        self._steps = step_limit

    def __call__(self, object: object = None, *, old_object: object = None, request: object = None,
                 cluster: ClusterView | None = None) -> object:
        frame = new_frame(Budget(self._steps), object, old_object, request, cluster, self._size)
        return self._closure(frame)
