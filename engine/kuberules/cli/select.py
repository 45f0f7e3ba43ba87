"""`kuberules select SELECTOR PATH...`: the objects whose labels match, like
`kubectl get -l SELECTOR` on files instead of a cluster."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from ..k8s.labels import SelectorError, parse_selector
from ..k8s.load import read_located


def add_parser(sub) -> None:
    p = sub.add_parser("select", help="list the objects whose labels match a label selector")
    p.add_argument("selector", metavar="SELECTOR", help="e.g. 'app=web,tier in (api,db),!legacy'")
    p.add_argument("paths", nargs="+", metavar="PATH", help="manifest files or directories, or - for stdin")
    p.add_argument("-o", "--output", choices=("text", "json"), default="text")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    try:
        selector = parse_selector(args.selector)
    except SelectorError as err:
        print(f"error: invalid selector {args.selector!r}: {err}", file=stderr)
        return 2
    found = []
    for doc in read_located(args.paths):
        obj = doc.object
        meta = obj.get("metadata") if type(obj.get("metadata")) is dict else {}
        labels = meta.get("labels") if type(meta.get("labels")) is dict else {}
        if selector.matches(labels):
            found.append({
                "kind": obj.get("kind"), "apiVersion": obj.get("apiVersion"),
                "namespace": meta.get("namespace"), "name": meta.get("name"),
                "labels": labels, "file": doc.file, "line": doc.line,
            })
    if args.output == "json":
        print(json.dumps({"selector": str(selector), "items": found}, indent=2, default=str), file=stdout)
        return 0
    if not found:
        print("No resources found", file=stderr)
    for item in found:
        where = f"{item['namespace']}/{item['name']}" if item["namespace"] else str(item["name"])
        print(f"{item['file']}:{item['line']}: {item['kind']} {where}", file=stdout)
    return 0
