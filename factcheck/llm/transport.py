"""HTTP transports under the OpenAI SDK: the response store, retries, per-attempt metering.

Every request passes through them, outermost first:

    StoreTransport → RetryingTransport → MeteredTransport → network

Living under the SDK means each request passes here exactly once per attempt, instructor's
re-asks included, so the store, retries and usage need no cooperation from the layers above. A
stored answer is served before any retry or network, and costs no metered call. The SDK's own
retries are switched off (``max_retries=0``): tenacity here is the only retry layer for
transport failures, instructor the only one for invalid answers. The retrying transport lives
in ``factcheck.llm.retrying``; this module holds the store, metering and the tag that ties each
request to its call, and names all three transports for the gateway.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass, field

import httpx2

from factcheck.errors import MissedRequest
from factcheck.llm.config import RetryPolicy, Timeouts
from factcheck.llm.failures import (
    RETRYABLE_STATUS,
    RetryableStatusError,
    chat_completion_problem,
    unreported_cut_off,
    usage_tokens,
)
from factcheck.llm.retrying import RetryingTransport, is_chat, retry_after_seconds
from factcheck.llm.store import ASK_LIMIT, ResponseStore, StoredAnswer, endpoint_of, request_key
from factcheck.usage import Usage

log = logging.getLogger(__name__)

__all__ = [
    "CURRENT_CALL",
    "RETRYABLE_STATUS",
    "CallTag",
    "MeteredTransport",
    "RetryPolicy",
    "RetryableStatusError",
    "RetryingTransport",
    "StoreMiss",
    "StoreTransport",
    "Timeouts",
    "retry_after_seconds",
]


@dataclass
class CallTag:
    """What the request in flight belongs to: its stage and the ledger that pays for it.

    ``requests`` collects the requests the call made through the response store, re-asks
    included, so the gateway can record how the call ended.
    """

    stage: str
    usage: Usage
    requests: list[MissedRequest] = field(default_factory=list)


# Set by the model gateway around each structured call. A ContextVar rather than a header or a
# global: every asyncio task sees only its own call, and nothing extra is sent to the provider.
CURRENT_CALL: ContextVar[CallTag | None] = ContextVar("factcheck_current_call", default=None)




class MeteredTransport(httpx2.AsyncBaseTransport):
    """Count every answered chat completion, and its tokens, against the call in flight.

    Token counts that are not numbers count as 0 and are noted on the ledger: the answer
    itself is still good, only its cost is unknown. An answer cut off at its budget that a
    server reports otherwise (``failures.unreported_cut_off``) gets ``finish_reason``
    ``"length"``, so every layer above sees the cut-off for what it is.
    """

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self._inner = inner
        self._said: set[str] = set()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request`` and book its usage, if it answered and belongs to a call."""
        response = await self._inner.handle_async_request(request)
        tag = CURRENT_CALL.get()
        if tag is not None and response.status_code == 200:
            body = await response.aread()
            try:
                document = json.loads(body)
            except ValueError:
                document = {}
            input_tokens, output_tokens, problem = usage_tokens(document)
            tag.usage.add(tag.stage, input_tokens, output_tokens)
            if problem:
                tag.usage.add_unmetered(tag.stage)
                if problem not in self._said:  # once: every answer will likely say the same
                    self._said.add(problem)
                    log.warning("%s: %s; its tokens are not counted", endpoint_of(request.url),
                                problem)  # fmt: skip
            if is_chat(request) and unreported_cut_off(_json(request.content), document):
                document["choices"][0]["finish_reason"] = "length"
                return _replaced(response, request, document)
        return response

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self._inner.aclose()


def _json(raw: bytes) -> object:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _replaced(
    response: httpx2.Response, request: httpx2.Request, document: dict
) -> httpx2.Response:
    """``response`` with ``document`` as its (decoded, re-encoded) JSON body."""
    headers = {k: v for k, v in response.headers.items()
               if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")}
    return httpx2.Response(response.status_code, headers=headers, json=document,
                           request=request, extensions=response.extensions)  # fmt: skip


class StoreMiss(Exception):
    """Raised under the SDK when an offline run asks for an answer the store lacks.

    ``requests`` holds every missing request of one pipeline call: a call sent in parts (a
    long article, many claims) gathers its parts' misses into one, so that one export fetches
    them all.
    """

    def __init__(self, missed: MissedRequest, *more: MissedRequest) -> None:
        super().__init__(f"no stored answer for request {missed.key[:12]}")
        self.missed = missed
        self.requests = [missed, *more]


class StoreTransport(httpx2.AsyncBaseTransport):
    """Serve chat completions from the store; keep every new answer; offline, never send.

    Only chat completions that came back whole (200, with a choice) are kept: an error is not
    an answer, and a later run should ask again. A stored answer is asked for again, and the
    new answer takes its place, when its stage is in ``refresh`` (once per ``refreshed`` set:
    one run), or when the call that used it ended without a valid answer and the request has
    been asked fewer than ``ASK_LIMIT`` times (``reask_failed``: by default, when online).
    """

    def __init__(
        self,
        inner: httpx2.AsyncBaseTransport,
        store: ResponseStore,
        *,
        offline: bool = False,
        refresh: frozenset[str] = frozenset(),
        reask_failed: bool | None = None,
        refreshed: set[str] | None = None,
    ) -> None:
        self._inner = inner
        self._store = store
        self._offline = offline
        self._refresh = refresh
        self._reask_failed = (not offline) if reask_failed is None else reask_failed
        self._refreshed = refreshed if refreshed is not None else set()

    def _ask_again(self, key: str, stored: StoredAnswer, stage: str | None) -> bool:
        if key in self._refreshed:
            return False
        if "all" in self._refresh or (stage is not None and stage in self._refresh):
            return True
        return self._reask_failed and stored.outcome == "failed" and stored.asks < ASK_LIMIT

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Answer from the store, or forward (online) / raise ``StoreMiss`` (offline)."""
        body = await request.aread()
        if not is_chat(request):
            return await self._inner.handle_async_request(request)
        endpoint = endpoint_of(request.url)
        key = request_key(endpoint, body)
        tag = CURRENT_CALL.get()
        stage = tag.stage if tag else None
        asked = MissedRequest(key, endpoint, stage, json.loads(body))
        if tag is not None:
            tag.requests.append(asked)
        stored = self._store.lookup(key)
        if stored is not None and not self._ask_again(key, stored, stage):
            if tag is not None:
                input_tokens, output_tokens, _ = usage_tokens(json.loads(stored.body))
                tag.usage.add_store_hit(stage or "other", input_tokens, output_tokens)
            return httpx2.Response(
                200,
                headers={"content-type": "application/json", "x-factcheck-store": "hit"},
                content=stored.body,
                request=request,
            )
        if self._offline:
            raise StoreMiss(asked)
        response = await self._inner.handle_async_request(request)
        if response.status_code == 200:
            content = await response.aread()
            if chat_completion_problem(content, response.headers.get("content-type", "")):
                return response  # not an answer (the retrying transport below stops these)
            document = json.loads(content)
            self._store.put(
                key,
                endpoint=endpoint,
                model=str(asked.body.get("model", "")),
                stage=stage,
                document=document,
                replace=stored is not None,
            )
            if stored is not None:
                self._refreshed.add(key)
        return response

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self._inner.aclose()
