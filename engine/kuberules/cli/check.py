"""`kuberules check PATH...`: the CI gate.

Loads manifests (files, directories, `-` for stdin), validates their shape
against the JSON Schemas in specs/, applies a policy (the bundled library by
default), and reports located problems in the format CI reads. Exit 0 when
clean (warnings allowed), 1 on violations, 2 when an input was unreadable
(the other inputs are still reported).
"""

from __future__ import annotations

import argparse
import gc
from typing import TextIO

from ..checker import SEVERITIES
from ..engine import Engine
from ..k8s.schema import KUBERNETES_VERSION, SchemaValidator
from ..pipeline import SCHEMA_RULE, CheckPipeline, matches
from ..report import FORMATS
from ..report.model import CheckReport, RuleInfo
from ..resources import policies_dir


def add_parser(sub) -> None:
    p = sub.add_parser("check", help="check manifests against policies (the CI gate)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="manifest files, directories, or - for stdin")
    p.add_argument("-p", "--policy", action="append", default=[], metavar="POLICY",
                   help="rule files or directories (default: the bundled library)")
    p.add_argument("--cluster", action="append", default=[], metavar="PATH",
                   help="objects already in the cluster, for cross-object rules")
    p.add_argument("-o", "--output", choices=sorted(FORMATS), default="text")
    p.add_argument("--rule", action="append", default=[], metavar="ID",
                   help="only these rules (id, bare name or glob such as 'library.security.*')")
    p.add_argument("--skip-rule", action="append", default=[], metavar="ID", help="never these rules")
    p.add_argument("--strict", action="store_true", help="unknown fields are schema errors")
    p.add_argument("--no-schema", action="store_true", help="skip JSON Schema validation")
    p.add_argument("--severity", choices=SEVERITIES, metavar="LEVEL",
                   help=f"only rules of this severity or worse ({', '.join(reversed(SEVERITIES))})")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    # Manifests and their parse nodes are trees without reference cycles:
    # reference counting frees each file's once it is reported. The cyclic
    # collector, started by allocation counts, would only walk what survives
    # (cluster projections, problems) again and again. Pause it.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _check(args, stdout)
    finally:
        if collecting:
            gc.enable()


def _check(args: argparse.Namespace, stdout: TextIO) -> int:
    engine = Engine()
    policy = engine.load(*args.policy) if args.policy else engine.load(policies_dir() / "library")
    rank = {s: i for i, s in enumerate(SEVERITIES)}  # critical first

    def keep(rule) -> bool:
        if args.rule and not matches(rule.rule_id, args.rule):
            return False
        if args.skip_rule and matches(rule.rule_id, args.skip_rule):
            return False
        severity = rule.meta.get("severity", "medium")
        return not args.severity or rank.get(severity, 2) <= rank[args.severity]

    policy = policy.restrict(keep)
    report = CheckReport()
    for rule in policy.rules:
        report.rules[rule.rule_id] = RuleInfo(
            rule.rule_id, rule.meta.get("title", rule.name), rule.meta.get("severity", "medium"),
            rule.meta.get("rationale", ""), rule.meta.get("fix", ""), rule.decl.span.location(),
        )
    schema = None if args.no_schema else SchemaValidator(strict=args.strict)
    schema_wanted = (
        (not args.rule or matches(SCHEMA_RULE, args.rule))
        and not (args.skip_rule and matches(SCHEMA_RULE, args.skip_rule))
        and (not args.severity or rank["high"] <= rank[args.severity])
    )
    if schema is not None and schema_wanted:
        report.rules[SCHEMA_RULE] = RuleInfo(
            SCHEMA_RULE, f"Manifests match the Kubernetes {KUBERNETES_VERSION} API schema", "high",
            "The API server rejects an object whose fields have the wrong type or miss required ones.",
            "Fix the field named in the message; see `kubectl explain KIND.FIELD`.",
        )
    else:
        schema = None
    CheckPipeline(policy, schema, report, record_checked=args.output == "junit").run(args.paths, args.cluster)
    FORMATS[args.output](report, stdout)
    return report.exit_code()
