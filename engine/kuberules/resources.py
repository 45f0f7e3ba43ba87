"""Where the grammar, the bundled policies and the specs live.

An installed wheel carries them inside the package (`kuberules/grammar`, ...);
a source checkout keeps them at the top of the repository. Both layouts are
looked up here and nowhere else.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent.parent


def _data_dir(name: str) -> Path:
    inside = _PACKAGE / name
    if inside.is_dir():
        return inside
    return _CHECKOUT / name


def grammar_dir() -> Path:
    return _data_dir("grammar")


def policies_dir() -> Path:
    return _data_dir("policies")


def specs_dir() -> Path:
    return _data_dir("specs")
