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


def _labels(obj: dict) -> dict:
    labels = _meta(obj).get("labels")
    return labels if type(labels) is dict else {}


def _index(objects, steps: list[str]) -> dict[object, list[int]]:
    """value -> ids of the objects holding it at the path."""
    index: dict[object, list[int]] = {}
    for obj in objects:
        nodes = [obj]
        for step in steps:
            nodes = [n.get(step) for n in nodes if type(n) is dict]
            nodes = [x for n in nodes for x in (n if type(n) is list else [n])]
        for value in {v for v in nodes if type(v) in (str, int, bool)}:
            index.setdefault(value, []).append(id(obj))
    return index


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
        self._selected: dict[tuple, list[dict]] = {}
        self._indexes: dict[tuple[str, str], dict[object, list[int]]] = {}
        self._positions: dict[str, dict[int, tuple[int, dict]]] = {}

    def objects(self, kind: str, namespace: str | None = None) -> list[dict]:
        if namespace is None:
            return list(self._by_kind.get(kind, ()))
        return list(self._by_namespace.get((kind, namespace), ()))

    def get(self, kind: str, namespace: str, name: str) -> dict | None:
        return self._by_name.get((kind, namespace, name))

    def select(self, kind: str, namespace: str, selector: Selector) -> list[dict]:
        key = (kind, namespace, str(selector))
        found = self._selected.get(key)
        if found is None:
            found = self._selected[key] = [
                obj for obj in self._by_namespace.get((kind, namespace), ())
                if selector.matches(_labels(obj))
            ]
        return list(found)

    def lookup(self, kind: str, namespace: str | None, path: str, values: list) -> list[dict]:
        """Objects of a kind (in a namespace, or in all with None) with one of `values`
        at a dotted path, lists along it searched element by element; in snapshot
        order. Indexed on first use, so a rule can find the few bindings that name
        a user among thousands."""
        index = self._indexes.get((kind, path))
        if index is None:
            index = self._indexes[kind, path] = _index(self._by_kind.get(kind, ()), path.split("."))
        hits: set[int] = set()
        for value in values:
            if type(value) in (str, int, bool):
                hits.update(index.get(value, ()))
        order = self._order(kind)
        found = sorted((order[i] for i in hits), key=lambda pair: pair[0])
        return [obj for _, obj in found if namespace is None or (_meta(obj).get("namespace") or "") == namespace]

    def _order(self, kind: str) -> dict[int, tuple[int, dict]]:
        order = self._positions.get(kind)
        if order is None:
            order = self._positions[kind] = {id(o): (i, o) for i, o in enumerate(self._by_kind.get(kind, ()))}
        return order

    def __len__(self) -> int:
        return len(self._by_name)
