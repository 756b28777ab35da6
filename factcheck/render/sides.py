"""One article's word on a claim (``Side``), and articles named by letter in one line.

Every section of the digest shows claims through the articles that carry or contradict them:
a ``Side`` is what one article says of one claim, with its date, credit and quote.
"""

from __future__ import annotations

from dataclasses import dataclass

from factcheck.models import Article, CanonicalClaim, Label
from factcheck.quotes import normalise
from factcheck.render.view import ReportView, quoted, short_date

# Letters in a one-line summary before "+N".
LETTERS_SHOWN = 8


@dataclass
class Side:
    """One article's word on a claim: who, when, whom it credits, and its quote."""

    article: Article
    claim_id: str
    name: str
    date: str
    quote: str | None
    from_title: bool = False
    attributed_to: str | None = None
    as_of: str | None = None
    rationale: str = ""

    def notes(self, *, credit: bool = True) -> list[str]:
        """Date, whom it credits, the time it gives, and whether the quote is the headline."""
        notes = [self.date] if self.date else []
        if credit and self.attributed_to:
            notes.append(f"per {self.attributed_to}")
        if self.as_of:
            notes.append(quoted(self.as_of))
        if self.from_title:
            notes.append("headline")
        return notes

    def is_claim(self, claim_text: str | None) -> bool:
        """Whether the quote is the claim word for word (then it is not printed twice)."""
        return bool(self.quote and claim_text) and normalise(self.quote) == normalise(claim_text)

    def line(self, claim_text: str | None = None, *, credit: bool = True) -> str:
        """'B Northfold Wire (18 Nov; per police; headline): “…”'.

        With ``claim_text``, a quote that is the claim word for word is not printed again.
        """
        notes = self.notes(credit=credit)
        head = self.name + (f" ({'; '.join(notes)})" if notes else "")
        if not self.quote:
            return f"{head}: no quote given"
        if self.is_claim(claim_text):
            return f"{head}, in these words"
        return f"{head}: {quoted(self.quote)}"


def side_of(view: ReportView, claim: CanonicalClaim, article: Article) -> Side:
    """What ``article`` says of ``claim``: its own quote if it states it, else its evidence."""
    verdict = view.verdict(claim.id, article.id)
    quote = claim.quotes.get(article.id) if article.id in claim.sources else None
    credit = claim.attributed_to.get(article.id) or (verdict.attributed_to if verdict else None)
    side = Side(
        article=article,
        claim_id=claim.id,
        name=view.name(article),
        date=short_date(article.published),
        quote=quote.text if quote else (verdict.evidence if verdict else None),
        from_title=quote.in_title if quote else bool(verdict and verdict.from_title),
        attributed_to=credit,
        as_of=claim.as_of.get(article.id),
    )
    if verdict is not None and verdict.label is not Label.SUPPORTED and quote is None:
        side.rationale = verdict.rationale
    return side


def letters_of(view: ReportView, articles: list[Article]) -> str:
    """The articles' letters, the first few of them: 'A, C, D +2'."""
    letters = [view.letter(a.id) for a in articles]
    more = len(letters) - LETTERS_SHOWN
    return ", ".join(letters[:LETTERS_SHOWN]) + (f" +{more}" if more > 0 else "")
