"""What an editor reads before the matrix, in the order they need it.

Disputes first (each once, with every version), then contradicted cells no dispute covers, the
key figures, what most outlets agree on and the claims only one outlet carries. Every claim
appears in at most one of these sections, so nothing is read twice; the matrix still has all.
Each renderer lays out the same ``Digest``; ``lines`` gives the plain-text form that the terminal
and Markdown share.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from factcheck.models import Article, CanonicalClaim, Dispute, Label, Verdict
from factcheck.quotes import normalise
from factcheck.render.labels import version_labels
from factcheck.render.view import (
    ClaimRow,
    ReportView,
    count,
    date_key,
    quoted,
    short_date,
)

# Single-source claims listed before "and N more" (all of them with --all).
FIRST_FEW = 5
# Quotes shown per dispute version; the other articles of a big cluster are named, not quoted.
QUOTES_PER_VERSION = 4
# Letters in a one-line summary before "+N".
LETTERS_SHOWN = 8

_NUMBER_WORDS = (
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred hundreds thousand thousands million millions billion billions dozen dozens"
)
# Digits, or number words; "one" only where it counts ("no one", "one of them" do not).
_NUMBER = re.compile(
    rf"\d|\b(?:{'|'.join(_NUMBER_WORDS.split())})\b|(?<!\bno )\bone\b(?! of\b)", re.IGNORECASE
)


def holds_number(text: str) -> bool:
    """Whether a claim states a figure: digits or a number word."""
    return bool(_NUMBER.search(text))


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


@dataclass
class VersionView:
    """One version of a dispute: its claim, a short label and the articles that carry it."""

    claim: CanonicalClaim
    label: str
    sides: list[Side]


@dataclass
class DisputeView:
    """A dispute with its versions resolved to claims, articles and quotes."""

    dispute: Dispute
    versions: list[VersionView]

    @property
    def is_update(self) -> bool:
        """An update is a figure that changed over time, shown as a timeline."""
        return self.dispute.kind == "update"

    def figures(self, view: ReportView) -> str:
        """The versions in one line: 'four: A, C · seven: B', or a timeline for an update."""
        if self.is_update:
            return " → ".join(f"{v.label} ({_dated_letters(view, v.sides)})" for v in self.versions)
        return " · ".join(
            f"{v.label}: {_letters(view, [s.article for s in v.sides])}" for v in self.versions
        )

    def summary(self, view: ReportView) -> str:
        """'d1 · number · How many people were injured? — four: A, C, D · seven: B'."""
        d = self.dispute
        return f"{d.id} · {d.kind} · {d.question} — {self.figures(view)}"


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
        sides = [_letters(view, [s.article for s in sides]) for _, sides in self.claims]
        if self.against:
            sides.append(_letters(view, [s.article for s in self.against]))
        return f"{ids} · {' vs '.join(sides)}"


@dataclass
class Digest:
    """The sections before the matrix, each claim in at most one of them."""

    view: ReportView
    disputes: list[DisputeView]
    conflicts: list[ConflictView]
    figures: list[DisputeView | ClaimRow]
    agreed: list[ClaimRow]
    single: list[ClaimRow]
    agreed_at: int

    @classmethod
    def of(cls, view: ReportView) -> Digest:
        """Sort the report's claims into the sections an editor reads."""
        disputes = [_dispute_view(view, d) for d in view.report.disputes]
        disputes = [d for d in disputes if len(d.versions) >= 2]
        # Disputes to act on first; updates (not contradictions) after them.
        disputes.sort(key=lambda d: d.is_update)
        conflicts = _conflicts(view, view.report.disputes)
        shown = {c for d in view.report.disputes for v in d.versions for c in v.claim_ids}
        shown |= {claim.id for c in conflicts for claim, _ in c.claims}
        rest = [row for row in view.rows if row.claim.id not in shown]
        n = len(view.report.articles)
        agreed_at = max(2, math.ceil(n / 2))
        numeric = [row for row in rest if holds_number(row.claim.text)]
        numeric.sort(key=lambda r: (-r.carried_by, r.claim.id))
        figures: list[DisputeView | ClaimRow] = [
            d for d in disputes if any(holds_number(v.claim.text) for v in d.versions)
        ]
        figures += numeric
        words = [row for row in rest if not holds_number(row.claim.text)]
        agreed = [row for row in words if row.carried_by >= agreed_at]
        agreed.sort(key=lambda r: (-r.carried_by, r.claim.id))
        single = [row for row in words if row.carried_by == 1]
        single.sort(key=lambda r: (_article_index(view, r), r.claim.id))
        return cls(view, disputes, conflicts, figures, agreed, single, agreed_at)

    @property
    def to_act_on(self) -> list[DisputeView]:
        """The disputes that are disagreements, not updates."""
        return [d for d in self.disputes if not d.is_update]

    @property
    def updates(self) -> list[DisputeView]:
        """The figures that changed over time."""
        return [d for d in self.disputes if d.is_update]

    @property
    def conflicts_title(self) -> str:
        """'Other contradictions' beside disputes; plain 'Contradictions' when there are none."""
        return "Other contradictions" if self.disputes else "Contradictions"

    def counts_line(self) -> str:
        """Articles, claims and what each section holds, in one line."""
        r = self.view.report
        found = []
        if self.to_act_on:
            found.append(count(len(self.to_act_on), "dispute"))
        if self.updates:
            found.append(count(len(self.updates), "update"))
        if self.conflicts:
            word = "other contradiction" if self.disputes else "contradiction"
            found.append(count(len(self.conflicts), word))
        parts = [
            f"{count(len(r.articles), 'article')}, {count(len(r.claims), 'claim')}",
            ", ".join(found) or "no disputes or contradictions",
            f"{len(self.agreed)} agreed by most outlets",
            f"{len(self.single)} single-source",
        ]
        unresolved = len(self.view.unresolved)
        if unresolved:
            parts.append(count(unresolved, "unresolved cell"))
        return " · ".join(parts)


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


