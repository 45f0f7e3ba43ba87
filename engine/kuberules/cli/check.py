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
from pathlib import Path
from typing import TextIO

from ..checker import SEVERITIES
from ..engine import Engine
from ..k8s.schema import KUBERNETES_VERSION, SchemaValidator
from ..pipeline import ADMISSION_RULES, SCHEMA_RULE, CheckPipeline, matches
from ..report import FORMATS
from ..report.model import CheckReport, RuleInfo
from ..resources import policies_dir

# The rules of a file named *.opt-in.rules (in the library, or in a directory
# given to -p) run only when --opt-in names them, or when -p names the file.
OPT_IN = ".opt-in.rules"


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
    p.add_argument("--opt-in", action="append", default=[], metavar="ID",
                   help=f"also run these opt-in rules (those of *{OPT_IN} files, such as default_deny)")
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


def _wanted(rule: str, severity: str, args: argparse.Namespace, rank: dict) -> bool:
    """Whether a built-in rule (schema, admission) survives --rule, --skip-rule and --severity."""
    return ((not args.rule or matches(rule, args.rule))
            and not (args.skip_rule and matches(rule, args.skip_rule))
            and (not args.severity or rank[severity] <= rank[args.severity]))


ADMISSION_TITLES = ("Pods fit the LimitRanges of their namespace", "Objects and their pods fit the namespace's quotas")
ADMISSION_HELP = {
    ADMISSION_RULES["LimitRanger"]: (
        "The LimitRanger admission plugin refuses a pod whose containers ask for less than a LimitRange's min or "
        "more than its max; for a workload, every pod it creates is refused and none ever runs.",
        "Change the container's requests and limits, or the LimitRange of the namespace (kuberules admit shows "
        "the pod after LimitRange defaults)."),
    ADMISSION_RULES["ResourceQuota"]: (
        "The ResourceQuota admission plugin refuses what would take a namespace's usage above a quota's hard "
        "limit: the workload applies, but the pods that do not fit are never created (kubectl describe rs shows "
        "'exceeded quota').",
        "Lower the replicas or the pods' requests, or raise the quota; kuberules admit shows each quota's usage."),
}


def _check(args: argparse.Namespace, stdout: TextIO) -> int:
    engine = Engine()
    policy = engine.load(*args.policy) if args.policy else engine.load(policies_dir() / "library")
    rank = {s: i for i, s in enumerate(SEVERITIES)}  # critical first

    named = {Path(p).resolve() for p in args.policy if Path(p).is_file()}

    def keep(rule) -> bool:
        source = rule.decl.span.source.name
        if source.endswith(OPT_IN) and not matches(rule.rule_id, args.opt_in) and Path(source).resolve() not in named:
            return False
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
    schema_wanted = _wanted(SCHEMA_RULE, "high", args, rank)
    if schema is not None and schema_wanted:
        report.rules[SCHEMA_RULE] = RuleInfo(
            SCHEMA_RULE, f"Manifests match the Kubernetes {KUBERNETES_VERSION} API schema", "high",
            "The API server rejects an object whose fields have the wrong type or miss required ones.",
            "Fix the field named in the message; see `kubectl explain KIND.FIELD`.",
        )
    else:
        schema = None
    admission = None
    wanted = [rule for rule in ADMISSION_RULES.values() if _wanted(rule, "high", args, rank)]
    if args.cluster and wanted:
        admission = engine.load(policies_dir() / "kubernetes")
        for rule, title in zip(ADMISSION_RULES.values(), ADMISSION_TITLES, strict=True):
            if rule in wanted:
                report.rules[rule] = RuleInfo(rule, title, "high", *ADMISSION_HELP[rule])
    CheckPipeline(policy, schema, report, record_checked=args.output == "junit",
                  admission=admission).run(args.paths, args.cluster)
    FORMATS[args.output](report, stdout)
    return report.exit_code()
