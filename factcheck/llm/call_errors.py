"""What a failed model call says: one line, free of keys, that names its real cause.

The SDK wraps whatever fails below it (a transport's timeout, a malformed answer, a store miss)
as its own error; ``call_error`` looks through the chain for the real cause, and
``own_failure`` finds the failures that are factcheck's own, to be raised as themselves.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import openai
from instructor.core import InstructorRetryException

from factcheck.errors import ContextLengthExceeded, FactcheckError, ModelCallError
from factcheck.llm.answers import first_line
from factcheck.llm.config import ModelConfig, redact
from factcheck.llm.failures import (
    MalformedResponse,
    Refusal,
    RequestDeadline,
    context_refusal,
    describe,
    refusal,
)
from factcheck.llm.modes import mode_instead
from factcheck.llm.transport import StoreMiss


def call_error(config: ModelConfig, exc: BaseException) -> ModelCallError:
    """The one-line, key-free error for a failed request, naming its real cause.

    Only a failure to connect or a network error says "cannot reach": a timeout says which
    one fired, a status 200 that was no answer says what came back, and anything else
    raised below the SDK is named as itself.
    """
    where = config.endpoint
    attempts = config.retry.attempts
    below = _below_sdk(exc)
    timeouts = config.timeouts()
    if isinstance(exc, openai.AuthenticationError):
        text = f"{where} refused the API key (401): check OPENAI_API_KEY"
    elif isinstance(exc, openai.NotFoundError):
        text = f"{where} has no model '{config.model}' (404): check model=..."
    elif isinstance(below, RequestDeadline):
        text = f"{where} gave {below}; timeout=... sets the deadline"
    elif isinstance(exc, openai.APITimeoutError):
        fired = describe(below, timeouts.read, timeouts.connect)
        text = f"{where} timed out {attempts} times in a row ({fired})"
    elif isinstance(below, MalformedResponse):
        text = (
            f"{where} answered with status 200 but no chat completion, "
            f"{below.attempts} times in a row: {below.problem}"
        )
    elif isinstance(exc, openai.APIConnectionError) and (
        below is None or isinstance(below, httpx2.TransportError)
    ):
        fired = f" ({describe(below, timeouts.read, timeouts.connect)})" if below else ""
        text = f"cannot reach {where} after {attempts} attempts{fired}: check base_url=..."
    elif isinstance(exc, openai.APIConnectionError):
        # Not the network: something below the SDK failed on a request or its answer.
        text = f"{where}: the answer could not be handled: {describe(below, 0, 0)}"
    elif isinstance(exc, openai.APIStatusError) and (refused := _refusal(exc)) is not None:
        mode = config.output_mode().name
        said = f"HTTP {refused.status}" + (f": {refused.message}" if refused.message else "")
        text = f"{where} refused the request's {refused.parameter} ({said})"
        if refused.about_format:
            instead = mode_instead(mode, refused.parameter, refused.message)
            text += (
                f": output mode {mode} does not work with this server; use "
                f"mode=\"{instead}\" ('factcheck doctor' tries every mode)"
            )
    elif isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status in (429, 408, 409) or status >= 500:
            tried = exc.response.extensions.get("attempts", attempts)
            text = f"{where} kept failing: HTTP {status} on all {tried} attempts"
        else:
            message = _api_message(exc)
            too_long, limit = context_refusal(status, _api_code(exc), message)
            if too_long:
                return ContextLengthExceeded(
                    redact(
                        f"{where} refused the request as too long (HTTP {status}): "
                        f"{message}",
                        config,
                    ),
                    limit,
                )
            text = f"{where} rejected the request (HTTP {status}): {message}"
    else:
        text = f"{where}: {exc}"
    return ModelCallError(redact(text, config))


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        yield current
        seen.add(id(current))
        current = current.__cause__ or current.__context__


def own_failure(exc: BaseException) -> StoreMiss | FactcheckError | None:
    """A store miss, or a factcheck error (a store that cannot be read), raised below the SDK."""
    for link in _chain(exc):
        if isinstance(link, StoreMiss | FactcheckError):
            return link
    return None


def _below_sdk(exc: BaseException) -> BaseException | None:
    """The exception a transport raised under the SDK, if the SDK wrapped one."""
    for link in _chain(exc):
        if not isinstance(link, openai.APIError | InstructorRetryException):
            return link
    return None


def _api_code(exc: openai.APIStatusError) -> str | None:
    """The error's code when it is a word (OpenAI's), else its type (llama.cpp's)."""
    body = exc.body if isinstance(exc.body, dict) else {}
    inner = body.get("error") if isinstance(body.get("error"), dict) else body
    for value in (getattr(exc, "code", None), inner.get("code"), inner.get("type")):
        if isinstance(value, str):
            return value
    return None

def _refusal(exc: openai.APIStatusError) -> Refusal | None:
    """The parameter a 400, 422 or 5xx refused; a 400 only when it is the answer's format.

    Other 400s (a prompt too long, say) keep their own message, which says it best.
    """
    try:
        body = exc.response.content
    except httpx2.ResponseNotRead:
        return None
    refused = refusal(exc.status_code, body)
    if refused is None or (exc.status_code < 500 and not refused.about_format):
        return None
    return refused


def _api_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        message = body.get("message") or (body.get("error") or {}).get("message")
        if message:
            return first_line(str(message))
    return first_line(exc.message)
