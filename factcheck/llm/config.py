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

from pydantic import AliasChoices, BaseModel, Field, SecretStr

from factcheck.errors import ConfigError
from factcheck.llm.modes import OUTPUT_MODES, OutputMode

if TYPE_CHECKING:
    import instructor

# Mode name -> the name of the instructor.Mode member that builds its requests. Names, not
# members: instructor is imported only when a model is called, so that `--help` and the
# baseline never load the model stack (factcheck/llm/modes.py says what each mode sends).
MODES: dict[str, str] = {name: mode.instructor_name for name, mode in OUTPUT_MODES.items()}

TIMEOUT_ENV = "FACTCHECK_TIMEOUT"
REQUEST_TOKENS_ENV = "FACTCHECK_REQUEST_TOKENS"
# The smallest request budget that leaves room besides the prompts' own instructions and schema.
MIN_REQUEST_TOKENS = 3_000
MAX_OUTPUT_TOKENS_ENV = "FACTCHECK_MAX_OUTPUT_TOKENS"

CONFIG_HINT = (
    "no model configured: pass model=... (or set FACTCHECK_MODEL), plus base_url=... "
    "(FACTCHECK_BASE_URL) for a local server and OPENAI_API_KEY for OpenAI; see the README"
)


# The request policies the transports apply, defined here with the config that carries them:
# reading a config (as every run does to choose its backend) loads no HTTP layer.
class RetryPolicy(BaseModel):
    """How hard to try one request before giving up."""

    attempts: int = 6
    initial_wait: float = 1.0
    max_wait: float = 60.0


class Timeouts(BaseModel):
    """How long one request may take: in all, waiting for a byte, and to connect."""

    total: float = Field(default=600.0, gt=0, description="Every attempt and wait included.")
    read: float = Field(default=120.0, gt=0, description="Longest silence within an attempt.")
    connect: float = Field(default=10.0, gt=0)


