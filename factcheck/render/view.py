"""What every renderer shows, computed once: article names, cells, matrix rows and the header.

Every renderer reads the same ``ReportView`` (and the ``Digest`` built on it in ``digest``), so
names, ordering and counts agree across formats. An article is always named by its letter and
outlet ("B Northfold Wire"); the key gives letter -> outlet, title and date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from factcheck.models import (
    Article,
    CanonicalClaim,
    Dispute,
    Label,
    Report,
    Verdict,
    article_aliases,
    usd,
)

# A symbol per cell state, so the matrix reads without colour too.
STATED = "stated"
UPDATED = "updated"
SYMBOLS: dict[str, tuple[str, str, str]] = {
    STATED: ("●", "bold green", "states the claim (a source of it)"),
    Label.SUPPORTED: ("✔", "green", "supports it"),
    UPDATED: ("↻", "bold cyan", "gives an earlier or later figure (an update, not a conflict)"),
    Label.CONTRADICTED: ("✘", "bold red", "contradicts it"),
    Label.NOT_MENTIONED: ("·", "dim", "does not mention it"),
    Label.UNRESOLVED: ("?", "bold yellow", "unresolved: no usable answer (reason in the report)"),
}
FEW_SOURCES = 2
SINGLE_ARTICLE_NOTE = "Only one article: its claims are listed, there is nothing to cross-check."
# The second line that opens a baseline report: what it cannot do, and how to get a model's view.
BASELINE_ADVICE = (
    "It matches sentences by shared words and misses paraphrases. To check with a model, set "
    "FACTCHECK_MODEL (or pass --model) with OPENAI_API_KEY, or --base-url for a local server; "
    "see the README."
)
# Opening quotation marks: a quote that starts with one is not wrapped in another pair.
_OPENING_QUOTES = "\"'“‘„‚«‹「『"


@dataclass
class ClaimRow:
    """One claim with its cells in article order and what the ordering needs."""

    claim: CanonicalClaim
    cells: list[tuple[Article, Verdict | None, str]]  # article, verdict, symbol key
    disputes: list[str] = field(default_factory=list)  # ids of the disputes it is a version of

    @property
    def contradicted(self) -> int:
        """How many articles contradict the claim (an update is not a contradiction)."""
        return sum(key == Label.CONTRADICTED for _, _, key in self.cells)

    @property
    def carried_by(self) -> int:
        """How many articles state or support the claim."""
        return sum(key in (STATED, Label.SUPPORTED) for _, _, key in self.cells)

    @property
    def carriers(self) -> list[Article]:
        """The articles that state or support the claim, in article order."""
        return [a for a, _, key in self.cells if key in (STATED, Label.SUPPORTED)]

    @property
    def group(self) -> int:
        """Sort group: 0 disputed or contradicted, 1 carried by few outlets, 2 the rest."""
        if self.disputes or self.contradicted:
            return 0
        return 1 if self.carried_by <= FEW_SOURCES else 2


@dataclass
class ReportView:
    """What every renderer shows, computed once from a Report."""

    report: Report
    aliases: dict[str, str]
    rows: list[ClaimRow]
    verdicts: dict[tuple[str, str], Verdict] = field(default_factory=dict)

    @classmethod
    def of(cls, report: Report) -> ReportView:
        """Resolve every cell and order the claims: disputes first, then by contradictions."""
        cells = {(v.claim_id, v.article_id): v for v in report.verdicts}
        updated = _update_cells(report.disputes)
        versions_of: dict[str, list[str]] = {}
        for dispute in report.disputes:
            for version in dispute.versions:
                for claim_id in version.claim_ids:
                    ids = versions_of.setdefault(claim_id, [])
                    if dispute.id not in ids:
                        ids.append(dispute.id)
        rows = []
        for claim in report.claims:
            row = []
            for article in report.articles:
                verdict = cells.get((claim.id, article.id))
                if article.id in claim.sources:
                    key = STATED
                elif verdict is None:
                    key = Label.UNRESOLVED
                elif verdict.label is Label.CONTRADICTED and (claim.id, article.id) in updated:
                    key = UPDATED
                else:
                    key = verdict.label
                row.append((article, verdict, key))
            rows.append(ClaimRow(claim, row, versions_of.get(claim.id, [])))
        order = {d.id: n for n, d in enumerate(report.disputes)}
        rows.sort(
            key=lambda r: (
                r.group,
                min((order[d] for d in r.disputes), default=len(order)),
                -r.contradicted,
                r.claim.id,
            )
        )
        return cls(report, article_aliases([a.id for a in report.articles]), rows, cells)

    @property
    def unresolved(self) -> list[Verdict]:
        """Cells with no usable answer."""
        return [v for v in self.report.verdicts if v.label is Label.UNRESOLVED]

    def article(self, article_id: str) -> Article | None:
        """The article with this id, if the report has it."""
        return self._articles.get(article_id)

    @cached_property
    def _articles(self) -> dict[str, Article]:
        return {a.id: a for a in self.report.articles}

    def verdict(self, claim_id: str, article_id: str) -> Verdict | None:
        """The verdict recorded for this cell, if any."""
        return self.verdicts.get((claim_id, article_id))

    def outlet(self, article: Article) -> str:
        """The outlet's name, or the article id when the cluster does not name it."""
        return article.outlet or article.id

    def name(self, article: Article | str) -> str:
        """How an article is named everywhere: its letter and outlet ("B Northfold Wire")."""
        if isinstance(article, str):
            found = self.article(article)
            if found is None:
                return article
            article = found
        return f"{self.aliases[article.id]} {self.outlet(article)}"

    def letter(self, article_id: str) -> str:
        """The article's letter (its id when the report does not list it)."""
        return self.aliases.get(article_id, article_id)

    @property
    def notice(self) -> tuple[str, ...]:
        """The lines that open a baseline report: what made it and how to do better."""
        if self.report.backend != "lexical":
            return ()
        made_by = f"Baseline report from the lexical backend ({self.report.model})"
        return (f"{made_by}: no model was used.", BASELINE_ADVICE)

    def header_lines(self) -> list[str]:
        """What made the report and what it cost, one line each; only what applies."""
        r = self.report
        if r.backend == "lexical":
            return [f"Backend: {r.model} (no model calls, no cost)"]
        prompts = ", ".join(f"{k} {v}" for k, v in r.prompts.items())
        return [f"Model: {r.model}" + (f"   Prompts: {prompts}" if prompts else ""), usage_line(r)]

    @property
    def single_article_note(self) -> str | None:
        """Said when there is nothing to cross-check."""
        return SINGLE_ARTICLE_NOTE if len(self.report.articles) == 1 else None


