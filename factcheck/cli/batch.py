"""``factcheck batch``: the Batch API loop, one pipeline stage per round (export, submit, collect).

``import`` loads results fetched some other way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from factcheck.cli.common import Gateway, one_line_errors
from factcheck.cli.options import (
    BaseUrlOpt,
    Command,
    Group,
    ModelOpt,
    OutputModeOpt,
    StoreOpt,
    VerboseOpt,
    help_when_bare,
)
from factcheck.errors import InputError

# Each command imports the bulk and model layers when it runs: `--help` stays fast.
app = typer.Typer(
    cls=Group,
    rich_markup_mode=None,
    invoke_without_command=True,
    help="Run big jobs through the OpenAI Batch API at half price, one stage per round.",
)


@app.callback()
def _batch(ctx: typer.Context) -> None:
    help_when_bare(ctx)


@app.command("export", cls=Command)
def batch_export(
    cluster_dirs: Annotated[list[Path], typer.Argument(help="Cluster folders")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Batch input file to write")],
    golds: Annotated[
        list[Path] | None,
        typer.Option(
            "--gold",
            help="Export what `eval --mode verify` needs instead: a gold file per cluster "
            "folder, in the same order",
        ),
    ] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    output_mode: OutputModeOpt = None,
    store: StoreOpt = None,
) -> None:
    """Write the requests the next stage of each cluster still needs, as a Batch input file."""
    import asyncio

    from factcheck.bulk.batch import aexport
    from factcheck.evaluation.gold import load_gold
    from factcheck.stages.load import load_cluster

    gateway = Gateway()
    with one_line_errors(gateway):
        clusters = [load_cluster(folder) for folder in cluster_dirs]
        claims = None
        if golds:
            if len(golds) != len(clusters):
                raise InputError(f"{len(golds)} --gold files for {len(clusters)} cluster "
                                 "folders: give one per folder, in the same order")  # fmt: skip
            claims = {c.id: load_gold(g, c).texts for c, g in zip(clusters, golds, strict=True)}
        llm = gateway.open(
            model=model, base_url=base_url, mode=output_mode, store=store, offline=True
        )
        result = asyncio.run(aexport(clusters, llm, out, claims))
    for need in result.clusters:
        state = f"{need.requests} requests for {need.stage}" if need.stage else "complete"
        typer.echo(f"{need.cluster}: {state}")
    if result.requests:
        typer.echo(f"wrote {result.requests} requests to {out}; next: factcheck batch submit {out}")
    else:
        typer.echo(f"nothing to export: every answer is stored (wrote an empty {out}); "
                   "run factcheck report --offline")  # fmt: skip


@app.command("import", cls=Command)
def batch_import(
    results: Annotated[list[Path], typer.Argument(help="Batch output or error files (JSONL)")],
    store: StoreOpt = None,
) -> None:
    """Load Batch API result files into the response store; failed lines are reported."""
    from factcheck.bulk.batch import import_file
    from factcheck.llm.store import ResponseStore, default_store_path

    with one_line_errors():
        target = ResponseStore(store or default_store_path())
        total = [import_file(target, path) for path in results]
    _print_import(sum(r.stored for r in total), sum(r.already_stored for r in total),
                  [e for r in total for e in r.errors])  # fmt: skip


def _print_import(stored: int, already: int, errors: list[str]) -> None:
    typer.echo(f"stored {stored} answers ({already} were already stored); {len(errors)} failed")
    for error in errors[:20]:
        typer.echo(f"  {error}", err=True)
    if len(errors) > 20:
        typer.echo(f"  ... and {len(errors) - 20} more", err=True)
    if errors:
        typer.echo("failed requests stay missing: the next export asks for them again", err=True)


@app.command("submit", cls=Command)
def batch_submit(
    requests: Annotated[Path, typer.Argument(help="Batch input file from batch export")],
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    store: StoreOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Upload a Batch input file and start the batch; collect it later."""
    import asyncio

    from factcheck.bulk.batch import asubmit

    gateway = Gateway()
    with one_line_errors(gateway):
        llm = gateway.open(model=model, base_url=base_url, store=store, verbose=verbose)
        batch_id = asyncio.run(asubmit(llm, requests))
    typer.echo(f"submitted batch {batch_id}; next: factcheck batch collect --wait")


@app.command("collect", cls=Command)
def batch_collect(
    batch_ids: Annotated[
        list[str] | None, typer.Option("--batch", help="Batch id (default: every open one)")
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Poll until every batch is done")] = False,
    poll_seconds: Annotated[
        float, typer.Option("--poll-seconds", min=0.0, help="Seconds between polls with --wait")
    ] = 30.0,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    store: StoreOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Check submitted batches and import the results of finished ones into the store."""
    import asyncio

    from factcheck.bulk.batch import acollect

    gateway = Gateway()
    with one_line_errors(gateway):
        llm = gateway.open(model=model, base_url=base_url, store=store, verbose=verbose)
        statuses = asyncio.run(acollect(llm, batch_ids, wait=wait, poll_seconds=poll_seconds))
    if not statuses:
        typer.echo("no open batches in the store")
    for status in statuses:
        typer.echo(f"batch {status.id}: {status.status}")
        if status.imported is not None:
            _print_import(status.imported.stored, status.imported.already_stored,
                          status.imported.errors)  # fmt: skip
    if any(s.imported for s in statuses):
        typer.echo("next: factcheck batch export (the next stage), or factcheck report --offline")
