"""Reading a model's answer text: salvaging what is valid, and saying what was wrong."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound=BaseModel)


def completion_text(completion: Any) -> str | None:
    """The answer text of a chat completion: the tool-call arguments, else the message text."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return None
    if getattr(message, "tool_calls", None):
        return message.tool_calls[0].function.arguments
    return message.content


def parse_lenient(response_model: type[T], raw: str | None) -> T | None:
    """Parse an answer without its validation context, to salvage what is valid in it."""
    if not raw:
        return None
    text = raw.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.S)
    if fenced:
        text = fenced.group(1)
    try:
        return response_model.model_validate(json.loads(text))
    except (ValueError, ValidationError):
        return None


def invalid_reason(exc: BaseException) -> str:
    """Say what was wrong with an answer in one line (pydantic's own first line says little)."""
    if isinstance(exc, ValidationError) and exc.errors():
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        return first_line(f"{where}: {message}" if where else message)
    if isinstance(exc, json.JSONDecodeError):
        return "the answer is not valid JSON"
    return first_line(str(exc))


def first_line(text: str) -> str:
    """The first line of ``text``, at most 300 characters: an error message stays one line."""
    lines = text.strip().splitlines()
    return lines[0][:300] if lines else ""
