"""What evaluation produces: findings, mutation results, transition results.

Every reporter and every CLI command reads these and nothing else.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .errors import EvalError
from .source import Span

_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*\Z")


def format_path(path: tuple) -> str:
    """`spec.containers[1].image` from ("spec", "containers", 1, "image")."""
    out = []
    for part in path:
        if type(part) is int:
            out.append(f"[{part}]")
        elif not _PLAIN_KEY.match(str(part)):  # metadata.annotations["example.com/team"]
            out.append(f"[{json.dumps(str(part))}]")
        elif out:
            out.append("." + str(part))
        else:
            out.append(str(part))
    return "".join(out)


def object_ref(obj: object) -> dict:
    if type(obj) is not dict:
        return {}
    meta = obj.get("metadata") if type(obj.get("metadata")) is dict else {}
    ref = {"apiVersion": obj.get("apiVersion"), "kind": obj.get("kind"), "name": meta.get("name")}
    if meta.get("namespace"):
        ref["namespace"] = meta["namespace"]
    return ref


@dataclass
class Finding:
    """One binding of one rule that fired (or failed to evaluate)."""

    rule: str
    module: str
    effect: str  # deny | warn | allow | error
    message: str
    severity: str
    title: str | None
    span: Span | None
    object: object = field(repr=False)
    path: tuple = ()
    bindings: dict = field(default_factory=dict, repr=False)
    meta: dict = field(default_factory=dict)
    error: EvalError | None = None

    @property
    def rule_id(self) -> str:
        return f"{self.module}.{self.rule}" if self.module else self.rule

    def to_dict(self) -> dict:
        data = {
            "rule": self.rule_id,
            "effect": self.effect,
            "severity": self.severity,
            "message": self.message,
            "object": object_ref(self.object),
            "path": format_path(self.path),
            "bindings": {k: _summary(v) for k, v in self.bindings.items()},
        }
        if self.title:
            data["title"] = self.title
        if self.span is not None:
            data["rule_location"] = self.span.to_dict()
        if self.meta:
            data["meta"] = dict(self.meta)
        if self.error is not None:
            data["error"] = {"code": self.error.code, "message": self.error.message}
            if self.error.span is not None:
                data["error"]["location"] = self.error.span.to_dict()
        return data


def _summary(value: object) -> object:
    """Bindings are reported by name where they have one (a container), else
    as the scalar they are; whole objects would drown the report."""
    if type(value) is dict:
        meta = value.get("metadata")
        if type(meta) is dict and "name" in meta:
            return {"name": meta["name"]}
        if "name" in value:
            return {"name": value["name"]}
        return {"keys": sorted(str(k) for k in value)[:10]}
    if type(value) is list:
        return {"size": len(value)}
    if type(value) in (str, int, float, bool) or value is None:
        return value
    return str(value)


@dataclass
class Change:
    path: tuple
    old: object
    new: object
    rule: str
    span: Span | None

    def to_dict(self) -> dict:
        return {"path": format_path(self.path), "old": self.old, "new": self.new, "rule": self.rule}


@dataclass
class MutationResult:
    object: object
    changes: list[Change]
    errors: list[Finding] = field(default_factory=list)


@dataclass
class Action:
    name: str
    args: tuple

    def to_dict(self) -> dict:
        return {"action": self.name, "args": list(self.args)}


@dataclass
class TransitionResult:
    machine: str
    event: str
    source: str
    target: str
    object: object
    actions: list[Action]
    fired: bool
    span: Span | None = None
