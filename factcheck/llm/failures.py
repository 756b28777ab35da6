"""What can go wrong with one request under the SDK, and how to say it in one line.

The OpenAI SDK turns any exception raised below it into "connection error", so the transports
raise these typed failures and the gateway (and the verbose log) name the real cause: which
timeout fired, what was wrong with a body that came back with status 200, whose fault a
non-numeric token count is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx2

from factcheck.llm.answers import first_line

# Worth another try: rate limits, timeouts, and server-side failures. 4xx other than these
# (400 bad request, 401 bad key, 404 unknown model) will fail the same way every time.
RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 520, 522, 524, 529})


# Parameters that choose the answer's format: a server refusing one needs another output mode.
FORMAT_PARAMETERS = frozenset({"response_format", "tools", "tool_choice", "functions"})
# llama-cpp-python answers every request-validation error with HTTP 500 (its route handler
# catches FastAPI's RequestValidationError too); the message names the field, as in
# "{'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), 'msg': ...}".
_VALIDATION_LOC = re.compile(r"""['"]loc['"]\s*:\s*[(\[]\s*['"]body['"]\s*,\s*['"](\w+)['"]""")
_VALIDATION_MSG = re.compile(r"""['"]msg['"]\s*:\s*(?:"([^"]*)"|'([^']*)')""")


@dataclass(frozen=True)
class Refusal:
    """A server's refusal of one request parameter: it fails the same way every time."""

    status: int
    parameter: str
    message: str

    @property
    def about_format(self) -> bool:
        """Whether the refused parameter is the answer's format: another mode may work."""
        return self.parameter in FORMAT_PARAMETERS


def refusal(status: int, body: bytes) -> Refusal | None:
    """The request parameter an error response refuses, when it names one.

    A 400 or 422 may name it in ``error.param`` (OpenAI's), in FastAPI's ``detail[].loc``,
    or in its message. A 5xx counts only when it is a request-validation error naming a field
    (llama-cpp-python's) or names ``response_format`` (older llama.cpp servers): retrying
    either would only repeat it.
    """
    if not (status in (400, 422) or 500 <= status < 600):
        return None
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None
    error = document.get("error") if isinstance(document, dict) else None
    detail = document.get("detail") if isinstance(document, dict) else None
    message = str(error.get("message") or "") if isinstance(error, dict) else str(error or "")
    said = _said(message)
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):  # FastAPI's 422
        loc = detail[0].get("loc") or []
        if len(loc) >= 2 and loc[0] == "body" and status < 500:
            return Refusal(status, str(loc[1]), first_line(str(detail[0].get("msg", ""))))
    located = _VALIDATION_LOC.search(message)
    if located:
        return Refusal(status, located.group(1), said)
    if status < 500 and isinstance(error, dict) and isinstance(error.get("param"), str):
        return Refusal(status, error["param"], said)
    named = [p for p in sorted(FORMAT_PARAMETERS) if p in message]
    if "response_format" in message or (named and status < 500):
        return Refusal(status, "response_format" if "response_format" in message else named[0],
                       said)  # fmt: skip
    return None


def _said(message: str) -> str:
    """The part of an error message a person needs: a validation error's own ``msg``."""
    found = _VALIDATION_MSG.search(message)
    if found:
        return found.group(1) or found.group(2) or ""
    return first_line(message)


