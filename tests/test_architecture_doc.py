"""docs/architecture.md stays true: every function and module it names exists."""

from __future__ import annotations

import importlib
import re

from tests.conftest import ROOT


def named_objects() -> list[str]:
    """Every dotted ``factcheck.…`` name the page quotes in backticks."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    return sorted(set(re.findall(r"`(factcheck(?:\.\w+)+)`", text)))


def resolve(dotted: str) -> object:
    """Import the longest module prefix of ``dotted``, then look the rest up as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise ModuleNotFoundError(dotted)


def test_the_architecture_page_names_only_what_exists():
    names = named_objects()
    assert len(names) > 20, names
    missing = []
    for name in names:
        try:
            resolve(name)
        except (ModuleNotFoundError, AttributeError):
            missing.append(name)
    assert missing == []
