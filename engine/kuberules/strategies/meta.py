"""Object metadata shared by every kind: names, namespaces, labels."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from . import values

Obj = dict[str, Any]


def metadata(name: str, namespace: str | None = None, labels: dict[str, str] | None = None) -> Obj:
    """Object metadata with only the fields given: a cluster-scoped object has no namespace, and no
    labels is no `labels` key (as people write manifests)."""
    meta: Obj = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = labels
    return meta


def namespace_or_drawn(namespace: str | None) -> st.SearchStrategy[str]:
    """The namespace asked for, else a drawn one (`default` first)."""
    return st.just(namespace) if namespace is not None else values.namespace_names()

