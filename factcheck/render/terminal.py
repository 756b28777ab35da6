"""The report on a terminal (rich): what an editor must act on first, the matrix last.

Header and counts, the key to the article letters, then the digest's sections (disputes,
updates, other contradictions, key figures, agreed, single-source, unresolved, boilerplate,
warnings), then the claims × articles matrix, or, when the cluster has more articles than the
terminal has columns for, a pointer to the HTML report instead.
"""

from __future__ import annotations

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from factcheck.models import Report
from factcheck.render.digest import Digest
from factcheck.render.sections import text_sections
from factcheck.render.view import SYMBOLS, ReportView, long_date

# Up to this many articles the key comes before the disputes; a bigger cluster gets it at the end.
KEY_UP_FRONT = 12
# The matrix needs this much for its claim column, beside 4 columns per article.
CLAIM_MIN_WIDTH = 24
_MATRIX_FIXED_WIDTH = 24  # id and for/against columns, borders
_STYLES = {"head": "bold", "note": "dim"}


def matrix_fits(articles: int, width: int) -> bool:
    """Whether the claims × articles matrix fits ``width`` columns with a readable claim column."""
    return 4 * articles + _MATRIX_FIXED_WIDTH + CLAIM_MIN_WIDTH <= width


def render_terminal(report: Report, console: Console, *, show_all: bool = False) -> None:
    """Print the report: header, key, disputes and the other sections, then the matrix.

    ``show_all`` lists every single-source claim instead of the first few.
    """
    view = ReportView.of(report)
    digest = Digest.of(view)
    for line in view.notice:
        console.print(Text(line, style="bold yellow"), soft_wrap=True)
    console.print(Text(f"factcheck report: {report.cluster_name} ({report.cluster})", style="bold"))
    for line in view.header_lines():
        console.print(Text(line))
    console.print(Text(digest.counts_line()))
    if view.single_article_note:
        console.print(Text(view.single_article_note, style="yellow"))
    key_up_front = len(report.articles) <= KEY_UP_FRONT
    if key_up_front:
        for line in _key(view, console.width):
            console.print(line)
    else:
        console.print(Text(f"The key to the {len(report.articles)} article letters is at the end."))
    for section in text_sections(digest, show_all=show_all):
        console.print(Text(f"\n{section.title}", style="bold underline"))
        for line in section.lines:
            text = Text(line.text, style=_STYLES.get(line.style or "", ""))
            indent = (0, 0, 0, 3 * line.depth)
            console.print(Padding(text, indent, expand=False) if line.depth else text)
    if not key_up_front:
        for line in _key(view, console.width):
            console.print(line)
    console.print()
    if not view.rows:
        console.print(Text("No claims were extracted.", style="yellow"))
    elif matrix_fits(len(report.articles), console.width):
        console.print(_legend())
        console.print(_matrix(view))
    else:
        console.print(
            Text(
                f"Claims × articles: {len(report.claims)} claims × {len(report.articles)} "
                f"articles do not fit {console.width} columns, so the matrix is left out. "
                "The HTML report has it: run the same command with --format html --out "
                "report.html (or --format json for tools).",
                style="bold",
            )
        )


def _legend() -> Text:
    legend = Text("Legend: ")
    for symbol, style, meaning in SYMBOLS.values():
        legend.append(f"{symbol} ", style=style)
        legend.append(f"{meaning}   ")
    return legend


def _key(view: ReportView, width: int) -> list[Text]:
    """One line per article: letter, outlet, date, and the title cut to the width."""
    articles = view.report.articles
    letters = [view.aliases[a.id] for a in articles]
    outlets = [view.outlet(a) for a in articles]
    dates = [long_date(a.published) for a in articles]
    lw, ow, dw = (min(max(map(len, texts), default=0), 32) for texts in (letters, outlets, dates))
    lines = [Text("\nArticles", style="bold underline")]
    for letter, outlet, date, article in zip(letters, outlets, dates, articles, strict=True):
        line = Text(f"{letter:<{lw}}  ", style="bold")
        line.append(f"{_cut(outlet, ow):<{ow}}  {date:<{dw}}  {article.title}")
        line.truncate(width, overflow="ellipsis")
        lines.append(line)
    return lines


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _matrix(view: ReportView) -> Table:
    table = Table(title="Claims × articles", title_justify="left", show_lines=False)
    table.add_column("id", no_wrap=True)
    table.add_column("claim", ratio=1, min_width=CLAIM_MIN_WIDTH)
    for article in view.report.articles:
        table.add_column(view.aliases[article.id], justify="center", no_wrap=True)
    table.add_column("for/against", justify="right", no_wrap=True)
    for row in view.rows:
        cells = [Text(SYMBOLS[key][0], style=SYMBOLS[key][1]) for _, _, key in row.cells]
        table.add_row(
            row.claim.id, Text(row.claim.text), *cells, f"{row.carried_by}/{row.contradicted}"
        )
    return table
