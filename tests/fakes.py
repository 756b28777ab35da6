"""A fake OpenAI endpoint at the HTTP boundary, answering from a queue, for logic tests.

Every answer here is written by hand in the test that queues it: a fixture, never a model.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2

from factcheck import LLM, ModelConfig
from factcheck.llm.transport import RetryPolicy
from factcheck.models import Article, ExtractedClaim, Quote, Span

FAKE_MODEL = "hand-written-fixture"
Answer = dict[str, Any] | str | httpx2.Response | Callable[[dict[str, Any]], Any]


def completion(
    answer: dict[str, Any] | str, finish_reason: str = "stop", tokens: tuple[int, int] = (100, 20)
) -> httpx2.Response:
    """A chat.completion response whose message content is ``answer`` (JSON mode)."""
    content = answer if isinstance(answer, str) else json.dumps(answer)
    return httpx2.Response(200, json={
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": FAKE_MODEL,
        "choices": [{"index": 0, "finish_reason": finish_reason,
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": tokens[0], "completion_tokens": tokens[1],
                  "total_tokens": sum(tokens)},
    })  # fmt: skip


def error(status: int, headers: dict[str, str] | None = None) -> httpx2.Response:
    """An OpenAI-style error response."""
    return httpx2.Response(
        status, headers=headers, json={"error": {"message": f"fake {status}", "type": "fake"}}
    )


class FakeEndpoint:
    """Answers requests in order from ``answers``; records every request body it saw.

    An answer is a JSON-able dict (sent as message content), a raw string, a prepared
    response, or a function of the request body returning any of these.
    """

    def __init__(self, answers: list[Answer]) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        if not self.answers:
            raise AssertionError("the fake endpoint got more requests than answers queued")
        answer = self.answers.pop(0)
        if callable(answer):
            answer = answer(body)
        return answer if isinstance(answer, httpx2.Response) else completion(answer)

    def llm(self, **settings: Any) -> LLM:
        """An LLM whose HTTP goes to this fake, in JSON mode unless told otherwise."""
        settings.setdefault("retry", RetryPolicy(attempts=3, initial_wait=0.001, max_wait=0.01))
        config = ModelConfig(
            model=FAKE_MODEL,
            base_url="http://fake.invalid/v1",
            api_key="sk-fake-key-0123456789abcdef",
            **settings,
        )
        return LLM(config, transport=httpx2.MockTransport(self.handle))


def user_message(body: dict[str, Any]) -> str:
    """The rendered user message of a request."""
    return next(m["content"] for m in body["messages"] if m["role"] == "user")


# --- hand-written answers and inputs -----------------------------------------------------


def claim_item(quote, statement=None, attributed_to=None, as_of=None):
    return {
        "quote": quote,
        "statement": statement or quote,
        "attributed_to": attributed_to,
        "as_of": as_of,
    }


def extracted(article_id, text, attributed_to=None, as_of=None):
    return ExtractedClaim(
        article_id=article_id,
        text=text,
        attributed_to=attributed_to,
        as_of=as_of,
        quote=Quote(text=text, span=Span(start=0, end=len(text))),
    )


def articles(*ids, dates=None):
    dates = dates or {}
    return [
        Article(id=i, title=i, text=i, outlet=f"Outlet {i}", published=dates.get(i)) for i in ids
    ]


def merge_answer(groups=(), disputes=()):
    return {
        "groups": [{"ids": ids, "statement": text} for ids, text in groups],
        "disputes": [
            {"question": q, "kind": kind, "versions": versions} for q, kind, versions in disputes
        ],
    }
