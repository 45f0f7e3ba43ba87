"""`kuberules admit MANIFEST... --cluster PATH...`: would the API server admit these objects?

Objects are admitted in order, as `kubectl apply -f` of a directory sends
them, each admitted one counting towards quota for the next; LimitRanger and
ResourceQuota decide, as written in policies/kubernetes. Exit 0 when all are
admitted, 1 when any is denied, 2 on an input error.
"""

from __future__ import annotations

import argparse
import difflib
import json
from typing import TextIO

import yaml

from ..engine import Engine
from ..errors import EvalError
from ..k8s.admission import Admission, Decision, validation_errors
from ..k8s.load import read_located
from ..resources import policies_dir


def add_parser(sub) -> None:
    p = sub.add_parser("admit", help="would the API server admit these manifests (LimitRange, ResourceQuota)")
    p.add_argument("paths", nargs="+", metavar="MANIFEST", help="files, directories or - (admitted in order)")
    p.add_argument("--cluster", action="append", default=[], metavar="PATH",
                   help="the cluster's objects: LimitRanges, ResourceQuotas (with status.used), Namespaces, Nodes, "
                        "HorizontalPodAutoscalers, pods ... (files, directories, - for a kubectl get -A -o yaml List)")
    p.add_argument("-n", "--namespace", default="default",
                   help="namespace of objects that name none (default: default)")
    p.add_argument("--recompute-usage", action="store_true",
                   help="compute every quota's usage from the snapshot's objects, even where status.used is given")
    p.add_argument("--diff", action="store_true", help="show what defaulting changed in each object")
    p.add_argument("-o", "--output", choices=("text", "json", "yaml"), default="text")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    snapshot = read_located(args.cluster) if args.cluster else []
    manifests = read_located(args.paths)
    policy = Engine().load(policies_dir() / "kubernetes")
    broken = [f"{d.file}:{d.line}: {_ref(d.object)}: {e}"
              for d in snapshot for e in validation_errors(policy, d.object)]
    if broken:  # the cluster could not hold these: the snapshot is wrong, not the manifests
        stderr.write("".join(f"error: {b}\n" for b in broken))
        return 2
    admission = Admission(policy, [d.object for d in snapshot], namespace=args.namespace,
                          recompute_usage=args.recompute_usage)
    results, failures = [], []
    for doc in manifests:
        try:
            results.append((doc, admission.admit(doc.object)))
        except EvalError as err:  # a value the API server could not decode, such as cpu: "lots"
            failures.append(f"{doc.file}:{doc.line}: {_ref(doc.object)}: cannot be admitted: {err.message}")
    if failures:
        stderr.write("".join(f"error: {f}\n" for f in failures))
        return 2
    denied = sum(not d.allowed for _, d in results)
    if args.output == "json":
        data = {
            "summary": {"objects": len(results), "admitted": len(results) - denied, "denied": denied},
            "results": [{"file": doc.file, "line": doc.line, **d.to_dict()} for doc, d in results],
        }
        stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    elif args.output == "yaml":
        admitted = [d.object for _, d in results if d.allowed]
        stdout.write(yaml.safe_dump_all(admitted, sort_keys=False, default_flow_style=False) if admitted else "")
        for doc, d in results:
            if not d.allowed:
                stderr.write(f"{doc.file}:{doc.line}: {_title(d)}: denied: {d.reasons[-1].message}\n")
    else:
        for doc, d in results:
            _print(doc.file, doc.line, d, stdout, args.diff)
        print(f"{len(results)} object(s): {len(results) - denied} admitted, {denied} denied", file=stdout)
    return 1 if denied else 0


def _ref(obj: dict) -> str:
    meta = obj.get("metadata") if type(obj.get("metadata")) is dict else {}
    ns = f"{meta['namespace']}/" if meta.get("namespace") else ""
    return f"{obj.get('kind')} {ns}{meta.get('name', '')}"


def _title(d: Decision) -> str:
    return f"{d.kind} {d.namespace + '/' if d.namespace else ''}{d.name}"


def _print(file: str, line: int, d: Decision, out: TextIO, diff: bool) -> None:
    print(f"{file}:{line}: {_title(d)}: {'admitted' if d.allowed else 'denied'}", file=out)
    for r in d.reasons:
        print(f"  {r.plugin}: {r.message}", file=out)
    if d.replicas is not None and d.replicas["wanted"] is not None and d.allowed:
        print(f"  {d.replicas['wanted']} pod(s) ({d.replicas['why']}) admitted", file=out)
    for w in d.warnings:
        print(f"  warning: {w}", file=out)
    for note in d.notes:
        print(f"  {note}", file=out)
    for q in d.quotas:
        changed = [r for r in q.hard if q.before.get(r) != q.after.get(r)]
        if changed:
            usage = ", ".join(f"{r} {q.before.get(r, '0')} -> {q.after.get(r, '0')} of {q.hard[r]}" for r in changed)
            print(f"  ResourceQuota {q.name} ({q.source}): {usage}", file=out)
    if diff:
        before, target = (d.pod_original, d.pod) if d.pod is not None else (d.original, d.object)
        if before != target:
            old = yaml.safe_dump(before, sort_keys=True).splitlines()
            new = yaml.safe_dump(target, sort_keys=True).splitlines()
            for text in difflib.unified_diff(old, new, "before", "after", lineterm="", n=2):
                print(f"    {text}", file=out)
