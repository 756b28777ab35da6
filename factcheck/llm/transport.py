"""HTTP transports under the OpenAI SDK: the response store, retries, per-attempt metering.

Every request passes through them, outermost first:

    StoreTransport → RetryingTransport → MeteredTransport → network

Living under the SDK means each request passes here exactly once per attempt, instructor's
re-asks included, so the store, retries and usage need no cooperation from the layers above. A
stored answer is served before any retry or network, and costs no metered call. The SDK's own
retries are switched off (``max_retries=0``): tenacity here is the only retry layer for
transport failures, instructor the only one for invalid answers.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass

import httpx2
from pydantic import BaseModel
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from factcheck.errors import MissedRequest
from factcheck.llm.store import (
    ResponseStore,
    completion_tokens,
    endpoint_of,
    request_key,
)
from factcheck.models import Usage

log = logging.getLogger(__name__)

# Worth another try: rate limits, timeouts, and server-side failures. 4xx other than these
# (400 bad request, 401 bad key, 404 unknown model) will fail the same way every time.
RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 520, 522, 524, 529})


class RetryPolicy(BaseModel):
    """How hard to try one request before giving up."""

    attempts: int = 6
    initial_wait: float = 1.0
    max_wait: float = 60.0


@dataclass
class CallTag:
    """What the request in flight belongs to: the stage, and the ledger that pays for it."""

    stage: str
    usage: Usage


# Set by the model gateway around each structured call. A ContextVar rather than a header or a
# global: every asyncio task sees only its own call, and nothing extra is sent to the provider.
CURRENT_CALL: ContextVar[CallTag | None] = ContextVar("factcheck_current_call", default=None)


class RetryableStatusError(Exception):
    """A response whose status says: try again later."""

    def __init__(self, response: httpx2.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def retry_after_seconds(response: httpx2.Response) -> float | None:
    """Seconds the server asks us to wait (``retry-after-ms`` or ``Retry-After``), if it says."""
    millis = response.headers.get("retry-after-ms")
    if millis:
        try:
            return max(float(millis) / 1000, 0.0)
        except ValueError:
            pass
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        parsed = email.utils.parsedate_tz(value)
        if parsed is None:
            return None
        return max(email.utils.mktime_tz(parsed) - time.time(), 0.0)


class RetryingTransport(httpx2.AsyncBaseTransport):
    """Retry 429, 5xx, timeouts and connection errors with jittered exponential backoff.

    A ``Retry-After`` from the server wins over the backoff (capped at ``max_wait``). When the
    attempts run out the last response is handed to the SDK, which raises its usual typed error.
    """

    def __init__(
        self,
        inner: httpx2.AsyncBaseTransport,
        policy: RetryPolicy,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._inner = inner
        self._policy = policy
        self._sleep = sleep
        self._backoff = wait_random_exponential(multiplier=policy.initial_wait, max=policy.max_wait)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RetryableStatusError):
            after = retry_after_seconds(error.response)
            if after is not None:
                return min(after, self._policy.max_wait)
        return self._backoff(state)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request``, retrying transient failures; see the class docstring."""
        await request.aread()  # a buffered body can be sent again
        # A fresh retrying object per request: tenacity keeps per-run state on it.
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._policy.attempts),
            wait=self._wait,
            retry=retry_if_exception_type(
                (RetryableStatusError, httpx2.TimeoutException, httpx2.NetworkError,
                 httpx2.RemoteProtocolError)
            ),
            sleep=self._sleep,
            reraise=True,
            before_sleep=_log_retry,
        )  # fmt: skip
        try:
            async for attempt in retrying:
                with attempt:
                    response = await self._inner.handle_async_request(request)
                    if response.status_code in RETRYABLE_STATUS:
                        await response.aread()
                        raise RetryableStatusError(response)
                    return response
        except RetryableStatusError as exc:
            return exc.response
        raise AssertionError("unreachable: tenacity either returns or reraises")

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self._inner.aclose()


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    log.warning("attempt %d failed (%s); retrying in %.1fs", state.attempt_number, error, wait)


class MeteredTransport(httpx2.AsyncBaseTransport):
    """Count every answered chat completion, and its tokens, against the call in flight."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request`` and book its usage, if it answered and belongs to a call."""
        response = await self._inner.handle_async_request(request)
        tag = CURRENT_CALL.get()
        if tag is not None and response.status_code == 200:
            body = await response.aread()
            try:
                usage = json.loads(body).get("usage") or {}
            except (ValueError, AttributeError):
                usage = {}
            tag.usage.add(
                tag.stage,
                int(usage.get("prompt_tokens") or 0),
                int(usage.get("completion_tokens") or 0),
            )
        return response

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self._inner.aclose()


class StoreMiss(Exception):
    """Raised under the SDK when an offline run asks for an answer the store lacks."""

    def __init__(self, missed: MissedRequest) -> None:
        super().__init__(f"no stored answer for request {missed.key[:12]}")
        self.missed = missed


class StoreTransport(httpx2.AsyncBaseTransport):
    """Serve chat completions from the store; keep every new answer; offline, never send.

    Only successful (200) chat-completion answers are kept: an error is not an answer, and a
    later run should ask again.
    """

    def __init__(
        self, inner: httpx2.AsyncBaseTransport, store: ResponseStore, *, offline: bool = False
    ) -> None:
        self._inner = inner
        self._store = store
        self._offline = offline

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Answer from the store, or forward (online) / raise ``StoreMiss`` (offline)."""
        body = await request.aread()
        if request.method != "POST" or not request.url.path.endswith("/chat/completions"):
            return await self._inner.handle_async_request(request)
        endpoint = endpoint_of(request.url)
        key = request_key(endpoint, body)
        tag = CURRENT_CALL.get()
        stage = tag.stage if tag else None
        stored = self._store.get(key)
        if stored is not None:
            if tag is not None:
                tag.usage.add_store_hit(stage or "other", *completion_tokens(json.loads(stored)))
            return httpx2.Response(
                200,
                headers={"content-type": "application/json", "x-factcheck-store": "hit"},
                content=stored,
                request=request,
            )
        if self._offline:
            raise StoreMiss(MissedRequest(key, endpoint, stage, json.loads(body)))
        response = await self._inner.handle_async_request(request)
        if response.status_code == 200:
            content = await response.aread()
            try:
                document = json.loads(content)
            except ValueError:
                return response
            if isinstance(document, dict) and document.get("choices"):
                try:
                    self._store.put(
                        key,
                        endpoint=endpoint,
                        model=str(json.loads(body).get("model", "")),
                        stage=stage,
                        document=document,
                    )
                except sqlite3.Error as exc:
                    # The answer is paid for and in hand: use it, even if it cannot be kept.
                    log.warning("could not keep an answer in %s: %s", self._store.path, exc)
        return response

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self._inner.aclose()
