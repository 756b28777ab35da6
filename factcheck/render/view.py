"""Render a Report: terminal (rich), Markdown, or the JSON contract.

Every renderer reads the same ``ReportView``, so ordering and counts agree across formats:
contradictions first, then claims that only one or two outlets carry, then the rest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from rich.text import Text

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


def render_json(report: Report) -> str:
    """The JSON contract document."""
    return json.dumps(report.to_contract(), indent=2, ensure_ascii=False) + "\n"


def render_terminal(report: Report, console: Console) -> None:
    """Print the report: header, legend, the claims × articles matrix, then the details."""
    view = ReportView.of(report)
    for line in view.notice:
        console.print(Text(line, style="bold yellow"), soft_wrap=True)
    console.print(Text(f"factcheck report: {report.cluster_name} ({report.cluster})", style="bold"))
    for line in view.header_lines():
        console.print(Text(line))
    console.print(_legend())
    console.print(_articles_table(view))
    if view.rows:
        console.print(_matrix(view))
    else:
        console.print(Text("No claims were extracted.", style="yellow"))
    for title, lines in _details(view):
        console.print(Text(f"\n{title}", style="bold"))
        for line in lines:
            console.print(Text(line))


def _legend() -> Text:
    legend = Text("Legend: ")
    for symbol, style, meaning in SYMBOLS.values():
        legend.append(f"{symbol} ", style=style)
        legend.append(f"{meaning}   ")
    return legend


def _articles_table(view: ReportView) -> Table:
    table = Table(title="Articles", title_justify="left", show_edge=False)
    for name in ("", "outlet", "title", "date", "claims", "set aside"):
        table.add_column(name)
    for article in view.report.articles:
        own = sum(article.id in c.sources for c in view.report.claims)
        table.add_row(
            view.aliases[article.id],
            Text(view.outlet(article)),
            Text(article.title),
            article.published or "",
            str(own),
            str(len(article.boilerplate)),
        )
    return table


def _matrix(view: ReportView) -> Table:
    table = Table(title="Claims × articles", title_justify="left", show_lines=False)
    table.add_column("id", no_wrap=True)
    table.add_column("claim", ratio=1)
    for article in view.report.articles:
        table.add_column(view.aliases[article.id], justify="center", no_wrap=True)
    table.add_column("for/against", justify="right", no_wrap=True)
    for row in view.rows:
        cells = [Text(SYMBOLS[key][0], style=SYMBOLS[key][1]) for _, _, key in row.cells]
        table.add_row(
            row.claim.id, Text(row.claim.text), *cells, f"{row.carried_by}/{row.contradicted}"
        )
    return table


def _details(view: ReportView) -> list[tuple[str, list[str]]]:
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


def render_markdown(report: Report) -> str:
    """A Markdown report that pastes into a CMS or a ticket: a table, then the details."""
    view = ReportView.of(report)
    out = [f"> **{_md(view.notice[0])}**", f"> {_md(view.notice[1])}", ""] if view.notice else []
    out += [f"# factcheck report: {_md(report.cluster_name)}", ""]
    out += [f"- {_md(line)}" for line in view.header_lines()]
    out += ["", "Legend: " + " · ".join(f"{s} {m}" for s, _, m in SYMBOLS.values()), ""]
    out += ["| | outlet | title | date |", "|---|---|---|---|"]
    out += [
        f"| {view.aliases[a.id]} | {_md(view.outlet(a))} | {_md(a.title)} | "
        f"{_md(a.published or '')} |"
        for a in report.articles
    ]
    out.append("")
    details = _details(view)
    # An editor reads the disagreements first; the full matrix follows.
    for title, lines in [d for d in details if d[0] == CONTRADICTIONS]:
        out += _md_section(title, lines)
    if view.rows:
        letters = [view.aliases[a.id] for a in report.articles]
        out += ["", "## Claims × articles", ""]
        out.append("| id | claim | " + " | ".join(letters) + " |")
        out.append("|---|---|" + "---|" * len(letters))
        for row in view.rows:
            symbols = " | ".join(SYMBOLS[key][0] for _, _, key in row.cells)
            out.append(f"| {row.claim.id} | {_md(row.claim.text)} | {symbols} |")
    else:
        out.append("No claims were extracted.")
    for title, lines in [d for d in details if d[0] != CONTRADICTIONS]:
        out += _md_section(title, lines)
    return "\n".join(out) + "\n"


def _md_section(title: str, lines: list[str]) -> list[str]:
    # Indented detail lines (the quotes under a contradiction) become nested bullets.
    return ["", f"## {title}", ""] + [
        f"{'  ' if line.startswith(' ') else ''}- {_md(line.strip())}" for line in lines
    ]


def _md(text: str) -> str:
    """Keep article and model text inert in Markdown: one line, no table breaks, no HTML."""
    text = " ".join(text.split())
    for ch in ("\\", "|", "<", ">", "*", "_", "`", "[", "]"):
        text = text.replace(ch, "\\" + ch)
    return text
