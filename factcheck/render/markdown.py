"""The report as Markdown that pastes into a CMS or a ticket, with model and article text inert."""

from __future__ import annotations

from factcheck.models import Report
from factcheck.render.view import CONTRADICTIONS, SYMBOLS, ReportView, detail_sections


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
