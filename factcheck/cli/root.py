"""The ``factcheck`` command: a thin shell over the Python API.

Errors become one line on stderr and an exit status here, and only here.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from importlib.metadata import version
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from typer.exceptions import TyperException

from factcheck.bulk.batch import acollect, aexport, asubmit, import_file
from factcheck.bulk.estimate import RunEstimate, aestimate, render_estimate
from factcheck.errors import FactcheckError, InputError
from factcheck.evaluation.gold import load_gold
from factcheck.evaluation.render import render_eval_markdown, render_eval_terminal
from factcheck.evaluation.result import missed_thresholds
from factcheck.evaluation.run import evaluate_cluster
from factcheck.llm.config import MODES, ModelConfig, redact, resolve_config
from factcheck.llm.gateway import LLM
from factcheck.llm.prices import PriceTable
from factcheck.llm.store import ResponseStore, StoreStats, default_store_path
from factcheck.models import Report
from factcheck.pipeline import check_cluster, choose_backend
from factcheck.render.html import render_html
from factcheck.render.json import render_json
from factcheck.render.markdown import render_markdown
from factcheck.render.progress import RichProgress
from factcheck.render.terminal import render_terminal
from factcheck.stages.load import load_cluster

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Cross-check the claims of a news story cluster against every article in it.",
)


class Format(StrEnum):
    """Report formats."""

    terminal = "terminal"
    markdown = "markdown"
    html = "html"
    json = "json"


# Model options, shared by every command that calls a model.
ModelOpt = Annotated[str | None, typer.Option("--model", help="Model name [env: FACTCHECK_MODEL]")]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option("--base-url", help="OpenAI-compatible endpoint [env: FACTCHECK_BASE_URL]"),
]
# Not --mode: eval's --mode (verify, end-to-end) is a contract.
OutputModeOpt = Annotated[
    str | None,
    typer.Option(
        "--output-mode",
        help=f"Structured-output mode: {', '.join(MODES)} [env: FACTCHECK_MODE; "
        "default: by endpoint]",
    ),
]
ConcurrencyOpt = Annotated[
    int, typer.Option("--concurrency", min=1, help="Model calls in flight at once")
]
StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Response store file [env: FACTCHECK_STORE; default: in the user's cache folder]",
    ),
]
OfflineOpt = Annotated[
    bool, typer.Option("--offline", help="Answer from the response store only; never send")
]
PricesOpt = Annotated[
    Path | None,
    typer.Option("--prices", help="Price table overriding the shipped one [env: FACTCHECK_PRICES]"),
]


class BackendName(StrEnum):
    """Who checks: a model, the model-free baseline, or the model when one is configured."""

    auto = "auto"
    llm = "llm"
    lexical = "lexical"


BackendOpt = Annotated[
    BackendName,
    typer.Option(
        "--backend",
        help="llm: a model; lexical: the model-free baseline; auto: the model when one is "
        "named (--model or FACTCHECK_MODEL), else the baseline",
    ),
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log retries and re-asks")]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress display (off anyway when not a TTY)")
]


@contextmanager
def _progress(quiet: bool) -> Iterator[RichProgress | None]:
    """Live progress on stderr, only for a person watching a terminal."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    with RichProgress() as progress:
        yield progress


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"factcheck {version('factcheck')}")
        raise typer.Exit()


@app.callback()
def _root(
    show_version: Annotated[
        bool | None,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version"),
    ] = None,
) -> None:
    """Cross-check the claims of a news story cluster against every article in it."""


@dataclass
class _Gateway:
    """What a command builds from its model options; ``config`` is kept to redact errors."""

    config: ModelConfig | None = None
    llm: LLM | None = None

    def open(
        self,
        *,
        model: str | None,
        base_url: str | None,
        mode: str | None = None,
        concurrency: int = 8,
        store: Path | None = None,
        offline: bool = False,
        prices: Path | None = None,
        verbose: bool = False,
    ) -> LLM:
        self.config = resolve_config(
            model=model, base_url=base_url, mode=mode, concurrency=concurrency,
            need_key=not offline,
        )  # fmt: skip
        _setup_logging(verbose, self.config)
        self.llm = LLM(
            self.config,
            store=ResponseStore(store or default_store_path()),
            offline=offline,
            prices=PriceTable.load(prices),
        )
        return self.llm


