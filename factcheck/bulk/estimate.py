"""``--dry-run``: what a run would send and cost, worked out offline before spending anything.

The pipeline runs offline against the response store: stages whose answers are all stored cost
nothing, and the first stage that lacks answers names its exact requests, whose prompts are
measured. Later stages depend on answers not yet known, so they are estimated from the articles'
length with the assumptions in ``ASSUMPTIONS``. Tokens are counted as characters / 4, the usual
rule of thumb for English text with OpenAI's tokenizers (exact counts need the model's own).
A check's output is estimated per claim it lists, from the compact answer's shape: a full entry
for the share of claims an article supports or contradicts, an id for each of the rest.
"""

from __future__ import annotations

import json
import re
import tempfile
from math import ceil
from pathlib import Path

from pydantic import BaseModel

from factcheck.bulk.batch import amissing_requests
from factcheck.errors import MissedRequest
from factcheck.llm.gateway import LLM
from factcheck.llm.store import ResponseStore
from factcheck.models import Cluster, usd
from factcheck.stages.merge import DEFAULT_CHUNK_SIZE
from factcheck.stages.prompts import load_prompt

CHARS_PER_TOKEN = 4
CHARS_PER_CLAIM = 180  # about one claim per sentence of news prose
CLAIM_TOKENS = 25  # a canonical claim as listed in a prompt
EXTRACT_TOKENS_PER_CLAIM = 65  # quote, statement, attributed_to, as_of, JSON
MERGE_TOKENS_PER_CLAIM = 14  # group ids, merged wording and proposed disputes, amortised
SHARED_SHARE = 0.6  # canonical claims per extracted claim after merging
# The check answers compactly (check prompt v3): a claim the article supports or contradicts
# costs a full entry (id, evidence quote, attributed_to, rationale, label); every other claim
# only its id in the not_mentioned list. Most of the claims sent to an article are ones it
# does not mention: a real run (issue 14) found 25 of 345. FOUND_SHARE is set well above that,
# since merged statements are found more often than per-outlet wordings were; it is printed.
FOUND_TOKENS = 55
NOT_MENTIONED_TOKENS = 3  # '"c012", '
FOUND_SHARE = 0.25
CHECK_TOKENS_PER_CLAIM = FOUND_SHARE * FOUND_TOKENS + (1 - FOUND_SHARE) * NOT_MENTIONED_TOKENS
ASSUMPTIONS = (
    f"tokens ≈ characters / {CHARS_PER_TOKEN}",
    f"one claim per {CHARS_PER_CLAIM} characters of article text",
    f"{int(SHARED_SHARE * 100)} canonical claims per 100 extracted after merging",
    f"a check answers {int(FOUND_SHARE * 100)}% of its claims in full (~{FOUND_TOKENS} tokens "
    f"each), the rest as ids (~{NOT_MENTIONED_TOKENS})",
)
STAGES = ("extract", "merge", "check")
_CLAIM_LINE = re.compile(r"^c\d+: ")


class StageEstimate(BaseModel):
    """One stage of a dry run."""

    stage: str
    calls: int
    input_tokens: int
    output_tokens: int
    measured: bool  # input measured from the real requests, not estimated


class RunEstimate(BaseModel):
    """What ``--dry-run`` prints."""

    cluster: str
    model: str
    stored_stages: list[str]
    stages: list[StageEstimate]
    cost_usd: float | None
    batch_cost_usd: float | None
    assumptions: list[str]

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


def _tokens(chars: int) -> int:
    return ceil(chars / CHARS_PER_TOKEN)


def _request_tokens(request: MissedRequest) -> int:
    # Everything in the body but the model name is prompt: messages, and the schema in tools.
    body = {k: v for k, v in request.body.items() if k != "model"}
    return _tokens(len(json.dumps(body, ensure_ascii=False)))


def _template_tokens(stage: str) -> int:
    return _tokens(len(load_prompt("system").template) + len(load_prompt(stage).template))


