"""kuberules: what a Kubernetes cluster would decide, answered offline.

The Python API in three calls::

    from kuberules import Engine
    engine = Engine()
    policy = engine.load("policies/demo")               # paths, or load_string(text)
    findings = policy.evaluate(manifest)                 # or .mutate, .query, .fire
    value = engine.compile_expression("object.spec.replicas <= 5")(object=manifest)
"""

from __future__ import annotations

from .decision import Finding, MutationResult, TransitionResult
from .engine import Engine, Expression
from .errors import Diagnostic, EvalError, RuleError
from .k8s.cluster import ClusterView
from .policy import Policy

__version__ = "0.1.0"

__all__ = [
    "ClusterView",
    "Diagnostic",
    "Engine",
    "EvalError",
    "Expression",
    "Finding",
    "MutationResult",
    "Policy",
    "RuleError",
    "TransitionResult",
]
