"""Stage 3, check: how one article stands towards each claim it did not state itself.

The answer is compact: the claims the article supports or contradicts come in full (evidence,
attribution, rationale), the rest only as a list of ids. Most cells of a story are "not
mentioned", and writing a verdict with a rationale for each of them was most of the output.

A check too big for one request goes in parts (``stages/chunks.py``): the claims in groups, a
long article in parts, and the verdicts put back together per claim.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from factcheck.errors import AnswerError, ContextLengthExceeded
from factcheck.llm.answers import optional_text, salvage_items, salvage_strings
from factcheck.llm.gateway import LLM
from factcheck.models import Article, CanonicalClaim, Label, Span, Verdict
from factcheck.stages.budget import check_budget
from factcheck.stages.chunks import check_plan, gather_parts, refusal
from factcheck.stages.prompts import (
    Part,
    article_context,
    escape_text,
    find_answer_quote,
    messages_for,
)
from factcheck.usage import Usage


class FoundVerdict(BaseModel):
    """A claim the article supports or contradicts. Evidence comes before the label."""

    claim_id: str
    evidence: str = Field(
        description="The passage that shows it, copied character for character from the body "
        "or the title."
    )
    attributed_to: str | None = Field(
        description="Whom the article credits it to; null when it says it itself."
    )
    rationale: str = Field(description="One short sentence explaining the label.")
    label: Literal["supported", "contradicted"]


class CheckAnswer(BaseModel):
    """The check answer: every requested claim id exactly once, in one of the two lists."""

    found: list[FoundVerdict] = Field(description="The claims the article supports or contradicts.")
    not_mentioned: list[str] = Field(description="The ids of all the other claims.")

    @model_validator(mode="after")
    def _every_id_once_and_grounded(self, info: ValidationInfo) -> CheckAnswer:
        context = info.context or {}
        article, wanted = context.get("article"), context.get("claim_ids")
        if article is None or wanted is None:
            return self
        problems = id_problems([v.claim_id for v in self.found], self.not_mentioned, wanted)
        for v in self.found:
            if find_answer_quote(article, v.evidence, context.get("within")) is None:
                problems.append(f"{v.claim_id}: {_not_verbatim(v.evidence)}")
        if problems:
            raise ValueError(
                "; ".join(problems[:12]) + ". List every claim id exactly once: in found, with "
                "evidence copied character for character, or in not_mentioned."
            )
        return self


def id_problems(found: list[str], not_mentioned: list[str], wanted: list[str]) -> list[str]:
    """What keeps found ∪ not_mentioned from being exactly ``wanted``, each id once."""
    counts = Counter(found + not_mentioned)
    missing = [c for c in wanted if c not in counts]
    extra = sorted(c for c in counts if c not in wanted)
    repeated = sorted(c for c, n in counts.items() if n > 1 and c in wanted)
    problems = []
    if missing:
        problems.append(f"no answer for {', '.join(missing)}")
    if extra:
        problems.append(f"unknown claim ids {', '.join(extra)}")
    if repeated:
        problems.append(f"listed more than once: {', '.join(repeated)}")
    return problems


REPEATED = "the answer listed this claim more than once"


def _not_verbatim(evidence: str) -> str:
    return f'evidence "{evidence[:80]}" is not a verbatim passage of the article'


def _found_verdict(article: Article, v: FoundVerdict, within: Span | None) -> Verdict | None:
    """The verdict of a found entry, or ``None`` when its evidence is not in the article."""
    quote = find_answer_quote(article, v.evidence, within)
    if quote is None:
        return None
    return Verdict(
        claim_id=v.claim_id,
        article_id=article.id,
        label=Label(v.label),
        evidence=quote.text,
        evidence_span=quote.span,
        from_title=quote.in_title,
        attributed_to=optional_text(v.attributed_to),
        rationale=v.rationale.strip(),
    )


def _not_mentioned(claim_id: str, article_id: str) -> Verdict:
    # The compact answer gives no rationale for these; an empty one is honest.
    return Verdict(claim_id=claim_id, article_id=article_id, label=Label.NOT_MENTIONED)


def unresolved(claim_id: str, article_id: str, reason: str) -> Verdict:
    """A cell whose answer could not be obtained; the reason goes in the rationale."""
    return Verdict(
        claim_id=claim_id, article_id=article_id, label=Label.UNRESOLVED, rationale=reason
    )


async def check_article(
    llm: LLM, article: Article, claims: list[CanonicalClaim], usage: Usage
) -> tuple[list[Verdict], list[str]]:
    """Check ``claims`` against ``article``; one verdict per claim, in their order.

    One call, unless it would exceed the request budget (``llm.budget``): then the claims go in
    groups, and a long article in parts, one call per (part, group), all at once. A claim is
    supported or contradicted when a part of the article says so, and not mentioned only when
    every part says so.

    Cells whose answer could not be obtained (invalid after re-asks, truncated, missing from
    the answer, listed twice, evidence not verbatim, or a request the endpoint refused as
    longer than the model's context window) come back as unresolved with the reason; nothing
    is silently turned into not_mentioned.
    """
    if not claims:
        return [], []
    parts, groups = check_plan(llm.budget, article, claims, CheckAnswer)
    if not parts and len(groups) == 1:
        return await _check(llm, article, None, claims, usage)
    requests = [(part, group) for part in parts or [None] for group in groups]
    answers = await gather_parts(_check(llm, article, part, group, usage)
                                 for part, group in requests)  # fmt: skip
    notes = [note for _, found in answers for note in found]
    per_claim: dict[str, list[Verdict]] = {c.id: [] for c in claims}
    for verdicts, _ in answers:  # in the article's order, part by part
        for verdict in verdicts:
            per_claim[verdict.claim_id].append(verdict)
    return [_across_parts(per_claim[c.id]) for c in claims], notes


def _across_parts(verdicts: list[Verdict]) -> Verdict:
    """One cell from what each part of the article said of it (one verdict when whole).

    Found beats not found: a contradiction anywhere is the cell's verdict (the other part's
    support is named in the rationale), then a support; a part whose answer is missing makes
    the cell unresolved, since that part might have held it; else not mentioned.
    """
    by_label: dict[Label, list[Verdict]] = {}
    for verdict in verdicts:
        by_label.setdefault(verdict.label, []).append(verdict)
    contradicted = by_label.get(Label.CONTRADICTED)
    supported = by_label.get(Label.SUPPORTED)
    if contradicted:
        first = contradicted[0]
        if not supported:
            return first
        also = f'another part of the article supports it: "{(supported[0].evidence or "")[:80]}"'
        rationale = f"{first.rationale} ({also})" if first.rationale else also
        return first.model_copy(update={"rationale": rationale})
    for label in (Label.SUPPORTED, Label.UNRESOLVED):
        if label in by_label:
            return by_label[label][0]
    return verdicts[0]


async def _check(
    llm: LLM, article: Article, part: Part | None, claims: list[CanonicalClaim], usage: Usage
) -> tuple[list[Verdict], list[str]]:
    """One request: ``claims`` against the article, or one part of it."""
    where = article.id if part is None else f"{article.id} (part {part.label})"
    wanted = [c.id for c in claims]
    listed = [{"id": c.id, "text": escape_text(c.text)} for c in claims]
    context = article_context(article, part) | {"claims": listed, "claim_ids": wanted}
    within = part.span if part else None
    try:
        answer = await llm.structured(
            stage="check",
            response_model=CheckAnswer,
            messages=messages_for("check"),
            context=context,
            usage=usage,
            max_tokens=check_budget(len(claims)),
        )
    except AnswerError as exc:
        return _salvage(article, wanted, exc, where, within)
    except ContextLengthExceeded as exc:
        reason = f"check of {where} failed: {refusal(exc, llm.budget)}"
        return [unresolved(c, article.id, reason) for c in wanted], [
            f"{reason}; {len(wanted)} cell(s) unresolved"
        ]
    verdicts = {v.claim_id: _found_verdict(article, v, within) for v in answer.found}
    verdicts |= {c: _not_mentioned(c, article.id) for c in answer.not_mentioned}
    return [verdicts[c] for c in wanted], []  # type: ignore[misc]  # validated: none is None


def _salvage(
    article: Article, wanted: list[str], exc: AnswerError, where: str, within: Span | None
) -> tuple[list[Verdict], list[str]]:
    """Keep every cell the last answer settles unambiguously; the others are unresolved."""
    found = [v for v in salvage_items(exc.raw, "found", FoundVerdict) if v.claim_id in wanted]
    absent = [c for c in salvage_strings(exc.raw, "not_mentioned") if c in wanted]
    counts = Counter([v.claim_id for v in found] + absent)
    reason = f"check of {where} failed: {exc.reason}"
    usable: dict[str, Verdict] = {}
    problems: dict[str, str] = {}
    for v in found:
        verdict = _found_verdict(article, v, within)
        if counts[v.claim_id] > 1:
            problems[v.claim_id] = REPEATED
        elif verdict is None:
            problems[v.claim_id] = _not_verbatim(v.evidence)
        else:
            usable[v.claim_id] = verdict
    for claim_id in absent:
        if counts[claim_id] > 1:
            problems[claim_id] = REPEATED
        else:
            usable[claim_id] = _not_mentioned(claim_id, article.id)
    verdicts = [usable.get(c) or unresolved(c, article.id, problems.get(c, reason)) for c in wanted]
    lost = sum(v.label is Label.UNRESOLVED for v in verdicts)
    return verdicts, [f"{reason}; {lost} of {len(wanted)} cell(s) unresolved"]