def _estimated(stage: str, cluster: Cluster) -> StageEstimate:
    lengths = [len(a.text) for a in cluster.articles]
    claims = [max(1, n // CHARS_PER_CLAIM) for n in lengths]
    canonical = ceil(sum(claims) * SHARED_SHARE)
    if stage == "extract":
        return StageEstimate(
            stage=stage,
            calls=len(lengths),
            input_tokens=sum(_template_tokens(stage) + _tokens(n) for n in lengths),
            output_tokens=sum(c * EXTRACT_TOKENS_PER_CLAIM for c in claims),
            measured=False,
        )
    if stage == "merge":
        calls = ceil(sum(claims) / DEFAULT_CHUNK_SIZE) if len(lengths) > 1 else 0
        return StageEstimate(
            stage=stage,
            calls=calls,
            input_tokens=calls * _template_tokens(stage) + sum(claims) * CLAIM_TOKENS,
            output_tokens=sum(claims) * MERGE_TOKENS_PER_CLAIM if calls else 0,
            measured=False,
        )
    others = [max(0, canonical - c) for c in claims]
    return StageEstimate(
        stage=stage,
        calls=len(lengths),
        input_tokens=sum(
            _template_tokens(stage) + _tokens(n) + k * CLAIM_TOKENS
            for n, k in zip(lengths, others, strict=True)
        ),
        output_tokens=ceil(sum(others) * CHECK_TOKENS_PER_CLAIM),
        measured=False,
    )


def _claims_in(request: MissedRequest) -> int:
    """How many claims a check request lists (one ``id: statement`` line each)."""
    user = next((m.get("content") for m in request.body.get("messages", [])
                 if m.get("role") == "user"), "")  # fmt: skip
    block = user.rpartition("<claims>")[2].partition("</claims>")[0] if user else ""
    return sum(1 for line in block.splitlines() if _CLAIM_LINE.match(line))


def _measured(stage: str, requests: list[MissedRequest], estimate: StageEstimate) -> StageEstimate:
    # Output is not known before the model answers. A check's is roughly proportional to the
    # claims it lists, which the request shows; other stages keep the estimate, per call.
    if stage == "check":
        output = ceil(sum(_claims_in(r) for r in requests) * CHECK_TOKENS_PER_CLAIM)
    else:
        output = ceil(estimate.output_tokens * len(requests) / max(estimate.calls, 1))
    return StageEstimate(
        stage=stage,
        calls=len(requests),
        input_tokens=sum(_request_tokens(r) for r in requests),
        output_tokens=output,
        measured=True,
    )


async def aestimate(cluster: Cluster, llm: LLM) -> RunEstimate:
    """Calls, tokens and cost of checking ``cluster`` now, given what the store already holds.

    Sends nothing. A gateway without a store is measured against an empty one.
    """
    if llm.store is None:
        with tempfile.TemporaryDirectory() as folder:
            empty = ResponseStore(Path(folder) / "empty.sqlite3")
            return await aestimate(cluster, LLM(llm.config, store=empty, prices=llm.prices))
    stage, requests = await amissing_requests(cluster, llm)
    stored = list(STAGES[: STAGES.index(stage)]) if stage else list(STAGES)
    stages = []
    for name in STAGES[len(stored) :]:
        estimate = _estimated(name, cluster)
        stages.append(_measured(name, requests, estimate) if name == stage and requests
                      else estimate)  # fmt: skip
    model = llm.config.model
    input_tokens = sum(s.input_tokens for s in stages)
    output_tokens = sum(s.output_tokens for s in stages)
    return RunEstimate(
        cluster=cluster.id,
        model=model,
        stored_stages=stored,
        stages=stages,
        cost_usd=llm.prices.cost(model, input_tokens, output_tokens),
        batch_cost_usd=llm.prices.cost(model, input_tokens, output_tokens, batch=True),
        assumptions=list(ASSUMPTIONS),
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
    lines.append("Assumptions: " + "; ".join(estimate.assumptions) + "; re-asks not counted.")
    return "\n".join(lines) + "\n"
