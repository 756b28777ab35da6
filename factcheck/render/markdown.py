"""The report as Markdown that pastes into a CMS or a ticket, with model and article text inert."""

from __future__ import annotations

from factcheck.models import Report
from factcheck.render.view import CONTRADICTIONS, SYMBOLS, ReportView, detail_sections


def render_markdown(report: Report) -> str:
    """A Markdown report that pastes into a CMS or a ticket: a table, then the details."""
    view = ReportView.of(report)
    out = []
    if view.notice:
        out += [f"> **{md_inert(view.notice[0])}**", f"> {md_inert(view.notice[1])}", ""]
    out += [f"# factcheck report: {md_inert(report.cluster_name)}", ""]
    out += [f"- {md_inert(line)}" for line in view.header_lines()]
    out += ["", "Legend: " + " · ".join(f"{s} {m}" for s, _, m in SYMBOLS.values()), ""]
    out += ["| | outlet | title | date |", "|---|---|---|---|"]
    out += [
        f"| {view.aliases[a.id]} | {md_inert(view.outlet(a))} | {md_inert(a.title)} | "
        f"{md_inert(a.published or '')} |"
        for a in report.articles
    ]
    out.append("")
    details = detail_sections(view)
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
            out.append(f"| {row.claim.id} | {md_inert(row.claim.text)} | {symbols} |")
    else:
        out.append("No claims were extracted.")
    for title, lines in [d for d in details if d[0] != CONTRADICTIONS]:
        out += _md_section(title, lines)
    return "\n".join(out) + "\n"


def _md_section(title: str, lines: list[str]) -> list[str]:
    # Indented detail lines (the quotes under a contradiction) become nested bullets.
    return ["", f"## {title}", ""] + [
        f"{'  ' if line.startswith(' ') else ''}- {md_inert(line.strip())}" for line in lines
    ]


def md_inert(text: str) -> str:
    """Keep article and model text inert in Markdown: one line, no table breaks, no HTML.

    Every Markdown factcheck writes (reports and eval results) passes its text through here.
    """
    text = " ".join(text.split())
    for ch in ("\\", "|", "<", ">", "*", "_", "`", "[", "]"):
        text = text.replace(ch, "\\" + ch)
    return text
