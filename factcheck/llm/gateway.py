"""The model gateway: structured calls through instructor, over the store and transports.

Stages call :meth:`LLM.structured` and get a validated Pydantic object, an ``AnswerError`` they
can degrade on (unresolved cells, a warning), or a ``ModelCallError`` that ends the run, worded
by ``llm.call_errors``.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from functools import cache, cached_property
from typing import Any, TypeVar

import httpx2
import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel

from factcheck.errors import AnswerError, ConfigError, ContextLengthExceeded, ModelCallError
from factcheck.llm.answers import completion_text, invalid_reason
from factcheck.llm.budget import RequestBudget, request_budget
from factcheck.llm.call_errors import call_error, own_failure
from factcheck.llm.config import ModelConfig, redact
from factcheck.llm.prices import PriceTable
from factcheck.llm.store import ASK_LIMIT, ResponseStore
from factcheck.llm.transport import (
    CURRENT_CALL,
    CallTag,
    MeteredTransport,
    RetryingTransport,
    StoreMiss,
    StoreTransport,
)
from factcheck.usage import Usage

T = TypeVar("T", bound=BaseModel)

# The output budget of a call whose stage sizes none (the stages size their own).
DEFAULT_OUTPUT_BUDGET = 4096


class LLM:
    """A configured model gateway: response store, bounded concurrency, retries, re-asks, metering.

    ``store`` keeps every answer so no request is paid for twice; ``offline`` serves from it
    only (a missing answer raises ``StoreMiss`` for the pipeline to collect). Pass
    ``transport`` to put something else under the SDK: tests pass a fake server there.
    ``prices`` (default: the shipped table) turns each run's paid tokens into a cost.
    ``refresh`` names stages (``extract``, ``merge``, ``check``, ``align``, or ``all``) whose
    stored answers are asked for again, once per gateway. An answer whose call ended without a
    valid answer is asked for again as well (``reask_failed``; by default when online).
    One gateway may serve several runs; each run passes its own ``Usage`` ledger.
    """

    def __init__(
        self,
        config: ModelConfig,
        transport: httpx2.AsyncBaseTransport | None = None,
        *,
        store: ResponseStore | None = None,
        offline: bool = False,
        prices: PriceTable | None = None,
        refresh: Iterable[str] = (),
        reask_failed: bool | None = None,
    ):
        if offline and store is None:
            raise ConfigError("offline runs need a response store to answer from")
        self.config = config
        self.store = store
        self.offline = offline
        self.prices = prices or PriceTable.load()
        self.refresh = frozenset(refresh)
        self.reask_failed = reask_failed
        self._refreshed: set[str] = set()  # keys asked again already: refresh asks once
        self._transport = transport
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: instructor.AsyncInstructor | None = None
        self._sdk: openai.AsyncOpenAI | None = None
        self._semaphore: asyncio.Semaphore | None = None

    @cached_property
    def budget(self) -> RequestBudget:
        """How many tokens one request may take, prompt and output budget: see llm.budget."""
        return request_budget(self.config, self.prices)

    def _session(self) -> tuple[instructor.AsyncInstructor, asyncio.Semaphore]:
        # HTTP connections and semaphores belong to one event loop; the sync API runs a new
        # loop per call, so the client is rebuilt whenever the loop changes.
        loop = asyncio.get_running_loop()
        if self._client is None or self._semaphore is None or self._loop is not loop:
            inner = self._transport or httpx2.AsyncHTTPTransport(verify=_tls_context())
            transport: httpx2.AsyncBaseTransport = RetryingTransport(
                MeteredTransport(inner), self.config.retry, timeouts=self.config.timeouts()
            )
            if self.store is not None:
                # Outermost: a stored answer costs no request, no retry and no metered call.
                transport = StoreTransport(
                    transport, self.store, offline=self.offline, refresh=self.refresh,
                    reask_failed=self.reask_failed, refreshed=self._refreshed,
                )  # fmt: skip
            # The retrying transport sets each attempt's timeouts within the request deadline.
            timeout = httpx2.Timeout(self.config.read_timeout, connect=self.config.connect_timeout)
            http = httpx2.AsyncClient(transport=transport, timeout=timeout)
            key = self.config.api_key.get_secret_value() if self.config.api_key else "no-key"
            sdk = openai.AsyncOpenAI(
                api_key=key,
                base_url=self.config.base_url,
                max_retries=0,
                timeout=timeout,
                http_client=http,
                # gzip only: every HTTP stack decodes it (brotli and zstd need extra packages).
                default_headers={"Accept-Encoding": "gzip"},
            )
            self._sdk = sdk
            self._client = instructor.from_openai(sdk, mode=self.config.instructor_mode())
            self._semaphore = asyncio.Semaphore(self.config.concurrency)
            self._loop = loop
        return self._client, self._semaphore

    async def structured(
        self,
        *,
        stage: str,
        response_model: type[T],
        messages: list[dict[str, str]],
        context: dict[str, Any],
        usage: Usage,
        max_tokens: int | None = None,
    ) -> T:
        """Ask for a ``response_model`` answer; ``context`` fills the templates and validators.

        ``max_tokens`` is the answer's output budget, sized by the stage from its request
        (default ``DEFAULT_OUTPUT_BUDGET``); the config's ``max_output_tokens`` overrides it.
        Raises ``AnswerError`` when the answer stays invalid after re-asks or is cut off at
        its budget (counted on ``usage``), and ``ModelCallError`` when the endpoint refuses
        or keeps failing.
        """
        client, semaphore = self._session()
        budget = self.config.max_output_tokens or max_tokens or DEFAULT_OUTPUT_BUDGET
        sampling: dict[str, Any] = {self.config.token_limit_parameter: budget}
        if self.config.temperature is not None:
            sampling["temperature"] = self.config.temperature
        extras = self.config.output_mode().request_extras(response_model)
        tag = CallTag(stage=stage, usage=usage)
        token = CURRENT_CALL.set(tag)
        try:
            async with semaphore:
                answer = await client.create(
                    model=self.config.model,
                    response_model=response_model,
                    messages=messages,  # type: ignore[arg-type]
                    context=context,
                    max_retries=self.config.max_reasks,
                    strict=False,
                    **sampling,
                    **extras,
                )
            self._record_outcome(tag, "ok")
            return answer
        except IncompleteOutputException as exc:
            self._record_outcome(tag, "failed")
            usage.add_cut_off(stage)
            raise AnswerError(
                f"the answer was cut off at its output budget of {budget} tokens",
                raw=completion_text(exc.last_completion),
            ) from exc
        except (InstructorRetryException, openai.APIError) as exc:
            # The SDK wraps whatever a transport raises as a connection error: a store miss or
            # a store that cannot be read is raised as itself.
            own = own_failure(exc)
            if own is not None:
                raise own from None
            cause = exc.__cause__
            api = exc if isinstance(exc, openai.APIError) else cause
            if isinstance(api, openai.APIError):
                error = self.call_error(api)
                if isinstance(error, ContextLengthExceeded):
                    usage.add_too_long(stage)
                raise error from exc
            self._record_outcome(tag, "failed")
            reason = redact(invalid_reason(cause or exc), self.config)
            raise AnswerError(
                f"no valid answer after {exc.n_attempts} attempts: {reason}",
                raw=completion_text(exc.last_completion),
            ) from exc
        finally:
            CURRENT_CALL.reset(token)

    def _record_outcome(self, tag: CallTag, outcome: str) -> None:
        """Record how the call ended on the answers it used; see StoreTransport.

        A failed call's answers are asked for again by a later run. An offline run that
        gathers what to ask (``batch export``) needs them now: their first request is missing.
        """
        if self.store is None or not tag.requests:
            return
        self.store.set_outcome([r.key for r in tag.requests], outcome)
        if outcome == "failed" and self.offline and self.reask_failed:
            first = tag.requests[0]
            stored = self.store.lookup(first.key)
            if stored is not None and stored.asks < ASK_LIMIT:
                raise StoreMiss(first)

    def settle(self, usage: Usage) -> None:
        """Put the estimated cost of a run's paid calls on its ledger."""
        model = self.config.model
        usage.cost_usd = self.prices.cost(model, usage.input_tokens, usage.output_tokens)

    def sdk(self) -> openai.AsyncOpenAI:
        """The OpenAI client of this event loop (retries included, no store): for the Batch API."""
        self._session()
        assert self._sdk is not None
        return self._sdk

    def call_error(self, exc: BaseException) -> ModelCallError:
        """The one-line, key-free error for a failed request: see ``llm.call_errors``."""
        return call_error(self.config, exc)


@cache
def _tls_context() -> ssl.SSLContext:
    """The certificate store, loaded once per process (~40 ms), not once per event loop.

    The sync API runs each call in a new event loop, and each loop gets a new client.
    """
    return httpx2.create_ssl_context()