def _dispute_view(view: ReportView, dispute: Dispute) -> DisputeView:
    claims = {c.id: c for c in view.report.claims}
    versions = []
    for version in dispute.versions:
        claim = claims.get(version.claim_id)
        articles = [a for a in map(view.article, version.articles) if a is not None]
        if claim is None or not articles:
            continue
        articles.sort(key=lambda a: (date_key(a.published), view.letter(a.id)))
        wordings = [claims[c] for c in version.claim_ids if c in claims]
        sides = [side_of(view, _wording_of(view, wordings, a), a) for a in articles]
        versions.append(VersionView(claim, version.label or "", sides))
    if dispute.kind == "update":
        # Earliest figure first, whatever order the versions came in.
        versions.sort(key=lambda v: min(date_key(s.article.published) for s in v.sides))
    # Labels the dispute brings (the baseline's differing values) win over words guessed here.
    if not all(v.label for v in versions):
        credits = [_credit(v) for v in versions]
        texts = [v.claim.text for v in versions]
        labels = version_labels(dispute.kind, dispute.question, texts, credits)
        for version, label in zip(versions, labels, strict=True):
            version.label = label
    return DisputeView(dispute, versions)


def _credit(version: VersionView) -> str | None:
    """Whom most of the version's articles credit, if any does."""
    credits = Counter(s.attributed_to for s in version.sides if s.attributed_to)
    return credits.most_common(1)[0][0] if credits else None


def _wording_of(
    view: ReportView, wordings: list[CanonicalClaim], article: Article
) -> CanonicalClaim:
    """The version's claim this article states, else one it supports, else the version's own."""
    for claim in wordings:
        if article.id in claim.sources:
            return claim
    for claim in wordings:
        verdict = view.verdict(claim.id, article.id)
        if verdict is not None and verdict.label is Label.SUPPORTED:
            return claim
    return wordings[0]


def _conflicts(view: ReportView, disputes: list[Dispute]) -> list[ConflictView]:
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


def _article_index(view: ReportView, row: ClaimRow) -> int:
    carriers = row.carriers
    return view.report.articles.index(carriers[0]) if carriers else len(view.report.articles)


def _letters(view: ReportView, articles: list[Article]) -> str:
    letters = [view.letter(a.id) for a in articles]
    more = len(letters) - LETTERS_SHOWN
    return ", ".join(letters[:LETTERS_SHOWN]) + (f" +{more}" if more > 0 else "")


def _dated_letters(view: ReportView, sides: list[Side]) -> str:
    shown = [f"{view.letter(s.article.id)} {s.date}".strip() for s in sides[:LETTERS_SHOWN]]
    more = len(sides) - LETTERS_SHOWN
    return ", ".join(shown) + (f" +{more}" if more > 0 else "")


def carried(view: ReportView, row: ClaimRow) -> str:
    """Who carries a claim, with dates, and whom they credit when the credits differ."""
    sides = [side_of(view, row.claim, a) for a in row.carriers]
    names = [f"{s.name} ({s.date})" if s.date else s.name for s in sides[:QUOTES_PER_VERSION]]
    more = len(sides) - QUOTES_PER_VERSION
    text = ", ".join(names) + (f" and {more} more" if more > 0 else "")
    credits: dict[str, list[str]] = {}
    for s in sides:
        credits.setdefault(s.attributed_to or "", []).append(view.letter(s.article.id))
    if len(credits) > 1:
        text += "; credited to " + "; ".join(
            f"{who or 'no one (own voice)'}: {', '.join(letters)}"
            for who, letters in credits.items()
        )
    return text
