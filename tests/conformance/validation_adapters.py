"""Adapters of the specs/conformance/validation/ functions (see test_conformance.py),
answered by policies/kubernetes/validation.rules through `Policy.query`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

VALIDATION_ADAPTERS: dict[str, Callable[[Any, Any], None]] = {}
