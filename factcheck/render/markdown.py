"""The report as Markdown that pastes into a CMS or a ticket, with model and article text inert.

Same order as the terminal: header, the key to the article letters, disputes and the other
sections, and the claims × articles table last.
"""

from __future__ import annotations

from factcheck.models import Report
from factcheck.render.digest import Digest
from factcheck.render.sections import Line, text_sections
from factcheck.render.view import SYMBOLS, ReportView, long_date

# Above this many articles the table is too wide to read in a ticket: the HTML report has it.
MARKDOWN_MATRIX_ARTICLES = 30


def render_markdown(report: Report, *, show_all: bool = False) -> str:
    """A Markdown report: the digest first, the claims × articles table last.

    ``show_all`` lists every single-source claim instead of the first few.
    """
    view = ReportView.of(report)
    digest = Digest.of(view)
    out = []
    if view.notice:
        out += [f"> **{md_inert(view.notice[0])}**", f"> {md_inert(view.notice[1])}", ""]
    out += [f"# factcheck report: {md_inert(report.cluster_name)}", ""]
    out += [f"- {md_inert(line)}" for line in view.header_lines()]
    out.append(f"- {md_inert(digest.counts_line())}")
    if view.single_article_note:
        out.append(f"- {md_inert(view.single_article_note)}")
    out += ["", "| | outlet | date | title |", "|---|---|---|---|"]
    out += [
        f"| {view.aliases[a.id]} | {md_inert(view.outlet(a))} | "
        f"{md_inert(long_date(a.published))} | {md_inert(a.title)} |"
        for a in report.articles
    ]
    for section in text_sections(digest, show_all=show_all):
        out += ["", f"## {md_inert(section.title)}", ""]
        out += [_md_line(line) for line in section.lines]
    out += ["", "## Claims × articles", ""]
    if not view.rows:
        out.append("No claims were extracted.")
    elif len(report.articles) > MARKDOWN_MATRIX_ARTICLES:
        out.append(
            f"{len(report.articles)} articles are too many columns for a Markdown table: "
            "the HTML report (`--format html --out report.html`) has the matrix."
        )
    else:
        out += ["Legend: " + " · ".join(f"{s} {m}" for s, _, m in SYMBOLS.values()), ""]
        letters = [view.aliases[a.id] for a in report.articles]
        out.append("| id | claim | " + " | ".join(letters) + " |")
        out.append("|---|---|" + "---|" * len(letters))
        for row in view.rows:
            symbols = " | ".join(SYMBOLS[key][0] for _, _, key in row.cells)
            out.append(f"| {row.claim.id} | {md_inert(row.claim.text)} | {symbols} |")
    return "\n".join(out) + "\n"


def _md_line(line: Line) -> str:
    text = md_inert(line.text)
    if line.style == "head":
        text = f"**{text}**"
    elif line.style == "note":
        text = f"*{text}*"
    return f"{'  ' * line.depth}- {text}"


def md_inert(text: str) -> str:
    """Keep article and model text inert in Markdown: one line, no table breaks, no HTML.

    Every Markdown factcheck writes (reports and eval results) passes its text through here.
    """
    text = " ".join(text.split())
    for ch in ("\\", "|", "<", ">", "*", "_", "`", "[", "]"):
        text = text.replace(ch, "\\" + ch)
    return text