class RetryableStatusError(Exception):
    """A response whose status says: try again later."""

    def __init__(self, response: httpx2.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


class RequestDeadline(httpx2.TimeoutException):
    """The request's total deadline (``--timeout``) passed: every attempt and wait included.

    A subclass of httpx's timeout, so the SDK reports it as a timeout like the others.
    """

    def __init__(self, seconds: float, attempts: int = 1, last: str | None = None) -> None:
        tried = f", after {attempts} attempts ({last})" if last else ""
        super().__init__(f"no complete answer within the request's {seconds:g} s deadline{tried}")
        self.seconds = seconds
        self.attempts = attempts


class MalformedResponse(Exception):
    """Status 200, but the body is not a chat completion (a proxy's page, a cut body, no choices).

    Not the model's answer at all, so it is retried like a server error and never stored.
    """

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.attempts = 1


def chat_completion_problem(body: bytes, content_type: str) -> str | None:
    """What keeps ``body`` (a 200 answer to a chat request) from being a chat completion."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        kind = content_type.split(";")[0].strip() or "untyped"
        excerpt = first_line(body[:80].decode("utf-8", "replace"))
        if kind == "application/json" or body.lstrip()[:1] in (b"{", b"["):
            return f"the body is not valid JSON (cut off?): {excerpt!r}"
        return f"the body is {kind}, not JSON: {excerpt!r}"
    if not isinstance(document, dict):
        return "the body is JSON but not an object"
    if "error" in document and "choices" not in document:
        error = document["error"]
        message = error.get("message") if isinstance(error, dict) else error
        return f"the body is an error: {first_line(str(message))}"
    choices = document.get("choices")
    if not isinstance(choices, list):
        return "the body has no 'choices' list"
    if not choices:
        return "the 'choices' list is empty: the endpoint gave no answer"
    first = choices[0]
    if not isinstance(first, dict) or not isinstance(first.get("message"), dict):
        return "the first choice has no message"
    return None


# How endpoints say a request is longer than the model's context window: OpenAI, vLLM and
# llama-cpp-python's server write "This model's maximum context length is N tokens. However,
# you requested M tokens ..." (OpenAI with code context_length_exceeded, vLLM with none);
# llama.cpp's own llama-server writes "request (M tokens) exceeds the available context size
# (N tokens)" with type exceed_context_size_error; others say the input "exceeds the context
# length/window".
CONTEXT_CODES = frozenset({"context_length_exceeded", "exceed_context_size_error"})
_CONTEXT_MESSAGE = re.compile(
    r"maximum context length|context[ _]length[ _]exceeded|"
    r"exceeds? (?:the )?(?:model'?s? )?(?:maximum |available )?context (?:length|window|size)|"
    r"context (?:length|window) (?:is |was )?exceeded",
    re.IGNORECASE,
)
_CONTEXT_LIMIT = re.compile(
    r"maximum context length is (\d+) tokens|available context size \((\d+) tokens\)",
    re.IGNORECASE,
)


def context_refusal(status: int, code: str | None, message: str) -> tuple[bool, int | None]:
    """Whether an error answer says the request is longer than the context, and the window.

    ``code``: the error's code or type. Only a 400 counts: a context refusal is a bad request,
    never a server failure. The window is the one the message names, when it names one.
    """
    if status != 400 or not (code in CONTEXT_CODES or _CONTEXT_MESSAGE.search(message)):
        return False, None
    found = _CONTEXT_LIMIT.search(message)
    return True, int(found.group(1) or found.group(2)) if found else None

def unreported_cut_off(request: Any, document: Any) -> bool:
    """Whether an answer was cut off at its budget though ``finish_reason`` does not say so.

    llama.cpp reports a tool call cut off at ``max_tokens`` as ``"tool_calls"``, which would
    reach the validators as broken JSON and be re-asked at the same budget. An answer that
    used every token it was allowed and is not whole JSON was cut off, whatever it says.
    """
    if not isinstance(request, dict) or not isinstance(document, dict):
        return False
    limit = request.get("max_tokens") or request.get("max_completion_tokens")
    usage = document.get("usage")
    used = token_count(usage.get("completion_tokens")) if isinstance(usage, dict) else None
    choices = document.get("choices")
    if not isinstance(limit, int) or not used or used < limit or not choices:
        return False
    first = choices[0] if isinstance(choices[0], dict) else {}
    if first.get("finish_reason") == "length":
        return False
    message = first.get("message") if isinstance(first.get("message"), dict) else {}
    calls = message.get("tool_calls") or []
    function = calls[0].get("function", {}) if calls and isinstance(calls[0], dict) else {}
    text = function.get("arguments") if function else message.get("content")
    if not isinstance(text, str):
        return False
    text = text.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


def token_count(value: Any) -> int | None:
    """A usage token count as a number; ``None`` when the endpoint sent something else."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, float) and value.is_integer():
        return max(int(value), 0)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def usage_tokens(document: Any) -> tuple[int, int, str | None]:
    """Prompt and completion tokens of a chat completion, and what was wrong with its usage.

    A count that is not a number counts as 0 and is named: the answer itself is still good.
    """
    usage = document.get("usage") if isinstance(document, dict) else None
    if usage is None:
        return 0, 0, None
    if not isinstance(usage, dict):
        return 0, 0, f"its 'usage' is not an object: {first_line(repr(usage))}"
    counts: list[int] = []
    problems: list[str] = []
    for field in ("prompt_tokens", "completion_tokens"):
        value = usage.get(field)
        count = token_count(value)
        if count is None:
            problems.append(f"{field} is {first_line(repr(value))[:40]}")
        counts.append(count or 0)
    problem = "its usage is not numeric (" + ", ".join(problems) + ")" if problems else None
    return counts[0], counts[1], problem


def describe(error: BaseException | None, read: float, connect: float) -> str:
    """One line for a failed attempt: which timeout fired, which status, or what broke."""
    if error is None:
        return "unknown failure"
    if isinstance(error, RequestDeadline):
        return f"total timeout: {error}"
    if isinstance(error, httpx2.ConnectTimeout):
        return f"connect timeout: no connection within {connect:g} s"
    if isinstance(error, httpx2.ReadTimeout):
        return f"read timeout: no data for {read:g} s"
    if isinstance(error, httpx2.WriteTimeout):
        return f"write timeout: the request could not be sent within {read:g} s"
    if isinstance(error, httpx2.PoolTimeout):
        return "pool timeout: no free connection"
    if isinstance(error, RetryableStatusError):
        return f"HTTP {error.response.status_code}"
    if isinstance(error, MalformedResponse):
        return f"HTTP 200 without a chat completion: {error.problem}"
    text = first_line(str(error))
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
