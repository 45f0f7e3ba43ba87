"""Read-only questions about the cluster snapshot: `cluster.objects(...)` etc."""

from __future__ import annotations

from ..errors import EvalError
from ..k8s.cluster import ClusterView
from ..k8s.labels import Selector
from . import method
from .kubernetes import selector


def _text(value: object, what: str) -> str:
    if type(value) is not str:
        raise EvalError("no_such_overload", f"cluster: {what} must be a string")
    return value


@method("objects", "cluster", ("string", "string"), "list", optional=1)
def objects(view: ClusterView, kind: str, namespace: str | None = None) -> list:
    kind = _text(kind, "kind")
    if namespace is None:
        return view.objects(kind)
    return view.objects(kind, _text(namespace, "namespace"))


@method("get", "cluster", ("string", "string", "string"), "dyn")
def get(view: ClusterView, kind: str, namespace: str, name: str) -> object:
    return view.get(_text(kind, "kind"), _text(namespace, "namespace"), _text(name, "name"))


@method("select", "cluster", ("string", "string", "dyn"), "list")
def select(view: ClusterView, kind: str, namespace: str, sel: object) -> list:
    chosen: Selector = selector(sel)
    return view.select(_text(kind, "kind"), _text(namespace, "namespace"), chosen)


@method("lookup", "cluster", ("string", "dyn", "string", "list"), "list")
def lookup(view: ClusterView, kind: str, namespace: object, path: str, values: list) -> list:
    """`cluster.lookup("RoleBinding", "shop", "subjects.name", ["jane", "ci"])`: the objects
    holding one of the values at the path (null namespace: every namespace); indexed."""
    if namespace is not None:
        namespace = _text(namespace, "namespace")
    if type(values) is not list:
        raise EvalError("no_such_overload", "cluster: lookup values must be a list")
    return view.lookup(_text(kind, "kind"), namespace, _text(path, "path"), values)
