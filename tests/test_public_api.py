"""The Python API is `from factcheck import ...`: the README's examples need nothing deeper."""

from __future__ import annotations

import re

import factcheck
from tests.conftest import ROOT


def readme_imports() -> list[tuple[str, list[str]]]:
    """Every ``from X import a, b`` in the README's Python blocks."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = "\n".join(re.findall(r"```python\n(.+?)\n```", text, re.S))
    found = re.findall(r"^\s*from ([\w.]+) import ([^\n#]+)", code, re.M)
    return [(module, [n.strip() for n in names.split(",")]) for module, names in found]


def test_the_readme_imports_only_the_public_api():
    imports = readme_imports()
    assert imports, "the README shows no Python imports"
    for module, names in imports:
        assert module == "factcheck", f"the README imports from an internal module: {module}"
        for name in names:
            assert name in factcheck.__all__, f"{name} is not in factcheck.__all__"


def test_every_public_name_resolves():
    missing = [name for name in factcheck.__all__ if not hasattr(factcheck, name)]
    assert missing == []
    for name in ("ResponseStore", "MissingAnswers", "evaluate_cluster", "load_gold", "render_html"):
        assert name in factcheck.__all__
