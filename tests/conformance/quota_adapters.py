"""Adapters of the specs/conformance/resourcequota/ functions (see test_conformance.py).

Each adapter asks policies/kubernetes/resourcequota.rules through `Policy.query`
and compares the answer with the row's `want`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

QUOTA_ADAPTERS: dict[str, Callable[[Any, Any], None]] = {}
