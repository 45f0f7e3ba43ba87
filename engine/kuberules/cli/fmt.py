"""`kuberules fmt [FILE...]`: print rule files in canonical form.

Like `opa fmt`: stdin when no file, `-w` writes in place, `-l` lists files
that would change, `-d` shows a diff, `--check` exits 1 when any would. The
output is always parsed again and compared with the input's tree, so fmt
cannot change what a policy means.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import TextIO

from ..errors import Diagnostic, RuleError
from ..loader import RULE_SUFFIX
from ..printer import format_module
from ..source import SourceFile
from ..syntax.parse import parse_module


def add_parser(sub) -> None:
    p = sub.add_parser("fmt", help="format rule files canonically")
    p.add_argument("paths", nargs="*", metavar="FILE", help="rule files or directories (default: stdin)")
    p.add_argument("-w", "--write", action="store_true", help="rewrite the files in place")
    p.add_argument("-l", "--list", action="store_true", help="list the files whose format differs")
    p.add_argument("-d", "--diff", action="store_true", help="print a unified diff")
    p.add_argument("--check", action="store_true", help="exit 1 if any file is not formatted")
    p.set_defaults(run=run)


def format_source(source: SourceFile) -> str:
    module = parse_module(source)
    text = format_module(module, source)
    again = parse_module(SourceFile(source.name, text))
    if again != module:  # pragma: no cover - guarded by the round-trip property tests
        raise RuleError([Diagnostic("fmt-changed-meaning",
                                    "formatting would change the meaning of this file; please report it",
                                    None)])
    return text


def _files(paths: list[str]) -> list[str]:
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out.extend(str(f) for f in sorted(path.rglob("*" + RULE_SUFFIX)))
        else:
            out.append(p)
    return out


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    names = _files(args.paths) if args.paths else ["-"]
    results: list[tuple[str, str, str]] = []
    problems: list[Diagnostic] = []
    for name in names:
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as err:
            problems.append(Diagnostic("unreadable-file", f"{name}: {getattr(err, 'strerror', None) or err}",
                                       None))
            continue
        try:
            results.append((name, text, format_source(SourceFile("<stdin>" if name == "-" else name, text))))
        except RuleError as err:
            problems.extend(err.diagnostics)
    if problems:
        raise RuleError(problems)  # nothing is written when any file is broken
    changed = [(n, old, new) for n, old, new in results if old != new]
    for name, old, new in changed if (args.list or args.diff or args.write) else []:
        if args.list:
            print(name, file=stdout)
        if args.diff:
            stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                   f"{name} (original)", f"{name} (formatted)"))
        if args.write and name != "-":
            Path(name).write_text(new, encoding="utf-8")
    if not (args.list or args.diff or args.write or args.check):
        for _, _, new in results:
            stdout.write(new)
    if args.check and changed:
        for name, _, _ in changed if not args.list else []:
            print(f"{name}: not formatted", file=stderr)
        return 1
    return 0
