"""What an endpoint says about itself: its models, its software, its context length.

Servers say little and each says it differently. ``/v1/models`` lists the models everywhere;
vLLM adds each model's ``max_model_len`` there. llama-cpp-python names itself and its version
in ``/openapi.json`` and tells its context length only when it refuses a prompt that does not
fit, before evaluating any of it; Ollama would cut such a prompt silently instead, so that
probe is sent to llama-cpp-python alone. ``factcheck doctor`` asks these.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

import httpx2
import openai
from pydantic import BaseModel

from factcheck.llm.gateway import LLM

LLAMA_CPP_PYTHON_TITLE = "llama.cpp Python API"
# Fields of a /v1/models entry that give the context length, by server (vLLM's first).
CONTEXT_FIELDS = ("max_model_len", "context_length", "context_window", "max_context_length")
# The over-long prompt: far past any context a llama-cpp-python server holds on one machine,
# yet refused in well under a second (it is tokenized, never evaluated).
PROBE_WORDS = 262_144
_CONTEXT_REFUSAL = re.compile(r"maximum context length is (\d+) tokens")


class ModelListing(BaseModel):
    """The models an endpoint lists, and the context length one of them declares."""

    ids: list[str]
    context_length: int | None = None
    context_field: str | None = None


class ContextLength(BaseModel):
    """A context length, and where the server said it."""

    tokens: int
    source: str


async def list_models(llm: LLM, model: str) -> ModelListing:
    """``GET /v1/models``; ``model``'s entry may carry its context length.

    Raises the SDK's errors (a connection error, a 401, a 404 for a server without the route).
    """
    listing = await llm.sdk().models.list()
    ids: list[str] = []
    length: int | None = None
    field: str | None = None
    for entry in listing.data:
        ids.append(entry.id)
        extra = entry.model_dump()
        for name in CONTEXT_FIELDS:
            value = extra.get(name)
            if isinstance(value, int) and value > 0 and (entry.id == model or length is None):
                length, field = value, name
                break
    return ModelListing(ids=ids, context_length=length, context_field=field)


async def server_software(llm: LLM) -> str | None:
    """The server's software and version, when it says (llama-cpp-python does)."""
    url = _root(llm.config.base_url) + "/openapi.json"
    try:
        response = await llm.sdk().get(url, cast_to=httpx2.Response)
        info = response.json().get("info") or {}
    except (openai.APIError, ValueError, AttributeError):
        return None
    title = str(info.get("title") or "")
    if LLAMA_CPP_PYTHON_TITLE in title:
        return f"llama-cpp-python {info.get('version') or '(version not given)'}"
    return None


async def refused_context_length(llm: LLM) -> ContextLength | None:
    """llama-cpp-python's context length, from its refusal of a prompt that cannot fit."""
    try:
        await llm.sdk().chat.completions.create(
            model=llm.config.model,
            messages=[{"role": "user", "content": "the " * PROBE_WORDS}],
            max_tokens=1,
        )
    except openai.BadRequestError as exc:
        found = _CONTEXT_REFUSAL.search(str(exc.message))
        if found:
            return ContextLength(tokens=int(found.group(1)),
                                 source="its refusal of an over-long prompt")  # fmt: skip
    except openai.APIError:
        return None
    return None


def _root(base_url: str | None) -> str:
    """The server's root URL: the base URL without its path (``/v1``)."""
    parts = urlsplit(base_url or "https://api.openai.com/v1")
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))
