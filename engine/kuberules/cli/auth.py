"""`kuberules auth can-i|who-can`: RBAC offline, answered by policies/kubernetes/rbac.rules.

kubectl's flags and output where kubectl has the notion: `can-i` prints yes or
no and exits 0 or 1. The snapshot is the RBAC objects of `--cluster` plus the
bootstrap ClusterRoles and ClusterRoleBindings (policies/kubernetes/rbac-defaults)
unless `--no-default-roles`.
"""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from ..engine import Engine
from ..k8s.cluster import ClusterView
from ..k8s.load import Document, InputError, read_located
from ..resources import policies_dir

DEFAULT_ROLES = policies_dir() / "kubernetes" / "rbac-defaults"
RBAC_KINDS = ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")


def add_parser(sub) -> None:
    p = sub.add_parser("auth", help="RBAC offline: can-i, who-can")
    cmds = p.add_subparsers(dest="auth_command", required=True, metavar="COMMAND")
    can = cmds.add_parser("can-i", help="whether a user may do something, and what allows it")
    can.add_argument("verb", nargs="?", metavar="VERB")
    can.add_argument("what", nargs="?", metavar="TYPE[/NAME] | /URL")
    can.add_argument("--list", action="store_true", help="every rule that applies to the user")
    can.add_argument("--explain", action="store_true", help="the binding, role and rule; for a no, the nearest misses")
    _common(can)
    can.add_argument("--as", dest="user", required=True, metavar="USER",
                     help="the user (system:serviceaccount:NS:NAME for a service account)")
    can.add_argument("--as-group", action="append", default=[], metavar="GROUP")
    can.set_defaults(run=run_can_i)
    who = cmds.add_parser("who-can", help="every subject allowed to do something")
    who.add_argument("verb", metavar="VERB")
    who.add_argument("what", metavar="TYPE[/NAME] | /URL")
    _common(who)
    who.set_defaults(run=run_who_can)
    esc = cmds.add_parser("escalation", help="whether a user could create these roles and bindings")
    esc.add_argument("manifests", nargs="+", metavar="MANIFEST")
    _common(esc)
    esc.add_argument("--as", dest="user", required=True, metavar="USER")
    esc.add_argument("--as-group", action="append", default=[], metavar="GROUP")
    esc.set_defaults(run=run_escalation)
    graph = cmds.add_parser("graph", help="subjects -> bindings -> roles -> permissions (dot or json)")
    _common(graph, formats=("dot", "json"))
    graph.set_defaults(run=run_graph)


def _common(p: argparse.ArgumentParser, formats: tuple[str, ...] = ("text", "json")) -> None:
    p.add_argument("--subresource", default="", metavar="S")
    p.add_argument("-n", "--namespace", default="default")
    p.add_argument("-A", "--all-namespaces", action="store_true", help="cluster-wide (only ClusterRoleBindings count)")
    p.add_argument("--cluster", action="append", default=[], metavar="PATH", help="the cluster's RBAC objects")
    p.add_argument("--no-default-roles", action="store_true", help="without the bootstrap roles and bindings")
    p.add_argument("-o", "--output", choices=formats, default=formats[0])


