"""The report on a terminal (rich): header, legend, the claims × articles matrix, details."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from factcheck.models import Report
from factcheck.render.view import SYMBOLS, ReportView, detail_sections


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
    for title, lines in detail_sections(view):
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
