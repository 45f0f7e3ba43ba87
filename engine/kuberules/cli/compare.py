"""`kuberules compare A B`: where two policy sets disagree, on generated objects.

Exit 0 when they meet the expectation on every example, 1 with the minimal
counterexample of each kind where they do not, 2 when a policy set cannot be
loaded or a kind is unknown.
"""

from __future__ import annotations

import argparse
import json
from typing import TextIO

import yaml

from ..k8s.load import InputError


def add_parser(sub) -> None:
    p = sub.add_parser("compare", help="where two policy sets disagree, on generated objects")
    p.add_argument("left", metavar="A", help="rule file or directory (the reference)")
    p.add_argument("right", metavar="B", help="rule file or directory (the candidate)")
    p.add_argument("--kinds", nargs="+", metavar="KIND", help="kinds to generate (default: every kind)")
    p.add_argument("--examples", type=int, default=100, metavar="N", help="objects per kind (default 100)")
    p.add_argument("--expect", choices=("equivalent", "stricter"), default="equivalent",
                   help="equivalent: the same verdict on every object; stricter: B refuses whatever A refuses")
    p.add_argument("--by", choices=("rules", "outcome"), default="rules",
                   help="rules: the same rule ids deny and warn (default); outcome: only allow/warn/deny counts, "
                        "for policy sets whose rules are named differently")
    p.add_argument("--seed", type=int, metavar="S", help="draw with this seed (default: a fixed derivation)")
    p.add_argument("-o", "--output", choices=("text", "json"), default="text")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..compare import KINDS, compare_kind  # hypothesis is imported only by the commands that draw
    from ..engine import Engine

    kinds = args.kinds or list(KINDS)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise InputError(f"--kinds: unknown kind {', '.join(unknown)}; kinds: {', '.join(KINDS)}")
    if args.examples < 1:
        raise InputError("--examples: must be at least 1")
    left, right = Engine().load(args.left), Engine().load(args.right)
    results = [compare_kind(left, right, kind, args.examples, args.expect, args.by, args.seed) for kind in kinds]
    disagree = [r for r in results if not r.agrees]
    if args.output == "json":
        json.dump({"expect": args.expect, "by": args.by, "left": args.left, "right": args.right, "agree": not disagree,
                   "kinds": [{"kind": r.kind, "examples": r.examples, "agree": r.agrees,
                              **({"counterexample": r.counterexample,
                                  "left": {"outcome": r.left.outcome, "findings": list(r.left.findings)},
                                  "right": {"outcome": r.right.outcome, "findings": list(r.right.findings)}}
                                 if r.left and r.right else {})} for r in results]},
                  stdout, indent=2)
        stdout.write("\n")
        return 1 if disagree else 0
    width = max(len(args.left), len(args.right))
    for r in results:
        count = f"{r.examples} example{'' if r.examples == 1 else 's'}"
        print(f"{'agree' if r.agrees else 'DIFFER'}  {r.kind} ({count})", file=stdout)
        if r.left and r.right:
            def rule(finding: str) -> str:  # "effect rule-id", without the message (its paths differ)
                return finding.partition(":")[0]

            common = {rule(f) for f in r.left.findings} & {rule(f) for f in r.right.findings}
            for name, side in ((args.left, r.left), (args.right, r.right)):
                print(f"    {name:<{width}}  {side.outcome}", file=stdout)
                for finding in side.findings:
                    if rule(finding) not in common:
                        print(f"    {'':<{width}}    {finding}", file=stdout)
            if common:
                print(f"    ({len(common)} findings on both sides not shown)", file=stdout)
            print("    the smallest object they disagree on:", file=stdout)
            text = yaml.safe_dump(r.counterexample, sort_keys=False, default_flow_style=False)
            stdout.write("".join(f"      {line}\n" for line in text.splitlines()))
    relation = "equivalent to" if args.expect == "equivalent" else "at least as strict as"
    if disagree:
        print(f"{len(disagree)} of {len(results)} kinds differ: {args.right} is not {relation} {args.left}",
              file=stdout)
        return 1
    print(f"{len(results)} kinds, {sum(r.examples for r in results)} objects: {args.right} is {relation} "
          f"{args.left} on every one", file=stdout)
    return 0
