"""Contradictions outside disputes: contradicted cells no dispute covers, grouped into conflicts.

A claim and the articles that contradict it are one conflict, shown once with both sides; two
claims that contradict each other (each article's evidence against one is its own quote of the
other) are one conflict seen from both sides, not two.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from factcheck.models import Article, CanonicalClaim, Dispute, Label, Verdict
from factcheck.quotes import normalise
from factcheck.render.sides import Side, letters_of, side_of
from factcheck.render.view import ReportView


@dataclass
class ConflictView:
    """Contradicted cells no dispute covers, shown once with both sides.

    ``claims`` are one claim and its contradictors, or two claims that each contradict the other
    (one conflict seen from both sides). ``against`` holds the contradicting articles whose own
    claim is not among ``claims``.
    """

    claims: list[tuple[CanonicalClaim, list[Side]]]
    against: list[Side]
    reasons: list[str] = field(default_factory=list)

    def summary(self, view: ReportView) -> str:
        """'c14 · B vs A, D'."""
        ids = " / ".join(claim.id for claim, _ in self.claims)
        sides = [letters_of(view, [s.article for s in sides]) for _, sides in self.claims]
        if self.against:
            sides.append(letters_of(view, [s.article for s in self.against]))
        return f"{ids} · {' vs '.join(sides)}"


def conflicts_outside(view: ReportView, disputes: list[Dispute]) -> list[ConflictView]:
    """Contradicted cells outside every dispute, one conflict each, never once per side."""
    inside = set()
    for dispute in disputes:
        articles = {a for version in dispute.versions for a in version.articles}
        inside |= {(c, a) for v in dispute.versions for c in v.claim_ids for a in articles}
    against: dict[str, list[tuple[Article, Verdict]]] = {}
    for row in view.rows:
        for article, verdict, key in row.cells:
            outside = (row.claim.id, article.id) not in inside
            if key == Label.CONTRADICTED and verdict is not None and outside:
                against.setdefault(row.claim.id, []).append((article, verdict))
    claims = {c.id: c for c in view.report.claims}
    # Two claims are one conflict when each article's evidence against one is its own quote of
    # the other: "four" contradicted by B's "seven", and "seven" by A's "four".
    parent = {claim_id: claim_id for claim_id in against}

    def root(claim_id: str) -> str:
        while parent[claim_id] != claim_id:
            claim_id = parent[claim_id]
        return claim_id

    for x, cells in against.items():
        for article, verdict in cells:
            for y, other_cells in against.items():
                if y == x or article.id not in claims[y].sources:
                    continue
                if not _overlaps(verdict, claims[y], article.id):
                    continue
                if any(other.id in claims[x].sources for other, _ in other_cells):
                    parent[root(y)] = root(x)
    groups: dict[str, list[str]] = {}
    for claim_id in against:  # rows order: the most contradicted first
        groups.setdefault(root(claim_id), []).append(claim_id)
    return [_conflict_view(view, [claims[c] for c in ids], against) for ids in groups.values()]


def _overlaps(verdict: Verdict, claim: CanonicalClaim, article_id: str) -> bool:
    """Whether a verdict's evidence is (part of) the claim's quote in that article."""
    quote = claim.quotes.get(article_id)
    if quote is None or not verdict.evidence:
        return False
    span = verdict.evidence_span
    # Spans compare only within one text: both in the body, or both in the headline.
    if span is not None and quote.in_title == verdict.from_title:
        return span.start < quote.span.end and quote.span.start < span.end
    evidence, own = normalise(verdict.evidence), normalise(quote.text)
    return bool(evidence and own) and (evidence in own or own in evidence)


def _conflict_view(
    view: ReportView, claims: list[CanonicalClaim], against: dict[str, list]
) -> ConflictView:
    rows = {row.claim.id: row for row in view.rows}
    sides = [(c, [side_of(view, c, a) for a in rows[c.id].carriers]) for c in claims]
    shown = {s.article.id for _, ss in sides for s in ss}
    opposed, reasons = [], []
    for claim in claims:
        for article, verdict in against[claim.id]:
            if article.id in shown:
                if verdict.rationale:
                    reasons.append(
                        f"why {view.name(article)} contradicts {claim.id}: {verdict.rationale}"
                    )
                continue
            opposed.append(side_of(view, claim, article))
    return ConflictView(sides, opposed, reasons)
