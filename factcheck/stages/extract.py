"""Stage 1, extract: the atomic claims of one article, each with a verbatim quote.

A claim is a statement (the fact itself) and, kept apart from it, whom the article credits it
to and when the article says it held: folding the speaker into the sentence would make one
fact look like several, and one disagreement about a speaker look like many.
"""

from __future__ import annotations

from typing import NamedTuple

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from factcheck.errors import AnswerError
from factcheck.llm.answers import optional_text, salvage_items
from factcheck.llm.gateway import LLM
from factcheck.models import Article, ClaimText, ExtractedClaim, ExtractionStatus, Usage
from factcheck.quotes import normalise
from factcheck.stages.budget import extract_budget
from factcheck.stages.prompts import article_context, find_answer_quote, messages_for


class ClaimItem(BaseModel):
    """One claim as the model states it. The quote comes first: evidence before wording."""

    quote: str = Field(
        description="The passage stating the claim, copied character for character from the "
        "body, or from the title when only the title states it."
    )
    statement: ClaimText = Field(
        description="The fact itself as one self-contained sentence, with no 'X said' wrapper."
    )
    # Required though nullable: the model says null outright rather than leaving them out.
    attributed_to: str | None = Field(
        description="Whom the article credits the fact to; null when it states it itself."
    )
    as_of: str | None = Field(
        description="When the article says the fact held, in its words; otherwise null."
    )


class ExtractionAnswer(BaseModel):
    """The extraction answer: the article's claims in order."""

    claims: list[ClaimItem]

    @model_validator(mode="after")
    def _quotes_are_verbatim(self, info: ValidationInfo) -> ExtractionAnswer:
        article = (info.context or {}).get("article")
        if article is None:
            return self
        missing = [c.quote for c in self.claims if find_answer_quote(article, c.quote) is None]
        if missing:
            listed = "; ".join(f'"{q}"' for q in missing[:10])
            raise ValueError(
                f"{len(missing)} quote(s) are not verbatim passages of the article: {listed}. "
                "Copy each quote character for character from the body or the title, "
                "or leave that claim out."
            )
        return self


class ArticleExtraction(NamedTuple):
    """One article's claims, the warnings, and how the extraction went."""

    claims: list[ExtractedClaim]
    warnings: list[str]
    status: ExtractionStatus


async def extract_claims(
    llm: LLM, article: Article, usage: Usage
) -> tuple[list[ExtractedClaim], list[str]]:
    """Extract the claims of ``article``; returns them and any warnings."""
    claims, warnings, _ = await extract_article(llm, article, usage)
    return claims, warnings


async def extract_article(llm: LLM, article: Article, usage: Usage) -> ArticleExtraction:
    """Extract the claims of ``article``, saying how it went (``status``).

    An answer that stays invalid after re-asks is salvaged: claims whose quote is verbatim are
    kept (``partial``), the others dropped with a warning; when none is left, ``failed``.
    Nothing unverified is ever kept.
    """
    warnings: list[str] = []
    status: ExtractionStatus = "ok"
    try:
        answer = await llm.structured(
            stage="extract",
            response_model=ExtractionAnswer,
            messages=messages_for("extract"),
            context=article_context(article),
            usage=usage,
            max_tokens=extract_budget(article),
        )
        items = answer.claims
    except AnswerError as exc:
        items = salvage_items(exc.raw, "claims", ClaimItem)
        status = "partial"
        warnings.append(
            f"{article.id}: extraction failed ({exc.reason}); "
            f"salvaging {len(items)} claim(s) from the last answer"
        )
    claims: list[ExtractedClaim] = []
    seen: set[str] = set()
    for item in items:
        quote = find_answer_quote(article, item.quote)
        if quote is None:
            warnings.append(
                f"{article.id}: dropped claim whose quote is not in the article: "
                f'"{item.quote[:80]}"'
            )
            continue
        # One article stating one fact twice (body and headline, say) keeps its first quote.
        key = normalise(item.statement).lower()
        if not key or key in seen:
            continue
        seen.add(key)
        claims.append(
            ExtractedClaim(
                article_id=article.id,
                text=item.statement,
                attributed_to=optional_text(item.attributed_to),
                as_of=optional_text(item.as_of),
                quote=quote,
            )
        )
    if status == "partial" and not claims:
        status = "failed"
    return ArticleExtraction(claims, warnings, status)
