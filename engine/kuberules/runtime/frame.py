"""Evaluation frames and the step budget that keeps every decision finite.

A frame is a plain list: slot 0 holds the Budget, slots 1-4 the context
(object, oldObject, request, cluster), then the locals the compiler assigned.
Lists index faster than attribute lookups, and closures capture slot numbers.
"""

from __future__ import annotations

from ..errors import EvalError
from ..k8s.cluster import ClusterView

HEADER = 5  # budget + four context slots
EMPTY_CLUSTER = ClusterView()
DEFAULT_STEPS = 1_000_000


class Budget:
    """Steps left for one decision; loops, calls and list growth spend them.

    The language has no recursion and iterates only over finite data, so
    evaluation always ends; the budget turns "ends eventually" into "ends
    soon", with a clear error instead of a hang.
    """

    __slots__ = ("clusters", "limit", "steps")

    def __init__(self, steps: int = DEFAULT_STEPS):
        self.limit = steps
        self.steps = steps
        self.clusters: dict[int, tuple[list, ClusterView]] | None = None

    def cluster_of(self, objects: list) -> ClusterView:
        """The snapshot of a list for `with_cluster`, built once per list for this decision
        (values are never modified while evaluating, so the same list is the same cluster)."""
        cache = self.clusters
        if cache is None:
            cache = self.clusters = {}
        hit = cache.get(id(objects))
        if hit is not None and hit[0] is objects:
            return hit[1]
        view = ClusterView(objects)
        cache[id(objects)] = (objects, view)  # holding the list keeps its id from being reused
        return view

    def spend(self, n: int, span) -> None:
        self.steps -= n
        if self.steps < 0:
            raise EvalError(
                "step_limit",
                f"evaluation exceeded its budget of {self.limit} steps",
                span,
            )


def new_frame(budget: Budget, obj, old, request, cluster, size: int) -> list:
    """Without a snapshot, `cluster` is an empty one: rules that look across
    objects then find nothing rather than fail."""
    frame = [budget, obj, old, request, EMPTY_CLUSTER if cluster is None else cluster]
    if size > HEADER:
        frame.extend([None] * (size - HEADER))
    return frame
