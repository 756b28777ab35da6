"""``--dry-run``: what a run would send and cost, worked out offline before spending anything.

The pipeline runs offline against the response store: stages whose answers are all stored cost
nothing, and the first stage that lacks answers names its exact requests, whose prompts are
measured. Later stages depend on answers not yet known, so they are estimated from the articles'
length with the assumptions in ``ASSUMPTIONS``, split as the stages would split them to keep each
request within the request budget (``factcheck.llm.budget``). Tokens are counted with the
model's own encoding when factcheck knows it (``factcheck.llm.tokens``), else estimated from
characters, and the dry run says which. It also says whether the largest request fits the
model's context window. A check's output is estimated per claim it lists, from the compact
answer's shape: a full entry for the share of claims an article supports or contradicts, an id
for each of the rest.
"""

from __future__ import annotations

import re
import tempfile
from math import ceil
from pathlib import Path

from pydantic import BaseModel, Field

from factcheck.bulk.batch import amissing_requests
from factcheck.errors import MissedRequest
from factcheck.llm.budget import RequestBudget, suggested_budget
from factcheck.llm.gateway import LLM
from factcheck.llm.store import ResponseStore
from factcheck.llm.tokens import CHARS_PER_TOKEN, Tokenizer
from factcheck.models import Cluster, usd
from factcheck.stages.check import CheckAnswer
from factcheck.stages.chunks import (
    CHARS_PER_CLAIM,
    CHECK_TOKENS_PER_CLAIM,
    FOUND_SHARE,
    FOUND_TOKENS,
    MERGE_TOKENS_PER_CLAIM,
    MIN_ROOM,
    NOT_MENTIONED_TOKENS,
    extract_answer_tokens,
    extract_parts,
    overhead,
)
from factcheck.stages.extract import ExtractionAnswer
from factcheck.stages.merge import DEFAULT_CHUNK_SIZE
from factcheck.stages.merge_answer import MergeAnswer

__all__ = ["CHECK_TOKENS_PER_CLAIM", "RunEstimate", "StageEstimate", "aestimate"]

CLAIM_TOKENS = 25  # a canonical claim as listed in a prompt
SHARED_SHARE = 0.6  # canonical claims per extracted claim after merging
ASSUMPTIONS = (
    f"one claim per {CHARS_PER_CLAIM} characters of article text",
    f"{int(SHARED_SHARE * 100)} canonical claims per 100 extracted after merging",
    f"a check answers {int(FOUND_SHARE * 100)}% of its claims in full (~{FOUND_TOKENS} tokens "
    f"each), the rest as ids (~{NOT_MENTIONED_TOKENS})",
)
ESTIMATED_TOKENS = f"tokens ≈ characters / {CHARS_PER_TOKEN}"
STAGES = ("extract", "merge", "check")
_CLAIM_LINE = re.compile(r"^c\d+: ")


class StageEstimate(BaseModel):
    """One stage of a dry run."""

    stage: str
    calls: int
    input_tokens: int
    output_tokens: int
    measured: bool  # input measured from the real requests, not estimated
    largest_input_tokens: int = Field(default=0, description="The largest one request's prompt.")

    @property
    def output_per_call(self) -> int:
        """Expected answer tokens of one call."""
        return ceil(self.output_tokens / self.calls) if self.calls else 0

    @property
    def largest_request_tokens(self) -> int:
        """What the stage's largest request needs of a context window: prompt and answer."""
        return self.largest_input_tokens + self.output_per_call if self.calls else 0


class RunEstimate(BaseModel):
    """What ``--dry-run`` prints."""

    cluster: str
    model: str
    stored_stages: list[str]
    stages: list[StageEstimate]
    cost_usd: float | None
    batch_cost_usd: float | None
    assumptions: list[str]
    tokenizer: str = Field(description="The encoding tokens were counted with, or 'estimate'.")
    tokenizer_note: str = Field(description="The tokenizer line the dry run prints.")
    context_window: int | None = Field(description="The model's, in tokens; None: unknown.")
    request_tokens: int = Field(
        default=0, description="The request budget: a request over it is split."
    )
    request_budget: str = Field(default="", description="The budget line the dry run prints.")
    warnings: list[str] = Field(default_factory=list)

    @property
    def calls(self) -> int:
        """Requests the run would send (before any re-ask)."""
        return sum(s.calls for s in self.stages)

    @property
    def input_tokens(self) -> int:
        """Estimated prompt tokens."""
        return sum(s.input_tokens for s in self.stages)

    @property
    def output_tokens(self) -> int:
        """Estimated completion tokens."""
        return sum(s.output_tokens for s in self.stages)


