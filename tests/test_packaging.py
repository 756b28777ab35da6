"""The installed distribution carries what a user needs."""

from importlib.metadata import distribution

import pytest


def test_installed_wheel_carries_prompts_template_and_price_table():
    dist = distribution("factcheck")
    files = {str(f) for f in dist.files or []}
    if not any(f.startswith("factcheck/") and f.endswith(".py") for f in files):
        pytest.skip("editable install: the wheel's contents are checked by a plain `pip install .`")
    for stage in ("system", "extract", "merge", "check", "align"):
        assert f"factcheck/prompts/{stage}.yaml" in files
    assert "factcheck/render/templates/report.html.j2" in files
    assert "factcheck/llm/prices.yaml" in files
    for encoding in ("o200k_base", "cl100k_base"):  # token counts work offline
        assert f"factcheck/llm/encodings/{encoding}.tiktoken.gz" in files
    assert any(f.startswith("factcheck-") and f.endswith("/entry_points.txt") for f in files)
