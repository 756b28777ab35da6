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


def answer_json(raw: str | None) -> Any:
    """The JSON document of an answer text (a fenced block is accepted), or ``None``."""
    if not raw:
        return None
    text = raw.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.S)
    if fenced:
        text = fenced.group(1)
    try:
        return json.loads(text)
    except ValueError:
        return None


def salvage_items(raw: str | None, key: str, item_model: type[T]) -> list[T]:
    """The items of the answer's list ``key`` that are well-formed on their own.

    One malformed item must not cost the others: each is parsed alone, and left out if bad.
    """
    document = answer_json(raw)
    items = document.get(key) if isinstance(document, dict) else None
    kept: list[T] = []
    for item in items if isinstance(items, list) else []:
        try:
            kept.append(item_model.model_validate(item))
        except ValidationError:
            continue
    return kept


def salvage_strings(raw: str | None, key: str) -> list[str]:
    """The strings of the answer's list ``key`` (other values left out)."""
    document = answer_json(raw)
    items = document.get(key) if isinstance(document, dict) else None
    return [item for item in items if isinstance(item, str)] if isinstance(items, list) else []


def optional_text(value: str | None) -> str | None:
    """A nullable free-text field of an answer: whitespace collapsed, ``None`` when empty."""
    if value is None:
        return None
    text = " ".join(value.split())
    # Models sometimes spell a null out instead of sending one.
    return text if text and text.lower() not in ("null", "none", "n/a") else None


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