def usage_line(report: Report, *, with_cost: bool = True) -> str:
    """Paid calls, store hits, tokens and cost, per stage; no cost when nothing was paid."""
    usage = report.usage
    calls, hits = usage.calls, usage.store_hits
    if not calls and not hits:
        return "Usage: no model calls recorded"
    if not calls:
        return f"Usage: no paid calls; {count(hits, 'answer')} from the response store"
    stages = "; ".join(
        f"{name} {count(s.calls, 'call')}"
        + (f" + {s.store_hits} stored" if s.store_hits else "")
        + f", {s.input_tokens}+{s.output_tokens} tokens"
        for name, s in usage.stages.items()
    )
    cost = (
        f"cost ~{usd(usage.cost_usd)}"
        if usage.cost_usd is not None
        else "cost unknown (no price for this model: see --prices)"
    )
    return (
        f"Usage: {count(calls, 'paid call')}"
        + (f" and {count(hits, 'answer')} from the response store" if hits else "")
        + f", {usage.input_tokens} input + {usage.output_tokens} output tokens"
        + (f", {cost}" if with_cost else "")
        + (f" ({stages})" if stages else "")
    )


def _update_cells(disputes: list[Dispute]) -> set[tuple[str, str]]:
    """(claim, article) cells inside an update: the claim is a version, the article carries one.

    Such a cell, if labelled contradicted, is an earlier or later figure, not a contradiction.
    """
    cells = set()
    for dispute in disputes:
        if dispute.kind != "update":
            continue
        articles = {a for version in dispute.versions for a in version.articles}
        for version in dispute.versions:
            cells |= {
                (claim_id, a)
                for claim_id in version.claim_ids
                for a in articles
                if a not in version.articles
            }
    return cells


def count(n: int, word: str) -> str:
    """``n`` and the word, plural when it needs to be."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def quoted(text: str) -> str:
    """A quote in curly marks, unless it opens with a quotation mark of its own.

    A quote such as '"We were lucky…," Roque said' would otherwise print as “"We were lucky….
    """
    text = " ".join(text.split())
    return text if text[:1] in _OPENING_QUOTES else f"“{text}”"


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}.*)?$")


def short_date(published: str | None) -> str:
    """A date for a timeline: "17 Nov", "18 Nov 18:05"; what was given when it is not ISO."""
    if not published:
        return ""
    text = published.strip()
    if not _ISO.match(text):
        return text
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    day = f"{when.day} {when.strftime('%b')}"
    return day if len(text) <= 10 else f"{day} {when.strftime('%H:%M')}"


def long_date(published: str | None) -> str:
    """A date for the key: "2026-11-18", "2026-11-18 18:05"; what was given when it is not ISO."""
    if not published:
        return ""
    text = published.strip()
    if not _ISO.match(text) or len(text) <= 10:
        return text
    return f"{text[:10]} {text[11:16]}"


def date_key(published: str | None) -> tuple[int, str]:
    """Sorts articles by date: ISO dates and timestamps in time order, unknown dates last."""
    if not published:
        return (1, "")
    text = published.strip()
    return (0, text) if _ISO.match(text) else (1, text)
