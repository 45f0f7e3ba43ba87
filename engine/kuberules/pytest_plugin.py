"""pytest plugin (entry point `pytest11`): a repository's rule files and policy tests as test items.

With kuberules installed, `pytest` collects each `property` block of a `*.rules` file as one item
(run by kuberules.prove with the example budget and the example database of the hypothesis
settings in force: a profile loaded in conftest.py, `--hypothesis-seed`), and each case of a
`kuberules test` file (`*.test.yaml`) as one item. So properties and policy tests fail a build
the way the repository's other tests do, in the same report. `kuberules_collect = false` in the
pytest configuration (or `-p no:kuberules`) turns collection off.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .errors import RuleError
from .policytest import TEST_SUFFIX, FileResult, run_test_file


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("kuberules_collect", "collect property blocks (*.rules) and policy tests (*.test.yaml)",
                  type="bool", default=True)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if not parent.config.getini("kuberules_collect"):
        return None
    if file_path.suffix == ".rules" and b"property" in file_path.read_bytes():
        return RulesFile.from_parent(parent, path=file_path)
    if file_path.name.endswith(TEST_SUFFIX):
        return PolicyTestFile.from_parent(parent, path=file_path)
    return None


class RuleFileError(Exception):
    """A rule file that does not load, or a property that cannot run: its located diagnostics."""


class PropertyFailed(Exception):
    """A property with a counterexample; the report is `kuberules prove`'s."""


def _diagnostics(err: RuleError) -> str:
    return "\n".join(d.render() for d in err.diagnostics)


class RulesFile(pytest.File):
    def collect(self):
        from . import prove  # hypothesis and the strategies only when there are properties

        try:  # loaded by the path as the user would write it, so that messages and replays read so
            policy = prove.load(os.path.relpath(self.path) if self.path.is_relative_to(Path.cwd()) else self.path)
        except RuleError as err:
            raise RuleFileError(_diagnostics(err)) from None
        for prop in policy.properties(entry_only=True):
            yield PropertyItem.from_parent(self, name=prop.name, prop=prop)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> str:
        if isinstance(excinfo.value, RuleFileError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class PropertyItem(pytest.Item):
    def __init__(self, *, prop, **kwargs):
        super().__init__(**kwargs)
        self.prop = prop

    def runtest(self) -> None:
        from hypothesis import settings

        from . import prove

        current = settings.default
        seed = self.config.getoption("hypothesis_seed", None)
        try:
            result = prove.run_property(self.prop, examples=current.max_examples, database=current.database,
                                        seed=int(seed) if seed is not None else None)
        except RuleError as err:
            raise RuleFileError(_diagnostics(err)) from None
        if not result.passed:
            raise PropertyFailed(prove.report(result))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> str:
        if isinstance(excinfo.value, RuleFileError | PropertyFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        line = self.prop.span.line - 1 if self.prop.span else 0
        return self.path, line, f"property {self.prop.name!r}"


class PolicyTestFile(pytest.File):
    """One item per case; the file (its policies and resources) is loaded and run once."""

    _result: FileResult | None = None

    def result(self) -> FileResult:
        if self._result is None:
            self._result = run_test_file(self.path)
        return self._result

    def collect(self):
        result = self.result()
        if result.error:
            raise RuleFileError(f"{self.path}: {result.error}")
        for case in result.cases:
            yield PolicyCaseItem.from_parent(self, name=f"{case.rule} on {case.object} #{case.index + 1}", case=case)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> str:
        if isinstance(excinfo.value, RuleFileError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class PolicyCaseFailed(Exception):
    pass


class PolicyCaseItem(pytest.Item):
    def __init__(self, *, case, **kwargs):
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        if not self.case.ok:
            detail = f" - {self.case.detail}" if self.case.detail else ""
            raise PolicyCaseFailed(f"{self.case.rule} on {self.case.object}: expected {self.case.expected}, "
                                   f"got {self.case.actual or '-'}{detail}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> str:
        if isinstance(excinfo.value, PolicyCaseFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"policy test {self.name}"
