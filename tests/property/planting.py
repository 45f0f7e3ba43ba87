"""Planting a bug: a copy of policies/kubernetes with one piece of text replaced in one rule file.

The text must occur exactly once, so that a rule file edited since cannot make a teeth test plant
nothing and pass for the wrong reason."""

from __future__ import annotations

import shutil
from pathlib import Path

from kuberules.resources import policies_dir


def plant(tmp_path: Path, file: str, old: str, new: str) -> Path:
    """The planted copy of policies/kubernetes/`file` (its siblings copied unchanged, for imports)."""
    copy = tmp_path / "kubernetes"
    shutil.copytree(policies_dir() / "kubernetes", copy)
    path = copy / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file}: plant the bug anew"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path
