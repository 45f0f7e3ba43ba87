"""The rules of policies/kubernetes, loaded once for every conformance adapter."""

from __future__ import annotations

import functools

from kuberules.engine import Engine
from kuberules.policy import Policy
from kuberules.resources import policies_dir


@functools.cache
def kubernetes_policy() -> Policy:
    return Engine().load(policies_dir() / "kubernetes")
