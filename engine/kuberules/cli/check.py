"""`kuberules check PATH...`: the CI gate.

Loads manifests (files, directories, `-` for stdin), validates their shape
against the JSON Schemas in specs/, applies a policy (the bundled library by
default), and reports located problems in the format CI reads. Exit 0 when
clean (warnings allowed), 1 on violations, 2 when an input was unreadable
(the other inputs are still reported).
"""

from __future__ import annotations

import argparse
import fnmatch
import gc
from typing import TextIO

from ..checker import SEVERITIES
from ..decision import format_path, object_ref
from ..engine import Engine
from ..k8s.cluster import ClusterView
from ..k8s.load import expand_paths, read_file
from ..k8s.schema import KUBERNETES_VERSION, SchemaValidator
from ..report import FORMATS
from ..report.model import Checked, CheckReport, Problem, RuleInfo
from ..resources import policies_dir

SKIP_ANNOTATION = "kuberules.dev/skip"
SCHEMA_RULE = "kubernetes.schema"


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


def _matches(rule_id: str, patterns: list[str]) -> bool:
    name = rule_id.rsplit(".", 1)[-1]
    return any(fnmatch.fnmatchcase(rule_id, p) or p == name for p in patterns)


def _skipped(obj: dict) -> list[str]:
    meta = obj.get("metadata") if type(obj.get("metadata")) is dict else {}
    notes = meta.get("annotations") if type(meta.get("annotations")) is dict else {}
    value = notes.get(SKIP_ANNOTATION)
    return [s.strip() for s in value.split(",") if s.strip()] if type(value) is str else []


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    # Manifests are trees without reference cycles, and they all stay alive
    # until the end: the cyclic collector would walk them again and again
    # (on 10,000 documents that cost more than all the checking). Pause it.
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
        if args.rule and not _matches(rule.rule_id, args.rule):
            return False
        if args.skip_rule and _matches(rule.rule_id, args.skip_rule):
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
    documents = []
    for path in expand_paths(args.paths):
        found, errors = read_file(path)
        documents.extend(found)
        report.input_errors.extend(str(e) for e in errors)
    cluster_objects = []
    for path in expand_paths(args.cluster):
        found, errors = read_file(path)
        cluster_objects.extend(d.object for d in found)
        report.input_errors.extend(str(e) for e in errors)
    schema = None if args.no_schema else SchemaValidator(strict=args.strict)
    schema_wanted = (
        (not args.rule or _matches(SCHEMA_RULE, args.rule))
        and not (args.skip_rule and _matches(SCHEMA_RULE, args.skip_rule))
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
    cluster = ClusterView([d.object for d in documents] + cluster_objects)
    report.files = len({d.file for d in documents})
    for i, doc in enumerate(documents):
        documents[i] = None  # its source text and position index go once it is reported
        obj = doc.object
        report.objects += 1
        skipped = _skipped(obj)
        applied = []
        if schema is not None and not (skipped and ("*" in skipped or _matches(SCHEMA_RULE, skipped))):
            for problem in schema.errors(obj):
                line, column = doc.position(problem.path) or (doc.line, 1)
                report.problems.append(Problem(
                    doc.file, line, column, SCHEMA_RULE, "deny", "high", problem.message, object_ref(obj),
                    format_path(problem.path),
                ))
            if schema.known(obj):
                applied.append(SCHEMA_RULE)
        for finding in policy.evaluate(obj, cluster=cluster):
            if skipped and ("*" in skipped or _matches(finding.rule_id, skipped)):
                continue
            line, column = doc.position(finding.path) or (doc.line, 1)
            report.problems.append(Problem(
                doc.file, line, column, finding.rule_id, finding.effect, finding.severity,
                finding.message, object_ref(obj), format_path(finding.path),
            ))
        for rule in policy.rules_for(str(obj.get("kind"))):
            if rule.applies(obj, None) and not (skipped and ("*" in skipped or _matches(rule.rule_id, skipped))):
                applied.append(rule.rule_id)
        report.checked.append(Checked(doc.file, object_ref(obj), applied))
    FORMATS[args.output](report, stdout)
    return report.exit_code()
