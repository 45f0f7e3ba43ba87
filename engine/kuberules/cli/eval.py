"""`kuberules eval EXPR`: evaluate an expression, the way `opa eval` does.

`object` is each document of `-i FILE` in turn (null without input),
`cluster` the objects of `--cluster PATH`; with `-p RULEFILE` the expression
can call the queries and functions of those files (`rbac.allowed(object)`).
"""

from __future__ import annotations

import argparse
import json
import math
from typing import TextIO

import yaml

from ..compiler import display
from ..engine import Engine
from ..errors import EvalError
from ..k8s.cluster import ClusterView
from ..k8s.load import read_documents, read_objects


def add_parser(sub) -> None:
    p = sub.add_parser("eval", help="evaluate an expression against input documents")
    p.add_argument("expression", metavar="EXPR")
    p.add_argument("-i", "--input", metavar="FILE", help="YAML or JSON document(s) bound to `object`")
    p.add_argument("-p", "--policy", action="append", default=[], metavar="RULEFILE",
                   help="rule files or directories whose defs and queries the expression may call")
    p.add_argument("--cluster", action="append", default=[], metavar="PATH",
                   help="manifests or a `kubectl get -o yaml` List, bound to `cluster`")
    p.add_argument("-o", "--output", choices=("json", "yaml"), default="json")
    p.set_defaults(run=run)


def to_data(value: object) -> object:
    """A value as plain JSON-able data: quantities and selectors as strings."""
    t = type(value)
    if t in (str, int, bool) or value is None:
        return value
    if t is float:
        return value if math.isfinite(value) else str(value)
    if t is list:
        return [to_data(v) for v in value]
    if t is dict:
        return {display(k): to_data(v) for k, v in value.items()}
    return display(value)


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    engine = Engine()
    policy = engine.load(*args.policy) if args.policy else None
    expression = engine.compile_expression(args.expression, policy, name="<expression>")
    documents = read_documents(args.input) if args.input else [None]
    cluster = ClusterView(o for o in read_objects(args.cluster) if type(o) is dict) if args.cluster else None
    values = []
    for doc in documents:
        try:
            values.append(to_data(expression(doc, cluster=cluster)))
        except EvalError as err:
            print(f"{err}", file=stderr)
            if err.span is not None:
                print(err.span.snippet(), file=stderr)
            return 2
    for value in values:
        if args.output == "json":
            print(json.dumps(value, indent=2, sort_keys=False), file=stdout)
        else:
            stdout.write(yaml.safe_dump(value, sort_keys=False, explicit_start=len(values) > 1))
    return 0