class _Snapshot:
    """The RBAC objects, indexed, and where each was written."""

    def __init__(self, args: argparse.Namespace, extra: list[str] = ()):
        paths = [*args.cluster, *extra] + ([] if args.no_default_roles else [str(DEFAULT_ROLES)])
        self.documents: list[Document] = read_located(paths) if paths else []
        self.where = {id(d.object): f"{d.file}:{d.line}" for d in self.documents}
        self.view = ClusterView([d.object for d in self.documents])
        self.policy = Engine().load(policies_dir() / "kubernetes")
        self.warnings: list[str] = []
        errors = []
        for doc in self.documents:
            if doc.object.get("kind") not in RBAC_KINDS:
                continue
            where = f"{doc.file}:{doc.line}: {doc.object.get('kind')} {(doc.object.get('metadata') or {}).get('name')}"
            stored = self.policy.query("kubernetes.defaults.rbac", doc.object)
            errors.extend(f"{where}: {e}" for e in self.policy.query("kubernetes.validation.rbac_errors", stored))
            if "Binding" in doc.object["kind"] and self.query("role_missing", doc.object):
                self.warnings.append(f"{where} refers to {doc.object['roleRef'].get('kind')} "
                                     f"{doc.object['roleRef'].get('name')}, which is not in the snapshot: "
                                     "the apiserver accepts the binding, it grants nothing until the role exists")
        if errors:  # the apiserver would have refused these objects: the snapshot cannot be what a cluster holds
            raise InputError("\nerror: ".join(errors))

    def query(self, name: str, *args: object) -> object:
        return self.policy.query(f"kubernetes.rbac.{name}", *args, cluster=self.view)

    def located(self, obj: dict | None) -> dict | None:
        if obj is None:
            return None
        meta = obj.get("metadata") or {}
        out = {"kind": obj.get("kind"), "name": meta.get("name")}
        if meta.get("namespace"):
            out["namespace"] = meta["namespace"]
        if id(obj) in self.where:
            out["location"] = self.where[id(obj)]
        return out

    def role(self, ref: dict, binding: dict) -> dict | None:
        role = self.query("bound_role", binding)
        return self.located(role) if role is not None else {"kind": ref.get("kind"), "name": ref.get("name"),
                                                             "missing": True}


def _warn(snapshot: _Snapshot, stderr: TextIO) -> None:
    for warning in snapshot.warnings:
        print(f"warning: {warning}", file=stderr)


def _request(snapshot: _Snapshot, args: argparse.Namespace) -> dict:
    ns = "" if args.all_namespaces else args.namespace
    return snapshot.query("request", args.verb, args.what, args.subresource, ns)


