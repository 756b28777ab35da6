"""Batch import: result lines (OpenAI Batch API or ``vllm run-batch`` output) into the store.

Each line's ``custom_id`` is the store key of the request it answers, so a result goes back
exactly where a live run would look for it. A line that failed is named, never stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from factcheck.errors import InputError, StoreError
from factcheck.llm.failures import chat_completion_problem
from factcheck.llm.store import ResponseStore

KEY_PATTERN = re.compile(r"[0-9a-f]{64}")


class ImportResult(BaseModel):
    """What ``batch import`` (or ``collect``) stored, and the lines it could not use."""

    stored: int = 0
    already_stored: int = 0
    errors: list[str] = Field(default_factory=list)


def import_lines(store: ResponseStore, lines: Iterable[str], source: str) -> ImportResult:
    """Store every successful result line; name each line that failed (it is not stored)."""
    result = ImportResult()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            entry = json.loads(line)
        except ValueError:
            result.errors.append(f"{where}: not JSON")
            continue
        problem, key, document = _result_of(entry)
        if problem:
            result.errors.append(f"{where}: {problem}")
            continue
        assert key is not None and document is not None
        stored = store.lookup(key)
        if stored is not None and stored.outcome != "failed":
            result.already_stored += 1
            continue
        endpoint, model, stage = store.exported(key) or (
            "batch-import",
            str(document.get("model", "")),
            None,
        )
        # An answer whose call failed was exported again: the new one takes its place.
        kept = store.put(key, endpoint=endpoint, model=model, stage=stage, document=document,
                         origin="batch", replace=stored is not None)  # fmt: skip
        if not kept:
            raise StoreError(f"cannot import into the response store {store.path}: "
                             f"{store.read_only or 'writing to it failed'}")  # fmt: skip
        result.stored += 1
    return result


def _result_of(entry: Any) -> tuple[str | None, str | None, dict[str, Any] | None]:
    """(problem, key, chat completion) of one Batch output line."""
    if not isinstance(entry, dict):
        return "not a Batch result object", None, None
    key = entry.get("custom_id")
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        return "custom_id is not a factcheck request key", None, None
    error = entry.get("error")
    if error:
        return f"request {key[:12]} failed: {_error_message(error)}", None, None
    response = entry.get("response") or {}
    status = response.get("status_code")
    body = response.get("body")
    if status != 200:
        message = (body or {}).get("error", {}).get("message", "") if isinstance(body, dict) else ""
        return f"request {key[:12]} failed with HTTP {status}: {message}".rstrip(": "), None, None
    problem = chat_completion_problem(json.dumps(body).encode(), "application/json")
    if problem:
        return f"request {key[:12]} has no chat completion in its response: {problem}", None, None
    return None, key, body


def _error_message(error: Any) -> str:
    """An error line's message, whoever wrote it.

    OpenAI writes ``{code, message}``; vLLM's batch runner an error response
    (``{"error": {message, ...}}``, or ``{message, ...}`` in older versions) or a plain string.
    """
    if isinstance(error, dict):
        inner = error.get("error")
        found = inner if isinstance(inner, dict) else error
        return str(found.get("message") or found.get("code") or error)
    return str(error)


def import_file(store: ResponseStore, path: Path) -> ImportResult:
    """Load a Batch API output (or error) file into the store."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not a UTF-8 JSONL file") from None
    return import_lines(store, text.splitlines(), path.name)
