"""``--dry-run``: what a run would send and cost, worked out offline before spending anything.

The pipeline runs offline against the response store: stages whose answers are all stored cost
nothing, and the first stage that lacks answers names its exact requests, whose prompts are
measured. Later stages depend on answers not yet known, so they are projected from the
articles' length (``bulk/projected.py``), split as the stages would split them to keep each
request within the request budget (``factcheck.llm.budget``). Tokens are counted with the
model's own encoding when factcheck knows it (``factcheck.llm.tokens``), else estimated from
characters, and the dry run says which. It also says whether the largest request fits the
model's context window, and prints the request budget.
"""

from __future__ import annotations

import re
import tempfile
from math import ceil
from pathlib import Path

from pydantic import BaseModel, Field

from factcheck.bulk.export import amissing_requests
from factcheck.bulk.projected import (
    ASSUMPTIONS,
    CHECK_TOKENS_PER_CLAIM,
    StageEstimate,
    projected,
)
from factcheck.errors import MissedRequest
from factcheck.llm.budget import RequestBudget, suggested_budget
from factcheck.llm.gateway import LLM
from factcheck.llm.store import ResponseStore
from factcheck.llm.tokens import CHARS_PER_TOKEN, Tokenizer
from factcheck.models import Cluster
from factcheck.usage import usd

ESTIMATED_TOKENS = f"tokens ≈ characters / {CHARS_PER_TOKEN}"
STAGES = ("extract", "merge", "check")
_CLAIM_LINE = re.compile(r"^c\d+: ")


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
        estimate = projected(name, cluster, budget)
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
