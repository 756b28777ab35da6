"""``factcheck batch``: the Batch API loop, one pipeline stage per round (export, submit, collect).

``import`` loads results fetched some other way.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from factcheck.cli.common import Gateway, one_line_errors, open_store
from factcheck.cli.options import (
    BaseUrlOpt,
    Command,
    Group,
    MaxOutputTokensOpt,
    ModelOpt,
    OutputModeOpt,
    PricesOpt,
    RequestTokensOpt,
    StoreOpt,
    VerboseOpt,
    help_when_bare,
)
from factcheck.errors import InputError

if TYPE_CHECKING:
    from factcheck.bulk.export import ExportResult

# Each command imports the bulk and model layers when it runs: `--help` stays fast. So the
# Batch API's limits, factcheck.bulk.export.MAX_REQUESTS_PER_FILE and MAX_BYTES_PER_FILE, are
# written out here for the options' defaults (tests/test_cli_help.py holds the two together).
MAX_REQUESTS_PER_FILE = 50_000
MAX_BYTES_PER_FILE = 200_000_000

MaxRequestsOpt = Annotated[
    int,
    typer.Option(
        "--max-requests",
        min=1,
        help="Requests per Batch file, past which an export is split (the Batch API's limit)",
    ),
]
MaxBytesOpt = Annotated[
    int,
    typer.Option(
        "--max-bytes",
        min=1,
        help="Bytes per Batch file, past which an export is split (the Batch API's 200 MB)",
    ),
]

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
    max_output_tokens: MaxOutputTokensOpt = None,
    store: StoreOpt = None,
    prices: PricesOpt = None,
    request_tokens: RequestTokensOpt = None,
    max_requests: MaxRequestsOpt = MAX_REQUESTS_PER_FILE,
    max_bytes: MaxBytesOpt = MAX_BYTES_PER_FILE,
) -> None:
    """Write the requests the next stage of each cluster still needs, as Batch input files.

    One file, or numbered parts (requests.001.jsonl, ...) when one would pass the limits.
    """
    import asyncio

    from factcheck.bulk.export import FileLimits, aexport
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
        # The request budget (and the model table it may come from) decides how requests are
        # split, so it must be the one the reports will use, or their keys would differ.
        llm = gateway.open(
            model=model, base_url=base_url, mode=output_mode, store=store, offline=True,
            prices=prices, request_tokens=request_tokens, max_output_tokens=max_output_tokens,
        )  # fmt: skip
        limits = FileLimits(max_requests=max_requests, max_bytes=max_bytes)
        result = asyncio.run(aexport(clusters, llm, out, claims, limits))
    _print_export(result, out)


def _print_export(result: ExportResult, out: Path) -> None:
    for need in result.clusters:
        state = f"{need.requests} requests for {need.stage}" if need.stage else "complete"
        typer.echo(f"{need.cluster}: {state}")
    for removed in result.removed:
        typer.echo(f"removed {removed}, left by an earlier export")
    if not result.requests:
        typer.echo(f"nothing to export: every answer is stored (wrote an empty {out}); "
                   "run factcheck report --offline")  # fmt: skip
        return
    if len(result.files) == 1:
        typer.echo(f"wrote {result.requests} requests to {out}; next: factcheck batch submit {out}")
        return
    typer.echo(f"wrote {result.requests} requests in {len(result.files)} files, to keep each "
               "within the Batch file limits:")  # fmt: skip
    for file in result.files:
        typer.echo(f"  {file.path}: {file.requests} requests, {file.bytes:,} bytes")
    typer.echo(f"next: factcheck batch submit {' '.join(result.paths)}")


@app.command("import", cls=Command)
def batch_import(
    results: Annotated[list[Path], typer.Argument(help="Batch output or error files (JSONL)")],
    store: StoreOpt = None,
) -> None:
    """Load Batch API result files into the response store; failed lines are reported."""
    from factcheck.bulk.results import import_file

    with one_line_errors():
        target = open_store(store)
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
    requests: Annotated[
        list[Path], typer.Argument(help="Batch input files from batch export (one batch each)")
    ],
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    store: StoreOpt = None,
    verbose: VerboseOpt = False,
    max_requests: MaxRequestsOpt = MAX_REQUESTS_PER_FILE,
    max_bytes: MaxBytesOpt = MAX_BYTES_PER_FILE,
) -> None:
    """Upload Batch input files and start a batch for each; collect them later."""
    import asyncio

    from factcheck.bulk.batch import asubmit_files
    from factcheck.bulk.export import FileLimits

    gateway = Gateway()
    limits = FileLimits(max_requests=max_requests, max_bytes=max_bytes)

    def submitted(path: Path, batch_id: str) -> None:
        typer.echo(f"submitted batch {batch_id} ({path})")

    with one_line_errors(gateway):
        llm = gateway.open(model=model, base_url=base_url, store=store, verbose=verbose)
        asyncio.run(asubmit_files(llm, requests, limits, on_submitted=submitted))
    typer.echo("next: factcheck batch collect --wait")


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