@contextmanager
def _one_line_errors(gateway: _Gateway | None = None) -> Iterator[None]:
    """Every failure a user can cause ends as one line and an exit status, never a traceback."""
    try:
        yield
    except FactcheckError as exc:
        _fail(redact(str(exc), gateway.config if gateway else None), exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted (answers received so far are kept in the response store)", 130)


@app.command()
def report(
    cluster_dir: Annotated[Path, typer.Argument(help="Folder with one file per article")],
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.terminal,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here, not stdout")] = None,
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
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Extract, merge and cross-check the claims of CLUSTER_DIR, and print the report.

    With no model configured, the model-free lexical baseline makes the report.
    """
    gateway = _Gateway()
    with _one_line_errors(gateway):
        cluster = load_cluster(cluster_dir)
        # A dry run estimates model calls: it always means the model.
        chosen = "llm" if dry_run else choose_backend(backend.value, model=model)
        if dry_run and backend is BackendName.lexical:
            raise InputError("--dry-run estimates model calls and the lexical backend makes none")
        if chosen == "lexical":
            result = check_cluster(cluster, backend="lexical")
            _write_report(result, format, out)
            return
        llm = gateway.open(
            model=model, base_url=base_url, mode=output_mode, concurrency=concurrency, store=store,
            offline=offline or dry_run, prices=prices, verbose=verbose,
        )  # fmt: skip
        if dry_run:
            estimate = asyncio.run(aestimate(cluster, llm))
            _write(out, lambda: _dry_run_text(estimate, format))
            return
        with _progress(quiet) as progress:
            result = check_cluster(cluster, llm=llm, progress=progress)
    _write_report(result, format, out)


def _write_report(result: Report, format: Format, out: Path | None) -> None:
    if format is Format.json:
        _write(out, lambda: render_json(result))
    elif format is Format.markdown:
        _write(out, lambda: render_markdown(result))
    elif format is Format.html:
        if out is None and sys.stdout.isatty():
            _fail("an HTML report goes to a file: add --out REPORT.html", 2)
        _write(out, lambda: render_html(result))
    else:
        _write_terminal(out, lambda console: render_terminal(result, console))


def _dry_run_text(estimate: RunEstimate, format: Format) -> str:
    if format is Format.json:
        document = estimate.model_dump() | {
            "calls": estimate.calls,
            "input_tokens": estimate.input_tokens,
            "output_tokens": estimate.output_tokens,
        }
        return json.dumps(document, indent=2) + "\n"
    return render_estimate(estimate)


class EvalMode(StrEnum):
    """What ``eval`` scores."""

    verify = "verify"
    end_to_end = "end-to-end"


class MatcherName(StrEnum):
    """How ``eval --mode end-to-end`` pairs predicted claims with gold claims."""

    lexical = "lexical"
    llm = "llm"


@app.command("eval")
def eval_command(
    cluster_dir: Annotated[Path, typer.Argument(help="Folder with one file per article")],
    gold_path: Annotated[Path, typer.Option("--gold", help="Gold labels (YAML)")],
    mode: Annotated[EvalMode, typer.Option("--mode")] = EvalMode.verify,
    matcher: Annotated[
        MatcherName, typer.Option("--matcher", help="end-to-end: how claims are paired")
    ] = MatcherName.lexical,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON contract")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write a Markdown report here")
    ] = None,
    min_macro_f1: Annotated[float | None, typer.Option("--min-macro-f1", min=0, max=1)] = None,
    min_claim_recall: Annotated[
        float | None, typer.Option("--min-claim-recall", min=0, max=1)
    ] = None,
    max_noise: Annotated[int | None, typer.Option("--max-noise", min=0)] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    output_mode: OutputModeOpt = None,
    concurrency: ConcurrencyOpt = 8,
    store: StoreOpt = None,
    offline: OfflineOpt = False,
    prices: PricesOpt = None,
    backend: BackendOpt = BackendName.auto,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Score the checker on CLUSTER_DIR against hand-labelled gold; exit 1 below a threshold."""
    gateway = _Gateway()
    with _one_line_errors(gateway):
        cluster = load_cluster(cluster_dir)
        gold = load_gold(gold_path, cluster)
        if gold.cluster != cluster.id:
            typer.echo(f"factcheck: note: {gold_path} is gold for '{gold.cluster}', "
                       f"scored on folder '{cluster.id}'", err=True)  # fmt: skip
        chosen = choose_backend(backend.value, model=model)
        llm = None
        if chosen == "llm" or matcher is MatcherName.llm:
            llm = gateway.open(
                model=model, base_url=base_url, mode=output_mode, concurrency=concurrency,
                store=store, offline=offline, prices=prices, verbose=verbose,
            )  # fmt: skip
        with _progress(quiet) as progress:
            result = evaluate_cluster(
                cluster, gold, mode=mode.value, matcher=matcher.value, llm=llm,
                progress=progress, backend=chosen,
            )  # fmt: skip
    if out is not None:
        _write(out, lambda: render_eval_markdown(result))
    if as_json:
        _write(None, lambda: json.dumps(result.to_contract(), indent=2) + "\n")
    else:
        _write_terminal(None, lambda console: render_eval_terminal(result, console))
    missed = missed_thresholds(
        result, min_macro_f1=min_macro_f1, min_claim_recall=min_claim_recall, max_noise=max_noise
    )
    for line in missed:
        typer.echo(f"factcheck: eval below threshold: {line}", err=True)
    if missed:
        raise typer.Exit(1)


batch_app = typer.Typer(
    no_args_is_help=True,
    help="Run big jobs through the OpenAI Batch API at half price, one stage per round.",
)
app.add_typer(batch_app, name="batch")


@batch_app.command("export")
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
    gateway = _Gateway()
    with _one_line_errors(gateway):
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


@batch_app.command("import")
def batch_import(
    results: Annotated[list[Path], typer.Argument(help="Batch output or error files (JSONL)")],
    store: StoreOpt = None,
) -> None:
    """Load Batch API result files into the response store; failed lines are reported."""
    with _one_line_errors():
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


@batch_app.command("submit")
def batch_submit(
    requests: Annotated[Path, typer.Argument(help="Batch input file from batch export")],
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    store: StoreOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Upload a Batch input file and start the batch; collect it later."""
    gateway = _Gateway()
    with _one_line_errors(gateway):
        llm = gateway.open(model=model, base_url=base_url, store=store, verbose=verbose)
        batch_id = asyncio.run(asubmit(llm, requests))
    typer.echo(f"submitted batch {batch_id}; next: factcheck batch collect --wait")


@batch_app.command("collect")
def batch_collect(
    batch_ids: Annotated[
        list[str] | None, typer.Option("--batch", help="Batch id (default: every open one)")
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Poll until every batch is done")] = False,
    poll_seconds: Annotated[float, typer.Option("--poll-seconds", min=0.0)] = 30.0,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    store: StoreOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Check submitted batches and import the results of finished ones into the store."""
    gateway = _Gateway()
    with _one_line_errors(gateway):
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


store_app = typer.Typer(no_args_is_help=True, help="Inspect the response store.")
app.add_typer(store_app, name="store")


@store_app.command("stats")
def store_stats(
    store: StoreOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """What the response store holds, per endpoint, model and stage."""
    with _one_line_errors():
        stats = ResponseStore(store or default_store_path()).stats()
    if as_json:
        typer.echo(stats.model_dump_json(indent=2))
    else:
        _write_terminal(None, lambda console: render_store_stats(stats, console))


def render_store_stats(stats: StoreStats, console: Console) -> None:
    """``factcheck store stats`` for people."""
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


def _write(out: Path | None, text: Callable[[], str]) -> None:
    if out is None:
        sys.stdout.write(text())
        return
    try:
        out.write_text(text(), encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write {out}: {exc.strerror}", 2)


def _write_terminal(out: Path | None, render: Callable[[Console], None]) -> None:
    if out is None:
        render(Console())
        return
    try:
        with out.open("w", encoding="utf-8") as handle:
            render(Console(file=handle, width=120, no_color=True))
    except OSError as exc:
        _fail(f"cannot write {out}: {exc.strerror}", 2)


def _fail(message: str, code: int) -> None:
    typer.echo(f"factcheck: error: {message}", err=True)
    raise typer.Exit(code)


class _RedactingFilter(logging.Filter):
    """Keys must never reach a log line, even when a server echoes one in an error."""

    def __init__(self, config: ModelConfig | None) -> None:
        super().__init__()
        self.config = config

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.config)
        record.args = ()
        return True


def _setup_logging(verbose: bool, config: ModelConfig | None = None) -> None:
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "factcheck"]:
        root.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name("factcheck")
    handler.setFormatter(logging.Formatter("factcheck: %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_RedactingFilter(config))
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.ERROR)
    # instructor logs every failed attempt at ERROR; our own lines already say what happened.
    logging.getLogger("instructor").setLevel(logging.INFO if verbose else logging.CRITICAL)
    for noisy in ("httpx2", "httpcore2", "openai"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: usage errors, like every other error, are one line."""
    try:
        code = app(args=argv, prog_name="factcheck", standalone_mode=False)
    except TyperException as exc:  # usage errors (typer carries its own click)
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        typer.echo(f"factcheck: error: {' '.join(exc.format_message().split())}{hint}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("factcheck: error: interrupted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
