"""`kuberules test [PATH...]`: run policy unit tests (`*.test.yaml`).

Exit 0 when every case passes, 1 when one fails, 2 when a test file or the
rule files it names cannot be loaded.
"""

from __future__ import annotations

import argparse
import json
import re
from typing import TextIO

from ..engine import Engine
from ..policytest import find_test_files, run_test_file


def add_parser(sub) -> None:
    p = sub.add_parser("test", help="run policy unit tests (*.test.yaml)")
    p.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="test files or directories")
    p.add_argument("--run", dest="run_filter", metavar="REGEX",
                   help="only cases whose 'rule on object' name matches")
    p.add_argument("-v", "--verbose", action="store_true", help="print passing cases too")
    p.add_argument("-o", "--output", choices=("text", "json"), default="text")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    files = find_test_files(args.paths)
    if not files:
        print("error: no *.test.yaml files found", file=stderr)
        return 2
    try:
        pattern = re.compile(args.run_filter) if args.run_filter else None
    except re.error as err:
        print(f"error: --run: invalid regular expression: {err}", file=stderr)
        return 2
    engine = Engine()
    results = [run_test_file(f, engine) for f in files]
    if pattern is not None:
        for r in results:
            r.cases = [c for c in r.cases if pattern.search(c.name)]
    passed = sum(c.ok for r in results for c in r.cases)
    failed = sum(not c.ok for r in results for c in r.cases)
    broken = [r for r in results if r.error]
    if args.output == "json":
        print(json.dumps({
            "passed": passed, "failed": failed, "errors": len(broken),
            "files": [{"file": r.file, "name": r.name, "error": r.error,
                       "cases": [{"rule": c.rule, "object": c.object, "expected": c.expected,
                                  "actual": c.actual, "ok": c.ok, "detail": c.detail} for c in r.cases]}
                      for r in results],
        }, indent=2), file=stdout)
    else:
        for r in results:
            if r.error:
                print(f"ERROR {r.file}: {r.error}", file=stdout)
            for c in r.cases:
                if c.ok and not args.verbose:
                    continue
                status = "PASS" if c.ok else "FAIL"
                line = f"{status}  {c.name} ({r.file} #{c.index + 1})"
                if not c.ok:
                    line += f": expected {c.expected}, got {c.actual or '-'}" + (f" - {c.detail}" if c.detail else "")
                print(line, file=stdout)
        print(f"{len(results)} test file(s): {passed} case(s) passed, {failed} failed"
              + (f", {len(broken)} file(s) with errors" if broken else ""), file=stdout)
    if broken:
        return 2
    return 1 if failed else 0
