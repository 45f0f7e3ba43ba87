"""Where each kind keeps the pod it creates.

`match pods` in a rule means Pods and the pod template of every workload
kind; this table is that definition (from the apps/v1, batch/v1 and core/v1
API types). The path is where the template sits inside the object.
"""

from __future__ import annotations

POD_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": (),
    "PodTemplate": ("template",),
    "Deployment": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}


def pod_of(obj: dict) -> tuple[dict, tuple[str, ...]] | None:
    """The pod (or pod template) of an object and its path, if it has one."""
    path = POD_PATHS.get(obj.get("kind"))
    if path is None:
        return None
    node: object = obj
    for key in path:
        node = node.get(key) if type(node) is dict else None
    if type(node) is not dict:
        return None
    return node, path
