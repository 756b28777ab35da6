"""The request lines that the Batch runners accept, as Pydantic models: a test fixture.

Written from the runners' own descriptions, not from factcheck's code, so that a change in what
factcheck exports that a runner would refuse fails a test here:

- OpenAI's Batch API input file (the Batch guide and the "request input object" of the API
  reference): one JSON object per line with ``custom_id`` (unique within the file), ``method``
  ``POST``, ``url`` (``/v1/chat/completions`` here) and ``body``, the endpoint's request, with
  ``model`` and ``messages`` required. A file holds at most 50,000 requests and 200 MB, and
  every request in it uses the same model and endpoint. Streaming is not offered.
- vLLM's batch runner (``vllm run-batch``; ``BatchRequestInput`` in
  ``vllm/entrypoints/openai/run_batch.py``, ``ChatCompletionRequest`` in its protocol module):
  ``custom_id``, ``method`` and ``url`` strings, and for ``/v1/chat/completions`` a body that
  validates as a chat-completions request: ``messages`` required; ``response_format.type`` one
  of ``text``, ``json_object``, ``json_schema`` (the last with a ``json_schema`` object naming
  the schema); ``tools`` not empty when present, each a ``function`` with a name; a
  ``tool_choice`` other than ``none`` needs ``tools``, and a named one must name one of them;
  ``stream_options`` only with ``stream``; a streamed request comes back as an error line.
  OpenAI also refuses ``json_object`` mode unless a message says "JSON".

The body model forbids fields that neither runner documents, so an SDK or instructor upgrade
that slips a vendor-specific parameter into the requests is caught.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# OpenAI's rule for function and schema names.
NAME = r"^[A-Za-z0-9_-]{1,64}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TextPart(Strict):
    type: Literal["text"]
    text: str


class Message(Strict):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart]
    name: str | None = None


class JsonSchemaFormat(Strict):
    name: str = Field(pattern=NAME)
    description: str | None = None
    schema_: dict[str, Any] = Field(alias="schema")
    strict: bool | None = None


class ResponseFormat(Strict):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: JsonSchemaFormat | None = None

    @model_validator(mode="after")
    def schema_when_json_schema(self) -> ResponseFormat:
        if (self.type == "json_schema") != (self.json_schema is not None):
            raise ValueError("json_schema is required with type json_schema, and only then")
        return self


class FunctionDefinition(Strict):
    name: str = Field(pattern=NAME)
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class Tool(Strict):
    type: Literal["function"]
    function: FunctionDefinition


class FunctionName(Strict):
    name: str = Field(min_length=1)


class NamedToolChoice(Strict):
    type: Literal["function"]
    function: FunctionName


class ChatCompletionBody(Strict):
    """A chat-completions request as both runners take it (the fields either documents)."""

    model: str = Field(min_length=1)
    messages: list[Message] = Field(min_length=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    seed: int | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    n: int | None = Field(default=None, ge=1)
    stop: str | list[str] | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    logit_bias: dict[str, float] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    response_format: ResponseFormat | None = None
    tools: list[Tool] | None = Field(default=None, min_length=1)
    tool_choice: Literal["none", "auto", "required"] | NamedToolChoice | None = None
    parallel_tool_calls: bool | None = None
    reasoning_effort: str | None = None
    user: str | None = None
    stream: Literal[False] | None = None

    @model_validator(mode="after")
    def json_mode_mentions_json(self) -> ChatCompletionBody:
        # OpenAI refuses json_object mode unless a message asks for JSON in words.
        if self.response_format is not None and self.response_format.type == "json_object":
            texts = [m.content if isinstance(m.content, str) else "" for m in self.messages]
            if not any("json" in t.lower() for t in texts):
                raise ValueError("json_object mode needs the word 'json' in a message")
        return self

    @model_validator(mode="after")
    def tool_choice_names_a_tool(self) -> ChatCompletionBody:
        choice = self.tool_choice
        if choice is None or choice == "none":
            return self
        if not self.tools:
            raise ValueError("tool_choice needs tools")
        if isinstance(choice, NamedToolChoice) and choice.function.name not in {
            t.function.name for t in self.tools
        }:
            raise ValueError(f"tool_choice names {choice.function.name}, which is not a tool")
        return self


class BatchRequestLine(Strict):
    """One line of a Batch input file."""

    custom_id: str = Field(min_length=1)
    method: Literal["POST"]
    url: Literal["/v1/chat/completions"]
    body: ChatCompletionBody


MAX_REQUESTS = 50_000
MAX_BYTES = 200_000_000


def validate_batch_file(path: Path, max_requests: int = MAX_REQUESTS,
                        max_bytes: int = MAX_BYTES) -> list[BatchRequestLine]:  # fmt: skip
    """Every line valid, and the file-wide rules: unique ids, one model and url, the limits."""
    data = path.read_bytes()
    assert len(data) <= max_bytes, f"{path}: {len(data)} bytes"
    assert data.endswith(b"\n"), f"{path}: the last line is not ended"
    lines = [BatchRequestLine.model_validate(json.loads(line)) for line in data.splitlines()]
    assert 1 <= len(lines) <= max_requests, f"{path}: {len(lines)} requests"
    ids = [line.custom_id for line in lines]
    assert len(set(ids)) == len(ids), f"{path}: custom_id repeated"
    assert len({line.body.model for line in lines}) == 1, f"{path}: more than one model"
    return lines


def validate_batch_files(paths: Iterable[Path], **limits: int) -> list[BatchRequestLine]:
    """All of an export's files; a custom_id is unique across them too."""
    lines = [line for path in paths for line in validate_batch_file(path, **limits)]
    ids = [line.custom_id for line in lines]
    assert len(set(ids)) == len(ids), "a request is in more than one file"
    return lines
