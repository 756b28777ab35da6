"""The ``factcheck`` command: a thin shell over the Python API.

Errors become one line on stderr and an exit status here, and only here.
"""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from importlib.metadata import version
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from typer.exceptions import TyperException

from factcheck.errors import FactcheckError
from factcheck.llm import LLM, MODES, ModelConfig, redact, resolve_config
from factcheck.load import load_cluster
from factcheck.pipeline import check_cluster
from factcheck.report import render_json, render_markdown, render_terminal

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
    json = "json"


# Model options, shared by every command that calls a model.
ModelOpt = Annotated[str | None, typer.Option("--model", help="Model name [env: FACTCHECK_MODEL]")]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option("--base-url", help="OpenAI-compatible endpoint [env: FACTCHECK_BASE_URL]"),
]
ModeOpt = Annotated[
    str | None,
    typer.Option(
        "--mode", help=f"Structured-output mode: {', '.join(MODES)} (default: by endpoint)"
    ),
]
ConcurrencyOpt = Annotated[
    int, typer.Option("--concurrency", min=1, help="Model calls in flight at once")
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log retries and re-asks")]


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


@app.command()
def report(
    cluster_dir: Annotated[Path, typer.Argument(help="Folder with one file per article")],
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.terminal,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here, not stdout")] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    mode: ModeOpt = None,
    concurrency: ConcurrencyOpt = 8,
    verbose: VerboseOpt = False,
) -> None:
    """Extract, merge and cross-check the claims of CLUSTER_DIR, and print the report."""
    config = None
    try:
        cluster = load_cluster(cluster_dir)
        config = resolve_config(model=model, base_url=base_url, mode=mode, concurrency=concurrency)
        _setup_logging(verbose, config)
        result = check_cluster(cluster, llm=LLM(config))
    except FactcheckError as exc:
        _fail(redact(str(exc), config), exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    try:
        if format is Format.json:
            _emit(render_json(result), out)
        elif format is Format.markdown:
            _emit(render_markdown(result), out)
        elif out is not None:
            with out.open("w", encoding="utf-8") as handle:
                render_terminal(result, Console(file=handle, width=120, no_color=True))
        else:
            render_terminal(result, Console())
    except OSError as exc:
        _fail(f"cannot write {out}: {exc.strerror}", 2)


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


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
