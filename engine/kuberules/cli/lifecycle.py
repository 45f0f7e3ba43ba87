"""`kuberules lifecycle phase|simulate|table`: the pod lifecycle, answered by
policies/kubernetes/lifecycle.rules."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from ..k8s import lifecycle
from ..k8s.load import read_located


def add_parser(sub) -> None:
    p = sub.add_parser("lifecycle", help="pod phase and restart behaviour, from the kubelet's rules")
    cmds = p.add_subparsers(dest="lifecycle_command", required=True, metavar="COMMAND")
    phase = cmds.add_parser("phase", help="the phase a kubelet reports for pods with a status, and why")
    phase.add_argument("paths", nargs="+", metavar="POD", help="pod manifests (files, directories, -)")
    phase.add_argument("-o", "--output", choices=("text", "json"), default="text")
    phase.set_defaults(run=run_phase)
    sim = cmds.add_parser("simulate", help="the states of a running pod after each event")
    sim.add_argument("path", metavar="POD", help="a pod manifest (its first Pod)")
    sim.add_argument("--event", action="append", default=[], metavar="EVENT",
                     help="e.g. 'exit app 1', 'oom app', 'liveness_failure app', 'wait 30', 'disk_failure', "
                          "'node_lost', 'delete 0' (repeatable, in order)")
    sim.add_argument("-o", "--output", choices=("text", "json"), default="text")
    sim.set_defaults(run=run_simulate)
    tab = cmds.add_parser("table", help="the restart-policy table, computed from the rules")
    tab.add_argument("--restart-policy", choices=lifecycle.POLICIES, action="append", metavar="POLICY",
                     help="only this restartPolicy (repeatable)")
    tab.add_argument("-o", "--output", choices=("text", "markdown", "json"), default="text")
    tab.set_defaults(run=run_table)


def _pods(paths: list[str]) -> list:
    return [d for d in read_located(paths) if d.object.get("kind") == "Pod"]


def run_phase(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    policy = lifecycle.lifecycle_policy()
    results = []
    for doc in _pods(args.paths):
        meta = doc.object.get("metadata") if type(doc.object.get("metadata")) is dict else {}
        results.append({"file": doc.file, "line": doc.line, "name": meta.get("name"),
                        **lifecycle.phase(policy, doc.object)})
    if not results:
        print("error: no Pod in the input", file=stderr)
        return 2
    if args.output == "json":
        print(json.dumps(results, indent=2), file=stdout)
    else:
        for r in results:
            print(f"{r['file']}:{r['line']}: Pod {r['name']}: {r['phase']} ({r['reason']})", file=stdout)
    return 0


def run_simulate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    policy = lifecycle.lifecycle_policy()
    pods = _pods([args.path])
    if not pods:
        print(f"error: {args.path}: no Pod in the input", file=stderr)
        return 2
    try:
        events = [lifecycle.parse_event(e, policy) for e in args.event]
    except lifecycle.EventError as err:
        print(f"error: --event: {err}", file=stderr)
        return 2
    steps = lifecycle.simulate(policy, pods[0].object, events)
    if args.output == "json":
        print(json.dumps([s.to_dict() for s in steps], indent=2), file=stdout)
        return 0
    for step in steps:
        head = f"after {step.event}" if step.event else "start"
        idle = "" if step.fired else " (nothing happens: no transition of the rules applies)"
        print(f"{head}: {step.state}{idle}", file=stdout)
        backoff = {k["name"]: k for k in step.kubelet}
        for s in step.pod.get("status", {}).get("containerStatuses", []):
            state = next(iter(s.get("state") or {"unknown": {}}))
            detail = (s["state"][state] or {}) if state != "unknown" else {}
            extra = detail.get("reason") or ""
            if state == "terminated":
                extra = f"exit {detail.get('exitCode')}" + (f", {extra}" if extra else "")
            k = backoff.get(s["name"])
            wait = f", back-off {k['backoff']}s" if k and k["backoff"] else ""
            print(f"  {s['name']}: {state}{' (' + extra + ')' if extra else ''}, restarts {s.get('restartCount', 0)}"
                  f"{wait}", file=stdout)
        for a in step.actions:
            print(f"  -> {a['action']}({', '.join(map(str, a['args']))})", file=stdout)
    return 0


def run_table(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    policies = tuple(args.restart_policy or lifecycle.POLICIES)
    rows = lifecycle.table(lifecycle.lifecycle_policy(), policies)
    if args.output == "json":
        print(json.dumps(rows, indent=2), file=stdout)
        return 0
    header = ["event", *policies]
    if args.output == "markdown":
        print("| " + " | ".join(header) + " |", file=stdout)
        print("|" + "---|" * len(header), file=stdout)
        for row in rows:
            print("| " + " | ".join(row[h] for h in header) + " |", file=stdout)
        return 0
    widths = [max(len(h), *(len(r[h]) for r in rows)) for h in header]
    for line in [dict(zip(header, header, strict=True)), *rows]:
        print("  ".join(line[h].ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(), file=stdout)
    return 0