def run_can_i(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if not args.list and (args.verb is None or args.what is None):
        print("error: can-i needs VERB and TYPE[/NAME] (or --list)", file=stderr)
        return 2
    snapshot = _Snapshot(args)
    _warn(snapshot, stderr)
    user = snapshot.query("user", args.user, list(args.as_group))
    if args.list:
        return _list(snapshot, user, "" if args.all_namespaces else args.namespace, args, stdout)
    request = _request(snapshot, args)
    decision = snapshot.query("authorize", user, request)
    result: dict = {"allowed": decision["allowed"], "reason": decision["reason"], "user": user, "request": request}
    via = decision.get("via")
    if via is not None:
        result["binding"] = snapshot.located(via["binding"])
        result["role"] = snapshot.role(via["role"], via["binding"])
        result["rule"] = via["rule"]
    elif not decision["allowed"] or args.explain:
        result["near_misses"] = snapshot.query("near_misses", user, request) if not decision["allowed"] else []
    if args.output == "json":
        stdout.write(json.dumps(result, indent=2) + "\n")
    else:
        print("yes" if decision["allowed"] else "no", file=stdout)
        if args.explain:
            _explain(result, stdout)
    return 0 if decision["allowed"] else 1


def _explain(result: dict, out: TextIO) -> None:
    print(f"  {result['reason']}", file=out)
    if "binding" in result:
        b, r = result["binding"], result["role"]
        print(f"  binding: {_name(b)}" + (f" ({b['location']})" if "location" in b else ""), file=out)
        print(f"  role:    {_name(r)}" + (f" ({r['location']})" if "location" in r else ""), file=out)
        print(f"  rule:    {json.dumps(result['rule'], separators=(', ', ': '))}", file=out)
    for miss in result.get("near_misses", []):
        print(f"  near miss: {miss}", file=out)


def _name(obj: dict) -> str:
    ns = f"{obj['namespace']}/" if obj.get("namespace") else ""
    return f"{obj['kind']} {ns}{obj['name']}"


def _list(snapshot: _Snapshot, user: dict, ns: str, args: argparse.Namespace, out: TextIO) -> int:
    rules = snapshot.query("rules_for", user, ns)
    rows = []
    for rule in rules:
        names = "[" + " ".join(rule.get("resourceNames") or []) + "]"
        verbs = "[" + " ".join(rule.get("verbs") or []) + "]"
        for url in rule.get("nonResourceURLs") or []:
            rows.append(("", url, names, verbs))
        for group in rule.get("apiGroups") or []:
            for resource in rule.get("resources") or []:
                base, slash, sub = resource.partition("/")  # kubectl writes deployments.apps/scale
                rows.append((f"{base}.{group}{slash}{sub}" if group else resource, "", names, verbs))
    rows = sorted(set(rows))
    if args.output == "json":
        out.write(json.dumps([dict(zip(("resource", "url", "resourceNames", "verbs"), r, strict=True))
                              for r in rows], indent=2) + "\n")
        return 0
    header = ("Resources", "Non-Resource URLs", "Resource Names", "Verbs")
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    for row in [header, *rows]:
        print("   ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip(), file=out)
    return 0


def run_who_can(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    snapshot = _Snapshot(args)
    _warn(snapshot, stderr)
    request = _request(snapshot, args)
    found = snapshot.query("who_can", request)
    results = [{"subject": f["subject"], "binding": snapshot.located(f["binding"]),
                "role": snapshot.role(f["role"], f["binding"]) if f["binding"] is not None else None}
               for f in found]
    if args.output == "json":
        stdout.write(json.dumps({"request": request, "subjects": results}, indent=2) + "\n")
        return 0
    for r in results:
        s = r["subject"]
        who = f"{s['kind']} {s.get('namespace') + '/' if s.get('namespace') else ''}{s['name']}"
        via = (f"  {_name(r['binding'])} -> {_name(r['role'])}" if r["binding"] is not None
               else "  (allowed everything before RBAC)")
        print(f"{who}{via}", file=stdout)
    return 0


def run_escalation(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Each role and binding of the manifests, judged as the apiserver would judge
    USER creating it; the manifests join the snapshot (a binding's role may be among them)."""
    snapshot = _Snapshot(args, extra=list(args.manifests))
    user = snapshot.query("user", args.user, list(args.as_group))
    manifests = [d for d in read_located(list(args.manifests)) if d.object.get("kind") in RBAC_KINDS]
    results = []
    for doc in manifests:
        verdict = snapshot.query("escalation", user, doc.object)
        results.append({"file": doc.file, "line": doc.line, **snapshot.located(doc.object), **verdict})
    if args.output == "json":
        stdout.write(json.dumps(results, indent=2) + "\n")
    else:
        for r in results:
            state = "allowed" if r["allowed"] else "refused"
            why = (f" ({r['skipped_by']})" if r["skipped_by"] else "") if r["allowed"] else (
                "" if r["create"] else f": {args.user} may not create {r['kind']}s")
            print(f"{r['file']}:{r['line']}: {_name(r)}: {state}{why}", file=stdout)
            if r["create"] and not r["allowed"]:
                print("  attempting to grant RBAC permissions not currently held:", file=stdout)
                for rule in r["missing"]:
                    print(f"    {json.dumps(rule, separators=(', ', ': '))}", file=stdout)
            if not r["role_found"]:
                print("  warning: the role it refers to is not in the snapshot (the apiserver accepts the binding; "
                      "it grants nothing until the role exists)", file=stdout)
    return 0 if all(r["allowed"] for r in results) else 1


def run_graph(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    snapshot = _Snapshot(args)
    edges = snapshot.query("graph")
    if args.output == "json":
        stdout.write(json.dumps(edges, indent=2) + "\n")
        return 0
    lines = ["digraph rbac {", "  rankdir=LR;"]
    for e in edges:
        b = e["binding"]
        binding = f"{b['kind']}/{b['namespace'] + '/' if b['namespace'] else ''}{b['name']}"
        role = f"{e['role'].get('kind')}/{e['role'].get('name')}"
        lines.append(f"  {json.dumps(binding)} -> {json.dumps(role)};")
        for s in e["subjects"]:
            subject = f"{s.get('kind')}/{s.get('namespace') + '/' if s.get('namespace') else ''}{s.get('name')}"
            lines.append(f"  {json.dumps(subject)} -> {json.dumps(binding)};")
        for rule in e["rules"]:
            verbs = ",".join(rule.get("verbs") or [])
            what = ",".join(rule.get("resources") or rule.get("nonResourceURLs") or [])
            lines.append(f"  {json.dumps(role)} -> {json.dumps(f'{verbs} {what}')};")
    lines.append("}")
    stdout.write("\n".join(dict.fromkeys(lines)) + "\n")
    return 0
