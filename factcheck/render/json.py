"""The report as the JSON contract document (keys fixed in DESIGN.md)."""

from __future__ import annotations

import json

from factcheck.models import Report


def render_json(report: Report) -> str:
    """The JSON contract document."""
    return json.dumps(report.to_contract(), indent=2, ensure_ascii=False) + "\n"