def _estimated(stage: str, cluster: Cluster, budget: RequestBudget) -> StageEstimate:
    """A stage's calls and tokens from the articles' length, split as the stages would split."""
    tokens = budget.tokenizer
    lengths = [len(a.text) for a in cluster.articles]
    claims = [max(1, n // CHARS_PER_CLAIM) for n in lengths]
    canonical = ceil(sum(claims) * SHARED_SHARE)
    if stage == "extract":
        inputs, output = [], 0
        base = overhead(budget, "extract", ExtractionAnswer)
        for article in cluster.articles:
            parts = extract_parts(budget, article, ExtractionAnswer)
            spans = [(0, len(article.text))] if parts is None else [
                (p.span.start, p.span.end) for p in parts
            ]  # fmt: skip
            for start, end in spans:
                text = article.text[start:end]
                inputs.append(base + tokens.count(article.title) + tokens.count(text))
                output += extract_answer_tokens(len(text))
    elif stage == "merge":
        inputs, output = _merge_estimate(budget, cluster, sum(claims))
    else:
        inputs, output = _check_estimate(budget, cluster, [max(0, canonical - c) for c in claims])
    return StageEstimate(
        stage=stage,
        calls=len(inputs),
        input_tokens=sum(inputs),
        output_tokens=ceil(output),
        measured=False,
        largest_input_tokens=max(inputs, default=0),
    )


def _merge_estimate(budget: RequestBudget, cluster: Cluster, claims: int) -> tuple[list[int], int]:
    if len(cluster.articles) < 2:
        return [], 0
    base = overhead(budget, "merge", MergeAnswer) + 15 * len(cluster.articles)
    per_claim = CLAIM_TOKENS + MERGE_TOKENS_PER_CLAIM
    fit = max(1, (budget.tokens - base) // per_claim)
    calls = ceil(claims / min(DEFAULT_CHUNK_SIZE, fit))
    per_call = ceil(claims / calls)
    return [base + per_call * CLAIM_TOKENS] * calls, claims * MERGE_TOKENS_PER_CLAIM


def _check_estimate(
    budget: RequestBudget, cluster: Cluster, others: list[int]
) -> tuple[list[int], float]:
    """Per article, the claims it did not state: in groups, the article in parts as needed.

    The arithmetic of ``stages.chunks.check_plan``, on estimated claims.
    """
    tokens = budget.tokenizer
    base = overhead(budget, "check", CheckAnswer)
    inputs: list[int] = []
    output = 0.0
    for article, k in zip(cluster.articles, others, strict=True):
        if not k:
            continue
        head = base + tokens.count(article.title)
        body = tokens.count(article.text)
        claims = k * (CLAIM_TOKENS + CHECK_TOKENS_PER_CLAIM)
        parts = groups = 1
        if head + body + claims > budget.tokens:
            room = max(budget.tokens - head, 2 * MIN_ROOM)
            article_room = max(room - ceil(claims), room // 2)
            parts = ceil(body / article_room) if body > article_room else 1
            groups = ceil(claims / max(room - min(body, article_room), MIN_ROOM))
        part, group = ceil(body / parts), ceil(k / groups)
        inputs += [head + part + group * CLAIM_TOKENS] * (parts * groups)
        output += parts * k * CHECK_TOKENS_PER_CLAIM
    return inputs, output


def _claims_in(request: MissedRequest) -> int:
    """How many claims a check request lists (one ``id: statement`` line each)."""
    user = next((m.get("content") for m in request.body.get("messages", [])
                 if m.get("role") == "user"), "")  # fmt: skip
    block = user.rpartition("<claims>")[2].partition("</claims>")[0] if user else ""
    return sum(1 for line in block.splitlines() if _CLAIM_LINE.match(line))


def _measured(
    stage: str, requests: list[MissedRequest], estimate: StageEstimate, tokens: Tokenizer
) -> StageEstimate:
    # Output is not known before the model answers. A check's is roughly proportional to the
    # claims it lists, which the request shows; other stages keep the estimate, per call.
    if stage == "check":
        output = ceil(sum(_claims_in(r) for r in requests) * CHECK_TOKENS_PER_CLAIM)
    else:
        output = ceil(estimate.output_tokens * len(requests) / max(estimate.calls, 1))
    inputs = [tokens.count_request(r.body) for r in requests]
    return StageEstimate(
        stage=stage,
        calls=len(requests),
        input_tokens=sum(inputs),
        output_tokens=output,
        measured=True,
        largest_input_tokens=max(inputs, default=0),
    )


def _largest(stages: list[StageEstimate]) -> StageEstimate | None:
    """The stage whose largest request needs the most context, if any stage calls at all."""
    calling = [s for s in stages if s.calls]
    return max(calling, key=lambda s: s.largest_request_tokens) if calling else None


def _context_warnings(
    stages: list[StageEstimate], model: str, context: int | None, budget: RequestBudget
) -> list[str]:
    """A warning when the largest request, with its expected answer, overflows the context."""
    largest = _largest(stages)
    if context is None or largest is None or largest.largest_request_tokens <= context:
        return []
    suggested = suggested_budget(context)
    advice = (
        f"a request budget of {suggested:,} (now {budget.tokens:,}; request_tokens=...) sends "
        "smaller requests" if suggested is not None and suggested < budget.tokens
        else "use a model with a longer context"
    )  # fmt: skip
    return [
        f"the largest request ({largest.stage}) needs ~{largest.largest_request_tokens:,} "
        f"tokens, more than {model}'s context window of {context:,}: the model would reject "
        f"it or cut its answer short; {advice}"
    ]


async def aestimate(cluster: Cluster, llm: LLM) -> RunEstimate:
    """Calls, tokens and cost of checking ``cluster`` now, given what the store already holds.

    Sends nothing. A gateway without a store is measured against an empty one.
    """
    if llm.store is None:
        with tempfile.TemporaryDirectory() as folder:
            empty = ResponseStore(Path(folder) / "empty.sqlite3")
            return await aestimate(cluster, LLM(llm.config, store=empty, prices=llm.prices))
    model = llm.config.model
    budget = llm.budget
    tokens = budget.tokenizer
    stage, requests = await amissing_requests(cluster, llm)
    stored = list(STAGES[: STAGES.index(stage)]) if stage else list(STAGES)
    stages = []
    for name in STAGES[len(stored) :]:
        estimate = _estimated(name, cluster, budget)
        stages.append(_measured(name, requests, estimate, tokens) if name == stage and requests
                      else estimate)  # fmt: skip
    context = llm.prices.context_window(model)
    input_tokens = sum(s.input_tokens for s in stages)
    output_tokens = sum(s.output_tokens for s in stages)
    return RunEstimate(
        cluster=cluster.id,
        model=model,
        stored_stages=stored,
        stages=stages,
        cost_usd=llm.prices.cost(model, input_tokens, output_tokens),
        batch_cost_usd=llm.prices.cost(model, input_tokens, output_tokens, batch=True),
        assumptions=list(ASSUMPTIONS) if tokens.exact else [ESTIMATED_TOKENS, *ASSUMPTIONS],
        tokenizer=tokens.name,
        tokenizer_note=tokens.describe(),
        context_window=context,
        request_tokens=budget.tokens,
        request_budget=budget.describe(),
        warnings=_context_warnings(stages, model, context, budget),
    )


def render_estimate(estimate: RunEstimate) -> str:
    """The dry run as plain text, one line per stage."""
    lines = [f"Dry run for {estimate.cluster} with {estimate.model}: nothing was sent."]
    if estimate.stored_stages:
        lines.append(f"Answered from the store already: {', '.join(estimate.stored_stages)}.")
    for s in estimate.stages:
        how = "prompts measured" if s.measured else "estimated"
        lines.append(
            f"  {s.stage:<8} {s.calls:>4} calls  ~{s.input_tokens:>8} input  "
            f"~{s.output_tokens:>7} output tokens  ({how})"
        )
    lines.append(
        f"Total: {estimate.calls} calls, ~{estimate.input_tokens} input + "
        f"~{estimate.output_tokens} output tokens; cost ~{usd(estimate.cost_usd)}"
        + (f", ~{usd(estimate.batch_cost_usd)} through the Batch API"
           if estimate.batch_cost_usd is not None else "")
    )  # fmt: skip
    lines.append(f"Tokens: {estimate.tokenizer_note}.")
    lines.append(f"Request budget: {estimate.request_budget}; bigger requests are split.")
    lines.append(_context_line(estimate))
    lines.extend(f"Warning: {w}." for w in estimate.warnings)
    lines.append("Assumptions: " + "; ".join(estimate.assumptions) + "; re-asks not counted.")
    return "\n".join(lines) + "\n"


def _context_line(estimate: RunEstimate) -> str:
    largest = _largest(estimate.stages)
    if estimate.context_window is None:
        return (
            f"Context window of {estimate.model}: unknown, so no check that each request fits "
            "(add it under context_windows in a --prices file)."
        )
    window = f"context window of {estimate.model}: {estimate.context_window:,} tokens."
    if largest is None:
        return window[0].upper() + window[1:]
    return (
        f"Largest request: {largest.stage}, ~{largest.largest_input_tokens:,} prompt + "
        f"~{largest.output_per_call:,} answer tokens; {window}"
    )
