"""A dry run's later stages: calls and tokens from the articles' length, before any answer.

The first stage that lacks answers is measured from its real requests (``bulk/estimate.py``);
the stages after it depend on answers not yet known, so they are projected here, with the
assumptions in ``ASSUMPTIONS`` and split as the stages would split them to keep each request
within the request budget (``stages/chunks.py``). A check's output is projected per claim it
lists, from the compact answer's shape: a full entry for the share of claims an article
supports or contradicts, an id for each of the rest.
"""

from __future__ import annotations

from math import ceil

from pydantic import BaseModel, Field

from factcheck.llm.budget import RequestBudget
from factcheck.models import Cluster
from factcheck.stages.check import CheckAnswer
from factcheck.stages.chunks import MIN_ROOM, check_output, extract_parts, merge_output, overhead
from factcheck.stages.extract import ExtractionAnswer
from factcheck.stages.merge import DEFAULT_CHUNK_SIZE
from factcheck.stages.merge_answer import MergeAnswer

CHARS_PER_CLAIM = 180  # about one claim per sentence of news prose
CLAIM_TOKENS = 25  # a canonical claim as listed in a prompt
EXTRACT_TOKENS_PER_CLAIM = 65  # quote, statement, attributed_to, as_of, JSON
MERGE_TOKENS_PER_CLAIM = 14  # group ids, merged wording and proposed disputes, amortised
# The check answers compactly: a claim the article supports or contradicts costs a full entry
# (id, evidence quote, attributed_to, rationale, label), every other claim only its id. Most
# claims sent to an article are ones it does not mention: a real run (issue 14) found 25 of
# 345. FOUND_SHARE is set well above that, since merged statements are found more often than
# per-outlet wordings were.
FOUND_TOKENS = 55
NOT_MENTIONED_TOKENS = 3  # '"c012", '
FOUND_SHARE = 0.25
CHECK_TOKENS_PER_CLAIM = FOUND_SHARE * FOUND_TOKENS + (1 - FOUND_SHARE) * NOT_MENTIONED_TOKENS
SHARED_SHARE = 0.6  # canonical claims per extracted claim after merging
ASSUMPTIONS = (
    f"one claim per {CHARS_PER_CLAIM} characters of article text",
    f"{int(SHARED_SHARE * 100)} canonical claims per 100 extracted after merging",
    f"a check answers {int(FOUND_SHARE * 100)}% of its claims in full (~{FOUND_TOKENS} tokens "
    f"each), the rest as ids (~{NOT_MENTIONED_TOKENS})",
)


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


def projected(stage: str, cluster: Cluster, budget: RequestBudget) -> StageEstimate:
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
                output += ceil(len(text) * EXTRACT_TOKENS_PER_CLAIM / CHARS_PER_CLAIM)
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
    """Chunks of claims as ``stages.chunks.merge_take`` would size them, on estimated claims."""
    if len(cluster.articles) < 2:
        return [], 0
    base = overhead(budget, "merge", MergeAnswer) + 15 * len(cluster.articles)
    fits = (budget.tokens - base - merge_output(budget, 0)) // (
        CLAIM_TOKENS + merge_output(budget, 1) - merge_output(budget, 0)
    )
    calls = ceil(claims / min(DEFAULT_CHUNK_SIZE, max(1, fits)))
    per_call = ceil(claims / calls)
    return [base + per_call * CLAIM_TOKENS] * calls, claims * MERGE_TOKENS_PER_CLAIM


def _check_estimate(
    budget: RequestBudget, cluster: Cluster, others: list[int]
) -> tuple[list[int], float]:
    """Per article, the claims it did not state: in groups, the article in parts as needed.

    The arithmetic of ``stages.chunks.check_plan``, on estimated claims.
    """
    tokens = budget.tokenizer
    base = overhead(budget, "check", CheckAnswer) + check_output(budget, 0)
    per_claim = CLAIM_TOKENS + check_output(budget, 1) - check_output(budget, 0)
    inputs: list[int] = []
    output = 0.0
    for article, k in zip(cluster.articles, others, strict=True):
        if not k:
            continue
        head = base + tokens.count(article.title)
        body = tokens.count(article.text)
        claims = k * per_claim
        parts = groups = 1
        if head + body + claims > budget.tokens:
            room = max(budget.tokens - head, 2 * MIN_ROOM)
            article_room = max(room - claims, room // 2)
            parts = ceil(body / article_room) if body > article_room else 1
            groups = ceil(claims / max(room - min(body, article_room), MIN_ROOM))
        part, group = ceil(body / parts), ceil(k / groups)
        inputs += [head - check_output(budget, 0) + part + group * CLAIM_TOKENS] * (parts * groups)
        output += parts * k * CHECK_TOKENS_PER_CLAIM
    return inputs, output
