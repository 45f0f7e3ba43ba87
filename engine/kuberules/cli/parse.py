"""`kuberules parse FILE...`: load rule files and report every problem."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from ..engine import Engine
from ..errors import RuleError


def add_parser(sub) -> None:
    p = sub.add_parser("parse", help="check rule files and print their errors")
    p.add_argument("paths", nargs="+", metavar="FILE", help="rule files or directories")
    p.add_argument("-o", "--output", choices=("text", "json"), default="text")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    try:
        policy = Engine().load(*args.paths)
    except RuleError as err:
        if args.output == "json":
            print(json.dumps({"ok": False, "diagnostics": [d.to_dict() for d in err.diagnostics]},
                             indent=2), file=stdout)
            return 2
        raise
    summary = {
        "ok": True,
        "modules": sorted(m.name for m in policy.modules),
        "rules": len(policy.rules),
        "mutations": len(policy.mutations),
        "transitions": len(policy.machines),
        "queries": policy.query_names(),
    }
    if args.output == "json":
        print(json.dumps(summary, indent=2), file=stdout)
    else:
        print(f"ok: {len(summary['modules'])} module(s), {summary['rules']} rule(s), "
              f"{summary['mutations']} mutation(s), {summary['transitions']} transitions block(s), "
              f"{len(summary['queries'])} quer{'y' if len(summary['queries']) == 1 else 'ies'}",
              file=stdout)
    return 0