class ModelConfig(BaseModel):
    """Everything needed to reach a model. The key is a secret: never dumped, logged or stored."""

    model: str
    base_url: str | None = None
    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    mode: str | None = Field(
        default=None, description="tools, json_schema, json_object_schema, json or md_json"
    )
    concurrency: int = Field(default=8, ge=1)
    timeout: float = Field(
        default=600.0,
        gt=0,
        description="Seconds one request may take in all, every attempt and wait included "
        "(--timeout, FACTCHECK_TIMEOUT): a server that hangs or trickles cannot hold a run.",
    )
    read_timeout: float = Field(
        default=120.0, gt=0, description="Longest silence within one attempt before it is retried."
    )
    connect_timeout: float = Field(default=10.0, gt=0, description="Seconds to connect.")
    temperature: float | None = 0.0
    max_output_tokens: int | None = Field(
        default=None,
        ge=1,
        validation_alias=AliasChoices("max_output_tokens", "max_tokens"),
        description="The output budget of every call (--max-output-tokens); None: each stage "
        "sizes its own from its request.",
    )
    max_reasks: int = Field(default=2, ge=0, description="Re-asks after an invalid answer.")
    request_tokens: int | None = Field(
        default=None,
        ge=MIN_REQUEST_TOKENS,
        description="The most tokens one request may take, its prompt and its output budget "
        "together; a bigger one is split (--request-tokens, FACTCHECK_REQUEST_TOKENS). None: "
        "from the model's context window (factcheck.llm.budget).",
    )
    retry: RetryPolicy = Field(default_factory=RetryPolicy)

    @property
    def is_openai(self) -> bool:
        """Whether the endpoint is OpenAI's or Azure OpenAI's."""
        host = urlparse(self.base_url).hostname or "" if self.base_url else "api.openai.com"
        return host.endswith(("openai.com", "openai.azure.com"))

    def output_mode(self) -> OutputMode:
        """The structured-output mode: the one asked for, else the endpoint's best fit.

        OpenAI and Azure OpenAI get tool calls; other servers (vLLM, Ollama, llama.cpp) get
        JSON mode, which all of them take (``factcheck doctor`` finds a stricter one).
        """
        if self.mode:
            return OUTPUT_MODES[self.mode]
        return OUTPUT_MODES["tools" if self.is_openai else "json"]

    def instructor_mode(self) -> instructor.Mode:
        """The instructor mode of :meth:`output_mode` (imports instructor)."""
        return self.output_mode().instructor

    @property
    def token_limit_parameter(self) -> str:
        """The request parameter that caps an answer's tokens on this endpoint.

        OpenAI's reasoning models refuse ``max_tokens`` and every OpenAI model takes
        ``max_completion_tokens``; llama-cpp-python ignores ``max_completion_tokens``, and
        the other servers all take ``max_tokens``.
        """
        return "max_completion_tokens" if self.is_openai else "max_tokens"

    @property
    def endpoint(self) -> str:
        """The base URL in use, for messages: credentials in it are redacted."""
        return redact_url(self.base_url or "https://api.openai.com/v1")

    def timeouts(self) -> Timeouts:
        """The request deadlines the transports apply."""
        return Timeouts(total=self.timeout, read=self.read_timeout, connect=self.connect_timeout)


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

    Flags win over ``FACTCHECK_MODEL``, ``FACTCHECK_BASE_URL``, ``FACTCHECK_MODE``,
    ``FACTCHECK_TIMEOUT`` (``timeout=``), ``FACTCHECK_MAX_OUTPUT_TOKENS``
    (``max_output_tokens=``), ``FACTCHECK_REQUEST_TOKENS`` (``request_tokens=``) and
    ``OPENAI_API_KEY``. Raises ``ConfigError`` when no model is named, when OpenAI is the
    endpoint and there is no key (unless ``need_key`` is false: offline runs send nothing), for
    an unknown mode, for a timeout that is not a positive number, for an output budget below
    one token, or for a request budget below ``MIN_REQUEST_TOKENS``.
    """
    env = os.environ if env is None else env
    model = model or env.get("FACTCHECK_MODEL")
    if not model:
        raise ConfigError(CONFIG_HINT)
    if settings.get("timeout") is None:
        settings.pop("timeout", None)
        if env.get(TIMEOUT_ENV):
            settings["timeout"] = _seconds(env[TIMEOUT_ENV], TIMEOUT_ENV)
    elif settings["timeout"] <= 0:
        raise ConfigError(
            f"timeout=... must be more than 0 seconds, not {settings['timeout']:g}"
        )
    if settings.get("request_tokens") is None:
        settings.pop("request_tokens", None)
        if env.get(REQUEST_TOKENS_ENV):
            settings["request_tokens"] = _request_tokens(env[REQUEST_TOKENS_ENV])
    elif settings["request_tokens"] < MIN_REQUEST_TOKENS:
        raise ConfigError(
            f"request_tokens=... must be at least {MIN_REQUEST_TOKENS:,} (the prompts' own "
            f"instructions and schema take about 1,500), not {settings['request_tokens']:,}"
        )

    if settings.get("max_output_tokens") is None:
        settings.pop("max_output_tokens", None)
        if env.get(MAX_OUTPUT_TOKENS_ENV):
            settings["max_output_tokens"] = _tokens(env[MAX_OUTPUT_TOKENS_ENV])
    elif settings["max_output_tokens"] < 1:
        raise ConfigError("max_output_tokens=... must be at least 1")
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


def _request_tokens(value: str) -> int:
    name = REQUEST_TOKENS_ENV
    try:
        tokens = int(value.replace(",", "").replace("_", ""))
    except ValueError:
        raise ConfigError(f"{name} must be a whole number of tokens, not '{value}'") from None
    if tokens < MIN_REQUEST_TOKENS:
        raise ConfigError(f"{name} must be at least {MIN_REQUEST_TOKENS:,} tokens, not '{value}'")
    return tokens


def _seconds(value: str, name: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not '{value}'") from None
    if not seconds > 0:
        raise ConfigError(f"{name} must be more than 0 seconds, not '{value}'")
    return seconds


def _tokens(value: str) -> int:
    if not value.strip().isdigit() or int(value) < 1:
        raise ConfigError(
            f"{MAX_OUTPUT_TOKENS_ENV} must be a whole number of tokens, not '{value}'"
        )
    return int(value)


# user:password@ in a URL, and query parameters whose name says they carry a secret.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^\s/@?#]+@")
_QUERY_PARAM = re.compile(r"(?i)([?&;])([a-z0-9_.\-]+)=([^&#\s'\"<>]*)")
_SECRET_WORDS = frozenset({
    "key", "apikey", "token", "sig", "signature", "secret", "password", "passwd", "pwd", "auth",
    "authorization", "credential", "credentials", "session", "jwt", "bearer",
})  # fmt: skip


def _secret_param(match: re.Match[str]) -> str:
    name = match.group(2)
    words = {w for w in re.split(r"[-_.]", name.lower()) if w} | {name.lower()}
    if words & _SECRET_WORDS or name.lower().endswith(("key", "token", "secret")):
        return f"{match.group(1)}{name}=[redacted]"
    return match.group(0)


def redact_url(text: str) -> str:
    """Hide the credentials URLs may carry: ``user:password@`` and secret query parameters."""
    text = _USERINFO.sub(r"\1[redacted]@", text)
    return _QUERY_PARAM.sub(_secret_param, text)


def redact(text: str, config: ModelConfig | None = None) -> str:
    """Remove the API key, URL credentials, and anything shaped like a key, from a message."""
    if config is not None:
        secrets = [config.api_key.get_secret_value() if config.api_key else ""]
        if config.base_url:
            url = urlparse(config.base_url)
            secrets.append(url.password or "")  # the user name alone is no secret
        for secret in secrets:
            if len(secret) >= 4:
                text = text.replace(secret, "[redacted]")
    text = redact_url(text)
    return re.sub(r"\b(sk|key)-[A-Za-z0-9_\-*]{8,}", "[redacted]", text)
