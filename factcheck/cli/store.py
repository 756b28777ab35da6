"""``factcheck store``: what the response store holds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from factcheck.cli.common import one_line_errors, open_store, write_terminal
from factcheck.cli.options import Command, Group, StoreOpt, help_when_bare

if TYPE_CHECKING:
    from rich.console import Console

    from factcheck.llm.store import StoreStats

app = typer.Typer(
    cls=Group,
    rich_markup_mode=None,
    invoke_without_command=True,
    help="Inspect the response store.",
)


@app.callback()
def _store(ctx: typer.Context) -> None:
    help_when_bare(ctx)


@app.command("stats", cls=Command)
def store_stats(
    store: StoreOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """What the response store holds, per endpoint, model and stage."""
    with one_line_errors():
        stats = open_store(store).stats()
    if as_json:
        typer.echo(stats.model_dump_json(indent=2))
    else:
        write_terminal(None, lambda console: render_store_stats(stats, console))


def render_store_stats(stats: StoreStats, console: Console) -> None:
    """``factcheck store stats`` for people."""
    from rich.table import Table

    console.print(f"Response store: {stats.path} ({stats.size_bytes / 1e6:.1f} MB)")
    console.print(
        f"{stats.answers} answers; {stats.exported_unanswered} exported requests awaiting "
        f"results; {stats.batches_open} open batches"
    )
    if not stats.groups:
        return
    table = Table("endpoint", "model", "stage", "answers", "input tokens", "output tokens",
                  "from batch")  # fmt: skip
    for g in stats.groups:
        table.add_row(g.endpoint, g.model, g.stage or "-", str(g.answers), str(g.input_tokens),
                      str(g.output_tokens), str(g.from_batch))  # fmt: skip
    console.print(table)
