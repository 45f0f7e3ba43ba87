"""Shared fixtures and hypothesis profiles (`dev` locally, `ci` under CI=true)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from kuberules import Engine
from kuberules.resources import policies_dir

settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True, scope="session")
def _schema_cache(tmp_path_factory: pytest.TempPathFactory):
    """Compiled schema validators go to a directory of this run, not the user's cache."""
    saved = os.environ.get("KUBERULES_CACHE_DIR")
    os.environ["KUBERULES_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if saved is None:
        del os.environ["KUBERULES_CACHE_DIR"]
    else:
        os.environ["KUBERULES_CACHE_DIR"] = saved


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine()


@pytest.fixture(scope="session")
def demo(engine):
    return engine.load(policies_dir() / "demo")


@pytest.fixture
def ev(engine):
    """Evaluate an expression against an optional `object`."""

    def evaluate(text: str, obj: object = None, **context):
        return engine.compile_expression(text)(obj, **context)

    return evaluate
