"""An indexed, read-only view of the objects of a cluster snapshot.

Rules ask it by kind, namespace, name and label selector; the indexes are
built once per snapshot so cross-object rules do not scan every object.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .labels import Selector


def _meta(obj: dict) -> dict:
    meta = obj.get("metadata")
    return meta if type(meta) is dict else {}


class ClusterView:
    cel_type_name = "cluster"

    def __init__(self, objects: Iterable[dict] = ()):
        self._by_kind: dict[str, list[dict]] = defaultdict(list)
        self._by_namespace: dict[tuple[str, str], list[dict]] = defaultdict(list)
        self._by_name: dict[tuple[str, str, str], dict] = {}
        for obj in objects:
            if type(obj) is not dict:
                continue
            kind = obj.get("kind")
            if type(kind) is not str:
                continue
            meta = _meta(obj)
            namespace = meta.get("namespace") or ""
            name = meta.get("name") or ""
            self._by_kind[kind].append(obj)
            self._by_namespace[kind, namespace].append(obj)
            self._by_name.setdefault((kind, namespace, name), obj)

    def objects(self, kind: str, namespace: str | None = None) -> list[dict]:
        if namespace is None:
            return list(self._by_kind.get(kind, ()))
        return list(self._by_namespace.get((kind, namespace), ()))

    def get(self, kind: str, namespace: str, name: str) -> dict | None:
        return self._by_name.get((kind, namespace, name))

    def select(self, kind: str, namespace: str, selector: Selector) -> list[dict]:
        found = []
        for obj in self._by_namespace.get((kind, namespace), ()):
            labels = _meta(obj).get("labels")
            if selector.matches(labels if type(labels) is dict else {}):
                found.append(obj)
        return found

    def __len__(self) -> int:
        return len(self._by_name)
