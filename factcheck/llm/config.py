"""Which model to reach and how: the configuration, from flags or the environment.

The API key is resolved here and only here (a flag, else ``OPENAI_API_KEY``), kept as a secret
that is never dumped, logged or stored, and ``redact`` removes it from any message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from pydantic import BaseModel, Field, SecretStr

from factcheck.errors import ConfigError
from factcheck.llm.transport import RetryPolicy

if TYPE_CHECKING:
    import instructor

# Mode name -> instructor.Mode member. Names, not members: instructor is imported only when a
# model is called, so that `--help` and the baseline never load the model stack.
MODES: dict[str, str] = {
    "tools": "TOOLS",
    "json": "JSON",
    "json_schema": "JSON_SCHEMA",
    "md_json": "MD_JSON",
}

CONFIG_HINT = (
    "no model configured: pass model=... (or set FACTCHECK_MODEL), plus base_url=... "
    "(FACTCHECK_BASE_URL) for a local server and OPENAI_API_KEY for OpenAI; see the README"
)


class ModelConfig(BaseModel):
    """Everything needed to reach a model. The key is a secret: never dumped, logged or stored."""

    model: str
    base_url: str | None = None
    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    mode: str | None = Field(default=None, description="tools, json, json_schema or md_json")
    concurrency: int = Field(default=8, ge=1)
    timeout: float = 120.0
    temperature: float | None = 0.0
    max_tokens: int | None = None
    max_reasks: int = Field(default=2, ge=0, description="Re-asks after an invalid answer.")
    retry: RetryPolicy = Field(default_factory=RetryPolicy)

    def instructor_mode(self) -> instructor.Mode:
        """The structured-output mode: the one asked for, else the endpoint's best fit.

        OpenAI and Azure OpenAI get tool calls; local servers (vLLM, Ollama, llama.cpp) get
        JSON mode, which all of them support.
        """
        import instructor

        if self.mode:
            return instructor.Mode[MODES[self.mode]]
        host = urlparse(self.base_url).hostname or "" if self.base_url else "api.openai.com"
        if host.endswith(("openai.com", "openai.azure.com")):
            return instructor.Mode.TOOLS
        return instructor.Mode.JSON

    @property
    def endpoint(self) -> str:
        """The base URL in use, for messages."""
        return self.base_url or "https://api.openai.com/v1"


def model_configured(model: str | None = None, env: Mapping[str, str] | None = None) -> bool:
    """Whether a model is named, by ``model`` or ``FACTCHECK_MODEL``."""
    env = os.environ if env is None else env
    return bool(model or env.get("FACTCHECK_MODEL"))


def resolve_config(
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    mode: str | None = None,
    env: Mapping[str, str] | None = None,
    need_key: bool = True,
    **settings: Any,
) -> ModelConfig:
    """Build a config from explicit values, falling back to the environment.

    Flags win over ``FACTCHECK_MODEL``, ``FACTCHECK_BASE_URL``, ``FACTCHECK_MODE`` and
    ``OPENAI_API_KEY``. Raises ``ConfigError`` when no model is named, when OpenAI is the
    endpoint and there is no key (unless ``need_key`` is false: offline runs send nothing),
    or for an unknown mode.
    """
    env = os.environ if env is None else env
    model = model or env.get("FACTCHECK_MODEL")
    if not model:
        raise ConfigError(CONFIG_HINT)
    base_url = base_url or env.get("FACTCHECK_BASE_URL") or None
    api_key = api_key or env.get("OPENAI_API_KEY") or None
    mode = mode or env.get("FACTCHECK_MODE") or None
    if mode is not None and mode not in MODES:
        raise ConfigError(f"unknown mode '{mode}': use one of {', '.join(MODES)}")
    if need_key and api_key is None and base_url is None:
        raise ConfigError(
            "OPENAI_API_KEY is not set (OpenAI needs a key; for a local server pass base_url=...)"
        )
    return ModelConfig(model=model, base_url=base_url, api_key=api_key, mode=mode, **settings)


def redact(text: str, config: ModelConfig | None = None) -> str:
    """Remove the API key, and anything shaped like one, from a message."""
    if config is not None and config.api_key is not None:
        secret = config.api_key.get_secret_value()
        if secret:
            text = text.replace(secret, "[redacted]")
    return re.sub(r"\b(sk|key)-[A-Za-z0-9_\-*]{8,}", "[redacted]", text)
