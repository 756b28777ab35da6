"""Stage 1, extract: the atomic claims of one article, each with a verbatim quote."""

from __future__ import annotations

from typing import NamedTuple

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from factcheck.errors import AnswerError
from factcheck.llm.answers import parse_lenient
from factcheck.llm.gateway import LLM
from factcheck.models import Article, ExtractedClaim, ExtractionStatus, Quote, Usage
from factcheck.quotes import find_in_article, normalise
from factcheck.stages.clean import clean_text
from factcheck.stages.prompts import messages_for


class ClaimItem(BaseModel):
    """One claim as the model states it. The quote comes first: evidence before wording."""

    quote: str = Field(
        description="The passage of the article body stating the claim, copied "
        "character for character."
    )
    claim: str = Field(description="The claim as one self-contained sentence, with attribution.")


class ExtractionAnswer(BaseModel):
    """The extraction answer: the article's claims in order."""

    claims: list[ClaimItem]

    @model_validator(mode="after")
    def _quotes_are_verbatim(self, info: ValidationInfo) -> ExtractionAnswer:
        article = (info.context or {}).get("article")
        if article is None:
            return self
        missing = [c.quote for c in self.claims if find_in_article(article, c.quote) is None]
        if missing:
            listed = "; ".join(f'"{q}"' for q in missing[:10])
            raise ValueError(
                f"{len(missing)} quote(s) are not verbatim passages of the article body: {listed}. "
                "Copy each quote character for character from the article, or leave that claim out."
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
    context = {
        "article": article,
        "article_id": article.id,
        "title": article.title,
        "body": clean_text(article),
    }
    try:
        answer = await llm.structured(
            stage="extract",
            response_model=ExtractionAnswer,
            messages=messages_for("extract"),
            context=context,
            usage=usage,
        )
        items = answer.claims
    except AnswerError as exc:
        salvaged = parse_lenient(ExtractionAnswer, exc.raw)
        items = salvaged.claims if salvaged else []
        status = "partial"
        warnings.append(
            f"{article.id}: extraction failed ({exc.reason}); "
            f"salvaging {len(items)} claim(s) from the last answer"
        )
    claims: list[ExtractedClaim] = []
    seen: set[str] = set()
    for item in items:
        span = find_in_article(article, item.quote)
        text = item.claim.strip()
        if span is None:
            warnings.append(
                f"{article.id}: dropped claim whose quote is not in the article: "
                f'"{item.quote[:80]}"'
            )
            continue
        if not text or normalise(text).lower() in seen:
            continue
        seen.add(normalise(text).lower())
        quote = Quote(text=article.text[span.start : span.end], span=span)
        claims.append(ExtractedClaim(article_id=article.id, text=text, quote=quote))
    if status == "partial" and not claims:
        status = "failed"
    return ArticleExtraction(claims, warnings, status)
