"""What an editor reads before the matrix, in the order they need it.

Disputes first (each once, with every version), then contradicted cells no dispute covers, the
key figures, what most outlets agree on and the claims only one outlet carries. Every claim
appears in at most one of these sections, so nothing is read twice; the matrix still has all.
Each renderer lays out the same ``Digest``; ``sections`` gives the plain-text form that the
terminal and Markdown share. The contradictions outside disputes are grouped in ``conflicts``;
what one article says of a claim (``Side``) is resolved in ``sides``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from factcheck.models import Article, CanonicalClaim, Dispute, Label
from factcheck.render.conflicts import ConflictView, conflicts_outside
from factcheck.render.labels import version_labels
from factcheck.render.sides import LETTERS_SHOWN, Side, letters_of, side_of
from factcheck.render.view import ClaimRow, ReportView, count, date_key

# Single-source claims listed before "and N more" (all of them with --all).
FIRST_FEW = 5
# Quotes shown per dispute version; the other articles of a big cluster are named, not quoted.
QUOTES_PER_VERSION = 4

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
            f"{v.label}: {letters_of(view, [s.article for s in v.sides])}" for v in self.versions
        )

    def summary(self, view: ReportView) -> str:
        """'d1 · number · How many people were injured? — four: A, C, D · seven: B'."""
        d = self.dispute
        return f"{d.id} · {d.kind} · {d.question} — {self.figures(view)}"


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
        conflicts = conflicts_outside(view, view.report.disputes)
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


def _article_index(view: ReportView, row: ClaimRow) -> int:
    carriers = row.carriers
    return view.report.articles.index(carriers[0]) if carriers else len(view.report.articles)


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
