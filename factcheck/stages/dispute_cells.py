"""Lookups over one checked cluster that dispute assembly asks again and again.

Which articles carry a claim (state it, or support it), whom they credit, where they say it,
and which claims the verdicts set against each other: computed once, as clusters can be large.
"""

from __future__ import annotations

from factcheck.models import Article, CanonicalClaim, Label, Span, Verdict


class DisputeCells:
    """Lookups over one report's claims and verdicts, computed once (clusters can be large)."""

    def __init__(
        self, articles: list[Article], claims: list[CanonicalClaim], verdicts: list[Verdict]
    ) -> None:
        self.articles = articles
        self.claims = {c.id: c for c in claims}
        self.order = {c.id: n for n, c in enumerate(claims)}
        self.verdicts = {(v.claim_id, v.article_id): v for v in verdicts}
        self.contradicted = {
            (v.claim_id, v.article_id) for v in verdicts if v.label is Label.CONTRADICTED
        }
        self._carriers = {
            c.id: [a.id for a in articles if a.id in c.sources or self._supports(c.id, a.id)]
            for c in claims
        }
        self.carried: dict[str, list[str]] = {a.id: [] for a in articles}
        for claim in claims:
            for article_id in self._carriers[claim.id]:
                self.carried[article_id].append(claim.id)

    def carriers(self, claim_id: str) -> list[str]:
        """The articles that state the claim or support it, in article order."""
        return self._carriers[claim_id]

    def at_odds(self, one: str, other: str) -> bool:
        """Whether an article carrying one claim contradicts the other."""
        return any((one, a) in self.contradicted for a in self._carriers[other]) or any(
            (other, a) in self.contradicted for a in self._carriers[one]
        )

    def credit(self, claim_id: str, article_id: str) -> str | None:
        """Whom an article carrying the claim credits it to."""
        claim = self.claims[claim_id]
        if article_id in claim.sources:
            return claim.attributed_to.get(article_id)
        verdict = self.verdicts.get((claim_id, article_id))
        return verdict.attributed_to if verdict else None

    def carried_span(self, claim_id: str, article_id: str) -> tuple[Span, bool] | None:
        """Where the article states or supports the claim: the span, and whether in the title."""
        claim = self.claims[claim_id]
        if article_id in claim.quotes:
            quote = claim.quotes[article_id]
            return quote.span, quote.in_title
        verdict = self.verdicts.get((claim_id, article_id))
        if verdict and verdict.label is Label.SUPPORTED and verdict.evidence_span:
            return verdict.evidence_span, verdict.from_title
        return None

    def _supports(self, claim_id: str, article_id: str) -> bool:
        verdict = self.verdicts.get((claim_id, article_id))
        return verdict is not None and verdict.label is Label.SUPPORTED
