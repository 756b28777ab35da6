"""Requests within the budget: a long article in parts, a long list of claims in groups.

A request's size is its prompt (the stage's instructions and answer schema, the article, the
claims) plus its output budget (``stages/budget.py``), against the request budget
(``factcheck.llm.budget``).
A request within the budget is sent whole, exactly as before, so its store key is unchanged;
one over it is split:

- **extract**: the article in parts, cut at paragraph breaks (at line breaks, sentence ends or
  spaces only inside a paragraph too long on its own), each part a request. Quotes are still
  verified against the whole article, and their spans index its whole text.
- **check**: the claims in groups and, when the article would fill more than what the claims
  leave (at least half the room), the article in parts as well: one request per (part, group).
- **merge** (``stages/merge.py``): each chunk takes as many new claims as fit, at most its
  chunk size.

Calls grow with a story's text and its claims, never with their product: for a story of fixed
size they stay O(N) in the number of articles. What a split request finds is put back together
by the stage that sent it.

``--dry-run`` splits its estimates with the same functions.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Iterable, Sequence
from functools import cache
from math import ceil
from typing import TypeVar

from pydantic import BaseModel

from factcheck.errors import ContextLengthExceeded
from factcheck.llm.budget import RequestBudget, bound, suggested_budget
from factcheck.llm.tokens import Tokenizer
from factcheck.llm.transport import StoreMiss
from factcheck.models import Article, CanonicalClaim, Span
from factcheck.stages.budget import (
    CHECK_BASE,
    CHECK_PER_CLAIM,
    EXTRACT_BASE,
    EXTRACT_PER_CHARACTER,
    MERGE_BASE,
    MERGE_PER_CLAIM,
)
from factcheck.stages.clean import clean_text
from factcheck.stages.prompts import Part, escape_text, load_prompt
from factcheck.stages.split import pack, split_text

T = TypeVar("T")

# Chat framing, and the words instructor wraps around the schema in the JSON modes.
FRAMING_TOKENS = 100
# A part or a group never gets less room than this, even under a tiny budget or a huge title:
# the request then exceeds the budget rather than being cut into slivers.
MIN_ROOM = 256


# The output budgets of stages/budget.py, as a base per call and a cost per unit: each
# request is sized with the max_tokens it will carry (left uncapped here, which errs small),
# or with max_output_tokens when that replaces the rules.


def _output(budget: RequestBudget, base: int) -> int:
    return budget.output_tokens if budget.output_tokens is not None else base


def _per_unit(budget: RequestBudget, cost: float) -> float:
    return 0 if budget.output_tokens is not None else cost


def extract_output(budget: RequestBudget, chars: int) -> int:
    """The output budget of an extraction of ``chars`` characters (title and text)."""
    return _output(budget, EXTRACT_BASE) + ceil(_per_unit(budget, EXTRACT_PER_CHARACTER) * chars)


def check_output(budget: RequestBudget, claims: int) -> int:
    """The output budget of a check of ``claims`` claims."""
    return _output(budget, CHECK_BASE) + ceil(_per_unit(budget, CHECK_PER_CLAIM) * claims)


def merge_output(budget: RequestBudget, claims: int) -> int:
    """The output budget of a merge listing ``claims`` claims."""
    return _output(budget, MERGE_BASE) + ceil(_per_unit(budget, MERGE_PER_CLAIM) * claims)


def _instructions(stage: str, answer: type[BaseModel], indent: int | None) -> tuple[str, ...]:
    schema = answer.model_json_schema()
    return (
        load_prompt("system").template,
        load_prompt(stage).template,
        json.dumps(schema, indent=indent, separators=None if indent else (",", ":")),
    )


@cache
def _bound_overhead(stage: str, answer: type[BaseModel], indent: int | None) -> int:
    return sum(bound(t) for t in _instructions(stage, answer, indent)) + FRAMING_TOKENS


@cache
def _exact_overhead(
    tokenizer: Tokenizer, stage: str, answer: type[BaseModel], indent: int | None
) -> int:
    texts = _instructions(stage, answer, indent)
    return sum(tokenizer.count(t) for t in texts) + FRAMING_TOKENS


def overhead(budget: RequestBudget, stage: str, answer: type[BaseModel]) -> int:
    """A stage's prompt without its article or claims: instructions, schema, framing.

    Counted from the template text (its markup included) and the schema as the output mode
    sends it, plus the framing: it errs a little high.
    """
    return _exact_overhead(budget.tokenizer, stage, answer, budget.schema_indent)


def _fits_at_a_glance(
    budget: RequestBudget, stage: str, answer_model: type[BaseModel], texts: Sequence[str],
    answer: int,
) -> bool:  # fmt: skip
    """Within the budget by byte length alone (a token is at least a byte): no tokenizer."""
    head = _bound_overhead(stage, answer_model, budget.schema_indent)
    total = head + sum(bound(t) for t in texts) + answer
    return total <= budget.tokens


def _parts(article: Article, spans: list[tuple[Span, int]]) -> tuple[list[Part], int]:
    """The spans that hold text a model would see, numbered; and the largest one's cost."""
    kept = [(span, c) for span, c in spans if clean_text(article, span).strip()]
    parts = [Part(span=span, number=n, total=len(kept)) for n, (span, _) in enumerate(kept, 1)]
    return parts, max((c for _, c in kept), default=0)


# --- extract ---------------------------------------------------------------------------------


