"""Prompt templates: files in ``prompts/``, each with a version recorded in every report.

Templates are Jinja and are rendered by instructor from the call's ``context``, so article text
always enters through a placeholder: text that contains ``{{`` or ``{%`` is never executed.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel

from factcheck.errors import ConfigError

STAGES = ("extract", "merge", "check")


class PromptTemplate(BaseModel):
    """One prompt file: its version and its Jinja template text."""

    name: str
    version: int
    template: str
    digest: str

    @property
    def label(self) -> str:
        """Version plus content digest: an edit that forgets to bump the version still shows."""
        return f"v{self.version}-{self.digest}"


def prompts_dir() -> Path:
    """Where the templates are: inside the installed package, or at the top of a checkout."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "prompts", package.parent / "prompts"):
        if (candidate / "system.yaml").is_file():
            return candidate
    raise ConfigError(f"prompt templates not found next to {package}; reinstall factcheck")


@cache
def load_prompt(name: str) -> PromptTemplate:
    """Read ``prompts/<name>.yaml``."""
    raw = (prompts_dir() / f"{name}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(raw)
    return PromptTemplate(
        name=name,
        version=int(data["version"]),
        template=data["template"],
        digest=hashlib.sha256(raw.encode()).hexdigest()[:8],
    )


def messages_for(stage: str) -> list[dict[str, str]]:
    """The chat messages of ``stage``, still as templates for instructor to render."""
    return [
        {"role": "system", "content": load_prompt("system").template},
        {"role": "user", "content": load_prompt(stage).template},
    ]


def prompt_versions(stages: tuple[str, ...] = STAGES) -> dict[str, str]:
    """The version label of the system prompt and of each stage's prompt."""
    return {name: load_prompt(name).label for name in ("system", *stages)}
