"""Hypothesis strategies for Kubernetes values, objects and consistent clusters.

Every value drawn is plain JSON-like data, as a YAML manifest loads to, valid against the JSON
Schemas in specs/schemas and upstream's validation; strategies shrink toward small manifests.
`GENERATORS` names them for the rule language's `property` blocks.
"""

from .registry import GENERATORS, Generator, Param

__all__ = ["GENERATORS", "Generator", "Param"]