def extract_parts(
    budget: RequestBudget, article: Article, answer: type[BaseModel]
) -> list[Part] | None:
    """The parts to extract ``article`` in, or ``None`` when one request holds it whole."""
    body = clean_text(article)
    output = extract_output(budget, len(article.title) + len(body))
    if _fits_at_a_glance(budget, "extract", answer, (article.title, body), output):
        return None
    head = overhead(budget, "extract", answer) + budget.count(article.title)
    if head + budget.count(body) + output <= budget.tokens:
        return None
    head += extract_output(budget, len(article.title))
    room = max(budget.tokens - head, MIN_ROOM)
    per_character = _per_unit(budget, EXTRACT_PER_CHARACTER)

    def cost(text: str) -> int:
        return budget.count(text) + ceil(per_character * len(text))

    parts, _ = _parts(article, split_text(article.text, room, cost))
    return parts


# --- check -----------------------------------------------------------------------------------


def claim_line(claim: CanonicalClaim) -> str:
    """A claim as the check prompt lists it."""
    return f"{claim.id}: {escape_text(claim.text)}\n"


def check_plan(
    budget: RequestBudget, article: Article, claims: list[CanonicalClaim],
    answer: type[BaseModel],
) -> tuple[list[Part] | None, list[list[CanonicalClaim]]]:  # fmt: skip
    """How to check ``claims`` against ``article``: the article's parts, and claim groups.

    One request per (part, group); parts ``None``: the article goes whole. The claims get the
    room the article leaves, and at least half of it: an article too long for the other half
    is sent in parts.
    """
    if not claims:
        return None, []
    body = clean_text(article)
    lines = [claim_line(c) for c in claims]
    output = check_output(budget, len(claims))
    if _fits_at_a_glance(budget, "check", answer, (article.title, body, *lines), output):
        return None, [claims]
    head = overhead(budget, "check", answer) + budget.count(article.title)
    body_tokens = budget.count(body)
    per_claim = _per_unit(budget, CHECK_PER_CLAIM)
    costs = [budget.count(line) + per_claim for line in lines]
    if head + body_tokens + check_output(budget, 0) + ceil(sum(costs)) <= budget.tokens:
        return None, [claims]
    head += check_output(budget, 0)
    room = max(budget.tokens - head, 2 * MIN_ROOM)
    article_room = max(room - ceil(sum(costs)), room // 2)
    parts: list[Part] | None = None
    article_tokens = body_tokens
    if body_tokens > article_room:
        parts, article_tokens = _parts(article, split_text(article.text, article_room,
                                                           budget.count))  # fmt: skip
    return parts, pack(claims, costs, max(room - article_tokens, MIN_ROOM))


# --- merge -----------------------------------------------------------------------------------


def merge_take(
    budget: RequestBudget, answer: type[BaseModel], head: Sequence[str], earlier: Sequence[str],
    new: Sequence[str],
) -> int:  # fmt: skip
    """How many of the ``new`` claim lines one merge request takes: at least one.

    ``new`` is already at most a chunk's size; beside it the request carries ``head`` (the
    articles) and the ``earlier`` merged claims. When the claims merged so far fill the
    budget on their own, the new claims still get a quarter of it: the request is then over
    the budget, but the merge goes on in chunks of some size rather than one claim at a time.
    """
    output = merge_output(budget, len(earlier) + len(new))
    if _fits_at_a_glance(budget, "merge", answer, (*head, *earlier, *new), output):
        return len(new)
    base = overhead(budget, "merge", answer)
    fixed = base + sum(budget.count(t) for t in head)
    fixed += sum(budget.count(t) for t in earlier) + merge_output(budget, len(earlier))
    room = max(budget.tokens - fixed, (budget.tokens - base) // 4)
    per_claim = _per_unit(budget, MERGE_PER_CLAIM)
    used = 0.0
    taken = 0
    for line in new:
        c = budget.count(line) + per_claim
        if taken and used + c > room:
            break
        used += c
        taken += 1
    return taken


# --- sending the parts -----------------------------------------------------------------------


async def gather_parts(calls: Iterable[Awaitable[T]]) -> list[T]:
    """Run the requests of one split call at once; their results in order.

    A fatal error cancels the others and is raised as itself. Offline, every part gets to say
    which answer it lacks, and the misses are raised together: one export fetches them all.
    """

    async def settle(call: Awaitable[T]) -> T | StoreMiss:
        try:
            return await call
        except StoreMiss as miss:
            return miss

    tasks: list[asyncio.Task[T | StoreMiss]] = []
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(settle(call)) for call in calls]
    except* Exception as errors:
        raise errors.exceptions[0] from None
    results = [task.result() for task in tasks]
    missed = [m for r in results if isinstance(r, StoreMiss) for m in r.requests]
    if missed:
        raise StoreMiss(*missed)
    return results  # type: ignore[return-value]


def refusal(exc: ContextLengthExceeded, budget: RequestBudget) -> str:
    """Why a request was refused as too long, and what would make it fit."""
    what = str(exc).rstrip(".")
    suggested = suggested_budget(exc.limit) if exc.limit is not None else None
    if exc.limit is not None and suggested is None:
        return (
            f"{what}. A {exc.limit:,}-token window is too small for factcheck's prompts: use "
            "a model with a longer context"
        )
    advice = f"A smaller request budget (now {budget.tokens:,} tokens; --request-tokens)"
    if suggested is not None:
        advice += f", such as {suggested:,} for a {exc.limit:,}-token window,"
    return (
        f"{what}. {advice} sends it in parts; or name the model's context window under "
        "context_windows in a --prices file"
    )
