"""The retrying transport: transient failures retried within each request's deadline.

Under the SDK, whose own retries are switched off (``max_retries=0``), this is the only retry
layer for transport failures: 429, 5xx, timeouts, connection errors and malformed 200s, with
jittered backoff that heeds a server's ``Retry-After``. It sits between the response store and
metering (see ``factcheck.llm.transport``).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable

import httpx2
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)

from factcheck.llm.config import RetryPolicy, Timeouts
from factcheck.llm.failures import (
    RETRYABLE_STATUS,
    MalformedResponse,
    RequestDeadline,
    RetryableStatusError,
    chat_completion_problem,
    describe,
    refusal,
)

log = logging.getLogger(__name__)


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


def _retryable(error: BaseException) -> bool:
    if isinstance(error, RequestDeadline):
        return False  # no time is left for another attempt
    return isinstance(
        error,
        (RetryableStatusError, MalformedResponse, httpx2.TimeoutException, httpx2.NetworkError,
         httpx2.RemoteProtocolError),
    )  # fmt: skip


def is_chat(request: httpx2.Request) -> bool:
    """Whether ``request`` asks for a chat completion: the answers checked, kept and metered."""
    return request.method == "POST" and request.url.path.endswith("/chat/completions")


class RetryingTransport(httpx2.AsyncBaseTransport):
    """Retry 429, 5xx, timeouts, connection errors and malformed 200s, within a deadline.

    A 5xx whose body refuses a request parameter (``failures.refusal``) is not retried.

    Waits are jittered exponential backoff; a ``Retry-After`` from the server sets the least
    wait (capped at ``max_wait``), with jitter on top so calls limited together do not all come
    back at one instant. Each attempt reads its whole body, so a server that trickles bytes is
    held to the request's total deadline (``timeouts.total``), which also bounds every attempt
    and wait together; no wait starts that would end past it. When the attempts run out, the
    last response is handed to the SDK, which raises its usual typed error; ``attempts`` in the
    response's extensions says how many were made.
    """

    def __init__(
        self,
        inner: httpx2.AsyncBaseTransport,
        policy: RetryPolicy,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        timeouts: Timeouts | None = None,
    ) -> None:
        self._inner = inner
        self._policy = policy
        self._sleep = sleep
        self._timeouts = timeouts or Timeouts()
        self._backoff = wait_random_exponential(multiplier=policy.initial_wait, max=policy.max_wait)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RetryableStatusError):
            after = retry_after_seconds(error.response)
            if after is not None:
                after = min(after, self._policy.max_wait)
                spread = min(max(self._policy.initial_wait, 0.2 * after), self._policy.max_wait)
                return after + random.uniform(0, spread)
        return self._backoff(state)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request``, retrying transient failures; see the class docstring."""
        await request.aread()  # a buffered body can be sent again
        deadline = time.monotonic() + self._timeouts.total
        failures: list[str] = []  # what each failed attempt ran into, for the last word

        def before_sleep(state: RetryCallState) -> None:
            failures.append(self._log_retry(state))

        # A fresh retrying object per request: tenacity keeps per-run state on it.
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._policy.attempts)
            | stop_before_delay(self._timeouts.total),
            wait=self._wait,
            retry=retry_if_exception(_retryable),
            sleep=self._sleep,
            reraise=True,
            before_sleep=before_sleep,
        )
        attempts = 0
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    response = await self._attempt(request, deadline)
                    response.extensions["attempts"] = attempts
                    return response
        except RequestDeadline as exc:  # cut off mid-attempt: say what the others ran into
            last = failures[-1] if failures else None
            raise RequestDeadline(self._timeouts.total, attempts, last) from exc
        except Exception as exc:
            if attempts < self._policy.attempts and _retryable(exc):
                # Stopped by the deadline, not by the count: that is what to report.
                last = describe(exc, self._timeouts.read, self._timeouts.connect)
                raise RequestDeadline(self._timeouts.total, attempts, last) from exc
            if isinstance(exc, RetryableStatusError):
                exc.response.extensions["attempts"] = attempts
                return exc.response
            if isinstance(exc, MalformedResponse):
                exc.attempts = attempts
            raise
        raise AssertionError("unreachable: tenacity either returns or reraises")

    async def _attempt(self, request: httpx2.Request, deadline: float) -> httpx2.Response:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RequestDeadline(self._timeouts.total)
        read = min(self._timeouts.read, left)
        request.extensions["timeout"] = {
            "connect": min(self._timeouts.connect, left), "read": read, "write": read,
            "pool": read,
        }  # fmt: skip
        try:
            async with asyncio.timeout(left):
                response = await self._inner.handle_async_request(request)
                body = await response.aread()
        except TimeoutError:
            if time.monotonic() < deadline:
                raise
            raise RequestDeadline(self._timeouts.total) from None
        if response.status_code in RETRYABLE_STATUS and refusal(response.status_code, body) is None:
            # A 5xx that refuses a parameter of the request (llama-cpp-python answers a
            # response_format it does not take with 500) would fail the same way again.
            raise RetryableStatusError(response)
        if response.status_code == 200 and is_chat(request):
            problem = chat_completion_problem(body, response.headers.get("content-type", ""))
            if problem:
                raise MalformedResponse(problem)
        return response

    def _log_retry(self, state: RetryCallState) -> str:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        reason = describe(error, self._timeouts.read, self._timeouts.connect)
        log.warning(
            "attempt %d of %d failed (%s); retrying in %.1fs",
            state.attempt_number, self._policy.attempts, reason, wait,
        )  # fmt: skip
        return reason

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self._inner.aclose()
