"""Stage 3, check: how one article stands towards each claim it did not state itself."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from factcheck.errors import AnswerError
from factcheck.llm.answers import parse_lenient
from factcheck.llm.gateway import LLM
from factcheck.models import Article, CanonicalClaim, Label, Usage, Verdict
from factcheck.quotes import find_in_article
from factcheck.stages.clean import clean_text
from factcheck.stages.prompts import messages_for


class ClaimVerdict(BaseModel):
    """The model's verdict on one claim. Evidence and rationale come before the label."""

    claim_id: str
    evidence: str | None = Field(
        default=None,
        description="For supported and contradicted: the passage of the article that shows it, "
        "copied character for character. For not_mentioned: null.",
    )
    rationale: str = Field(description="One short sentence explaining the label.")
    label: Literal["supported", "contradicted", "not_mentioned"]


class CheckAnswer(BaseModel):
    """The check answer: exactly one verdict per requested claim id."""

    verdicts: list[ClaimVerdict]

    @model_validator(mode="after")
    def _one_grounded_verdict_per_claim(self, info: ValidationInfo) -> CheckAnswer:
        context = info.context or {}
        article, wanted = context.get("article"), context.get("claim_ids")
        if article is None or wanted is None:
            return self
        problems = []
        given = [v.claim_id for v in self.verdicts]
        missing = [c for c in wanted if c not in given]
        extra = sorted({c for c in given if c not in wanted})
        repeated = sorted({c for c in given if given.count(c) > 1})
        if missing:
            problems.append(f"no verdict for {', '.join(missing)}")
        if extra:
            problems.append(f"unknown claim ids {', '.join(extra)}")
        if repeated:
            problems.append(f"more than one verdict for {', '.join(repeated)}")
        for v in self.verdicts:
            reason = _evidence_problem(article, v)
            if reason:
                problems.append(f"{v.claim_id}: {reason}")
        if problems:
            raise ValueError(
                "; ".join(problems[:12]) + ". Give exactly one verdict per listed "
                "claim id, with evidence copied character for character."
            )
        return self


def _evidence_problem(article: Article, verdict: ClaimVerdict) -> str | None:
    if verdict.label == "not_mentioned":
        return None
    if not verdict.evidence:
        return f"a {verdict.label} verdict needs an evidence quote"
    if find_in_article(article, verdict.evidence) is None:
        return f'evidence "{verdict.evidence[:80]}" is not a verbatim passage of the article'
    return None


def _to_verdict(article: Article, v: ClaimVerdict) -> Verdict:
    label = Label(v.label)
    if label is Label.NOT_MENTIONED:
        return Verdict(
            claim_id=v.claim_id, article_id=article.id, label=label, rationale=v.rationale.strip()
        )
    span = find_in_article(article, v.evidence or "")
    assert span is not None  # validated before we get here
    return Verdict(
        claim_id=v.claim_id,
        article_id=article.id,
        label=label,
        evidence=article.text[span.start : span.end],
        evidence_span=span,
        rationale=v.rationale.strip(),
    )


def unresolved(claim_id: str, article_id: str, reason: str) -> Verdict:
    """A cell whose answer could not be obtained; the reason goes in the rationale."""
    return Verdict(
        claim_id=claim_id, article_id=article_id, label=Label.UNRESOLVED, rationale=reason
    )


async def check_article(
    llm: LLM, article: Article, claims: list[CanonicalClaim], usage: Usage
) -> tuple[list[Verdict], list[str]]:
    """Check ``claims`` against ``article`` in one call; one verdict per claim, always.

    Cells whose answer could not be obtained (invalid after re-asks, truncated, missing from
    the answer, evidence not verbatim) come back as unresolved with the reason; nothing is
    silently turned into not_mentioned.
    """
    if not claims:
        return [], []
    wanted = [c.id for c in claims]
    context = {
        "article": article,
        "article_id": article.id,
        "title": article.title,
        "body": clean_text(article),
        "claims": claims,
        "claim_ids": wanted,
    }
    try:
        answer = await llm.structured(
            stage="check",
            response_model=CheckAnswer,
            messages=messages_for("check"),
            context=context,
            usage=usage,
        )
        return [_to_verdict(article, v) for v in answer.verdicts], []
    except AnswerError as exc:
        salvaged = parse_lenient(CheckAnswer, exc.raw)
        usable: dict[str, Verdict] = {}
        problems: dict[str, str] = {}
        for v in salvaged.verdicts if salvaged else []:
            if v.claim_id not in wanted or v.claim_id in usable:
                continue
            problem = _evidence_problem(article, v)
            if problem:
                problems[v.claim_id] = problem
            else:
                usable[v.claim_id] = _to_verdict(article, v)
        reason = f"check of {article.id} failed: {exc.reason}"
        verdicts = [
            usable.get(c) or unresolved(c, article.id, problems.get(c, reason)) for c in wanted
        ]
        lost = sum(v.label is Label.UNRESOLVED for v in verdicts)
        return verdicts, [f"{reason}; {lost} of {len(wanted)} cell(s) unresolved"]
