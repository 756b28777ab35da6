"""Stage 1, extract: the atomic claims of one article, each with a verbatim quote.

An article too long for one request is extracted in parts (``stages/chunks.py``).

A claim is a statement (the fact itself) and, kept apart from it, whom the article credits it
to and when the article says it held: folding the speaker into the sentence would make one
fact look like several, and one disagreement about a speaker look like many.
"""

from __future__ import annotations

from typing import NamedTuple

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from factcheck.errors import AnswerError, ContextLengthExceeded
from factcheck.llm.answers import optional_text, salvage_items
from factcheck.llm.gateway import LLM
from factcheck.models import Article, ClaimText, ExtractedClaim, ExtractionStatus
from factcheck.quotes import normalise
from factcheck.stages.budget import extract_budget
from factcheck.stages.chunks import extract_parts, gather_parts, refusal
from factcheck.stages.prompts import Part, article_context, find_answer_quote, messages_for
from factcheck.usage import Usage


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
        within = (info.context or {}).get("within")
        missing = [
            c.quote for c in self.claims if find_answer_quote(article, c.quote, within) is None
        ]
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

    An article too long for one request (``llm.budget``) is extracted in parts, at once; the
    claims come back in the article's order, and every quote is verified against the whole
    article. An answer that stays invalid after re-asks is salvaged: claims whose quote is
    verbatim are kept (``partial``), the others dropped with a warning; when none is left,
    ``failed``. A request the endpoint refuses as longer than the model's context window
    gives no claims, and the warning says so. Nothing unverified is ever kept.
    """
    parts = extract_parts(llm.budget, article, ExtractionAnswer)
    if parts is None:
        answers = [await _extract(llm, article, None, usage)]
    else:
        answers = await gather_parts(_extract(llm, article, part, usage) for part in parts)
    warnings = [w for _, notes, _ in answers for w in notes]
    claims: list[ExtractedClaim] = []
    seen: set[str] = set()
    for items, _, part in answers:
        for item in items:
            quote = find_answer_quote(article, item.quote, part.span if part else None)
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
    status: ExtractionStatus = "ok"
    if any(notes for _, notes, _ in answers):
        status = "partial" if claims else "failed"
    return ArticleExtraction(claims, warnings, status)


async def _extract(
    llm: LLM, article: Article, part: Part | None, usage: Usage
) -> tuple[list[ClaimItem], list[str], Part | None]:
    """One request: the article, or one part of it. Its items, what went wrong, the part."""
    where = article.id if part is None else f"{article.id} (part {part.label})"
    try:
        answer = await llm.structured(
            stage="extract",
            response_model=ExtractionAnswer,
            messages=messages_for("extract"),
            context=article_context(article, part),
            usage=usage,
            max_tokens=extract_budget(article, part.span if part else None),
        )
        return answer.claims, [], part
    except AnswerError as exc:
        items = salvage_items(exc.raw, "claims", ClaimItem)
        note = (
            f"{where}: extraction failed ({exc.reason}); "
            f"salvaging {len(items)} claim(s) from the last answer"
        )
        return items, [note], part
    except ContextLengthExceeded as exc:
        return [], [f"{where}: extraction failed: {refusal(exc, llm.budget)}"], part
