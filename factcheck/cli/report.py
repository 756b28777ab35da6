"""``factcheck report``: check a cluster and print the report in the format asked for."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from factcheck.cli.common import (
    EXIT_INCOMPLETE,
    FILE_WIDTH,
    Gateway,
    as_flags,
    fail,
    live_progress,
    load,
    one_line_errors,
    write,
    write_terminal,
)
from factcheck.cli.options import (
    BackendName,
    BackendOpt,
    BaseUrlOpt,
    ConcurrencyOpt,
    FollowLinksOpt,
    MaxOutputTokensOpt,
    ModelOpt,
    OfflineOpt,
    OutputModeOpt,
    PricesOpt,
    QuietOpt,
    RefreshOpt,
    RequestTokensOpt,
    SkipBadOpt,
    StoreOpt,
    TimeoutOpt,
    VerboseOpt,
)
from factcheck.errors import InputError

if TYPE_CHECKING:
    from factcheck.bulk.estimate import RunEstimate
    from factcheck.models import Report


class Format(StrEnum):
    """Report formats."""

    terminal = "terminal"
    markdown = "markdown"
    html = "html"
    json = "json"


def report(
    cluster_dir: Annotated[Path, typer.Argument(help="Folder with one file per article")],
    format: Annotated[Format, typer.Option("--format", "-f", help="How to print the report")] = (
        Format.terminal
    ),
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here, not stdout")] = None,
    show_all: Annotated[
        bool,
        typer.Option("--all", help="List every single-source claim, not only the first few"),
    ] = False,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    output_mode: OutputModeOpt = None,
    concurrency: ConcurrencyOpt = 8,
    store: StoreOpt = None,
    offline: OfflineOpt = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Count calls, tokens and cost; send nothing"),
    ] = False,
    prices: PricesOpt = None,
    backend: BackendOpt = BackendName.auto,
    timeout: TimeoutOpt = None,
    max_output_tokens: MaxOutputTokensOpt = None,
    request_tokens: RequestTokensOpt = None,
    refresh: RefreshOpt = None,
    allow_partial: Annotated[
        bool,
        typer.Option(
            "--allow-partial",
            help="Exit 0 even when an article's extraction failed (its claims are missing)",
        ),
    ] = False,
    skip_bad: SkipBadOpt = False,
    follow_links: FollowLinksOpt = False,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Extract, merge and cross-check the claims of CLUSTER_DIR, and print the report.

    With no model configured, the model-free lexical baseline makes the report. The report is
    written even when an article's extraction failed, but the exit status is then 3 (unless
    --allow-partial): its claims are missing.
    """
    # Imported here, not above: `factcheck --help` must not pay for the pipeline.
    from factcheck.pipeline import check_cluster, choose_backend

    gateway = Gateway()
    with one_line_errors(gateway):
        cluster = load(cluster_dir, skip_bad=skip_bad, follow_links=follow_links)
        # A dry run estimates model calls: it always means the model.
        chosen = "llm" if dry_run else choose_backend(backend.value, model=model)
        if dry_run and backend is BackendName.lexical:
            raise InputError("--dry-run estimates model calls and the lexical backend makes none")
        if chosen == "lexical":
            with live_progress(quiet) as progress:
                result = check_cluster(cluster, backend="lexical", progress=progress)
            _write_report(result, format, out, show_all)
            return
        llm = gateway.open(
            model=model, base_url=base_url, mode=output_mode, concurrency=concurrency, store=store,
            offline=offline, dry_run=dry_run, prices=prices, verbose=verbose, timeout=timeout,
            max_output_tokens=max_output_tokens, request_tokens=request_tokens,
            refresh=[stage.value for stage in refresh or ()],
        )  # fmt: skip
        if dry_run:
            import asyncio

            from factcheck.bulk.estimate import aestimate

            estimate = asyncio.run(aestimate(cluster, llm))
            write(out, lambda: _dry_run_text(estimate, format), "the dry-run estimate")
            return
        with live_progress(quiet) as progress:
            result = check_cluster(cluster, llm=llm, progress=progress)
    _write_report(result, format, out, show_all)
    failed = result.failed_extractions
    if failed and not allow_partial:
        fail(
            f"the extraction of {len(failed)} of {len(result.articles)} articles failed "
            f"({', '.join(failed)}): their claims are missing from the report (the warnings "
            "say why); --allow-partial accepts it",
            EXIT_INCOMPLETE,
        )


def _write_report(result: Report, format: Format, out: Path | None, show_all: bool) -> None:
    from factcheck.render.html import render_html
    from factcheck.render.json import render_json
    from factcheck.render.markdown import render_markdown
    from factcheck.render.terminal import render_terminal

    # The run's warnings give the API's advice (max_output_tokens=...): here, in flags.
    result = result.model_copy(update={"warnings": [as_flags(w) for w in result.warnings]})
    if format is Format.json:
        write(out, lambda: render_json(result), "the JSON report")
    elif format is Format.markdown:
        write(out, lambda: render_markdown(result, show_all=show_all), "the Markdown report")
    elif format is Format.html:
        if out is None and sys.stdout.isatty():
            fail("an HTML report goes to a file: add --out REPORT.html", 2)
        write(out, lambda: render_html(result), "the HTML report")
    else:
        write_terminal(
            out,
            lambda console: render_terminal(result, console, show_all=show_all),
            f"the plain-text report ({FILE_WIDTH} columns)",
        )


def _dry_run_text(estimate: RunEstimate, format: Format) -> str:
    from factcheck.bulk.estimate import render_estimate

    estimate = estimate.model_copy(update={
        "request_budget": as_flags(estimate.request_budget),
        "warnings": [as_flags(w) for w in estimate.warnings],
    })  # fmt: skip
    if format is Format.json:
        document = estimate.model_dump() | {
            "calls": estimate.calls,
            "input_tokens": estimate.input_tokens,
            "output_tokens": estimate.output_tokens,
        }
        return json.dumps(document, indent=2) + "\n"
    return render_estimate(estimate)
