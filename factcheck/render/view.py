"""What every renderer shows, computed once: the ordered rows, cell symbols, header and details.

Every renderer reads the same ``ReportView``, so ordering and counts agree across formats:
contradictions first, then claims that only one or two outlets carry, then the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from factcheck.models import Article, CanonicalClaim, Label, Report, Verdict, article_aliases, usd

# A symbol per cell state, so the matrix reads without colour too.
STATED = "stated"
SYMBOLS: dict[str, tuple[str, str, str]] = {
    STATED: ("●", "bold green", "states the claim (a source of it)"),
    Label.SUPPORTED: ("✔", "green", "supports it"),
    Label.CONTRADICTED: ("✘", "bold red", "contradicts it"),
    Label.NOT_MENTIONED: ("·", "dim", "does not mention it"),
    Label.UNRESOLVED: ("?", "bold yellow", "unresolved: no usable answer (reason in the report)"),
}
FEW_SOURCES = 2
CONTRADICTIONS = "Contradictions"
SINGLE_ARTICLE_NOTE = "Only one article: its claims are listed, there is nothing to cross-check."
# The second line that opens a baseline report: what it cannot do, and how to get a model's view.
BASELINE_ADVICE = (
    "It matches sentences by shared words and misses paraphrases. To check with a model, set "
    "FACTCHECK_MODEL (or pass --model) with OPENAI_API_KEY, or --base-url for a local server; "
    "see the README."
)


@dataclass
class ClaimRow:
    """One claim with its cells in article order and what the ordering needs."""

    claim: CanonicalClaim
    cells: list[tuple[Article, Verdict | None, str]]  # article, verdict, symbol key

    @property
    def contradicted(self) -> int:
        """How many articles contradict the claim."""
        return sum(key == Label.CONTRADICTED for _, _, key in self.cells)

    @property
    def carried_by(self) -> int:
        """How many articles state or support the claim."""
        return sum(key in (STATED, Label.SUPPORTED) for _, _, key in self.cells)

    @property
    def group(self) -> int:
        """Sort group: 0 contradicted, 1 carried by few outlets, 2 the rest."""
        if self.contradicted:
            return 0
        return 1 if self.carried_by <= FEW_SOURCES else 2


@dataclass
class ReportView:
    """What every renderer shows, computed once from a Report."""

    report: Report
    aliases: dict[str, str]
    rows: list[ClaimRow]

    @classmethod
    def of(cls, report: Report) -> ReportView:
        """Order the claims and resolve every cell."""
        cells = {(v.claim_id, v.article_id): v for v in report.verdicts}
        rows = []
        for claim in report.claims:
            row = []
            for article in report.articles:
                verdict = cells.get((claim.id, article.id))
                if article.id in claim.sources:
                    key = STATED
                else:
                    key = verdict.label if verdict else Label.UNRESOLVED
                row.append((article, verdict, key))
            rows.append(ClaimRow(claim, row))
        rows.sort(key=lambda r: (r.group, -r.contradicted, r.claim.id))
        return cls(report, article_aliases([a.id for a in report.articles]), rows)

    @property
    def unresolved(self) -> list[Verdict]:
        """Cells with no usable answer."""
        return [v for v in self.report.verdicts if v.label is Label.UNRESOLVED]

    def outlet(self, article: Article) -> str:
        """The outlet's name, or the article id when the cluster does not name it."""
        return article.outlet or article.id

    @property
    def notice(self) -> tuple[str, ...]:
        """The lines that open a baseline report: what made it and how to do better."""
        if self.report.backend != "lexical":
            return ()
        made_by = f"Baseline report from the lexical backend ({self.report.model})"
        return (f"{made_by}: no model was used.", BASELINE_ADVICE)

    def header_lines(self) -> list[str]:
        """Model, prompt versions, usage and counts, one line each."""
        r = self.report
        prompts = ", ".join(f"{k} {v}" for k, v in r.prompts.items())
        stages = "; ".join(
            f"{name} {_count(s.calls, 'call')}"
            + (f" + {s.store_hits} stored" if s.store_hits else "")
            + f", {s.input_tokens}+{s.output_tokens} tokens"
            for name, s in r.usage.stages.items()
        )
        hits = r.usage.store_hits
        counts = (
            f"{_count(len(r.articles), 'article')}, {_count(len(r.claims), 'claim')}, "
            f"{sum(1 for row in self.rows if row.contradicted)} contradicted, "
            f"{sum(1 for row in self.rows if row.group == 1)} carried by one or two outlets only"
        )
        single = [SINGLE_ARTICLE_NOTE] if len(r.articles) == 1 else []
        if r.backend == "lexical":
            return [f"Backend: {r.model} (no model calls, no cost)", counts, *single]
        return [
            f"Model: {r.model}   Prompts: {prompts}",
            f"Usage: {_count(r.usage.calls, 'paid call')}"
            + (f" and {hits} answers from the response store" if hits else "")
            + f", {r.usage.input_tokens} input + {r.usage.output_tokens} output tokens, "
            f"cost ~{usd(r.usage.cost_usd)}" + (f" ({stages})" if stages else ""),
            counts,
            *single,
        ]


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def detail_sections(view: ReportView) -> list[tuple[str, list[str]]]:
    """The sections under the matrix, as plain lines shared by terminal and Markdown."""
    sections: list[tuple[str, list[str]]] = []
    lines = []
    for row in view.rows:
        if not row.contradicted:
            continue
        lines.append(f"{row.claim.id} {row.claim.text}")
        for source in row.claim.sources:
            quote = row.claim.quotes.get(source)
            if quote:
                lines.append(f"   {view.aliases[source]} states: “{quote.text}”")
        for article, verdict, key in row.cells:
            if key == Label.CONTRADICTED and verdict is not None:
                lines.append(
                    f"   {view.aliases[article.id]} ({view.outlet(article)}) "
                    f"contradicts: “{verdict.evidence}” ({verdict.rationale})"
                )
    if lines:
        sections.append((CONTRADICTIONS, lines))
    single = [
        f"{r.claim.id} {r.claim.text} [{', '.join(view.aliases[s] for s in r.claim.sources)}]"
        for r in view.rows
        if r.group == 1
    ]
    if single:
        sections.append(("Carried by one or two outlets only", single))
    if view.unresolved:
        sections.append(
            (
                "Unresolved cells",
                [
                    f"{v.claim_id} × {view.aliases.get(v.article_id, v.article_id)}: {v.rationale}"
                    for v in view.unresolved
                ],
            )
        )
    dropped = [
        f"{view.aliases[a.id]} {line.text}  ({line.reason})"
        for a in view.report.articles
        for line in a.boilerplate
    ]
    if dropped:
        sections.append(("Set aside as boilerplate (never used for claims)", dropped))
    if view.report.warnings:
        sections.append(("Warnings", list(view.report.warnings)))
    return sections
