"""The ``factcheck`` command's root: it registers the commands, each in its own module.

The CLI is a thin shell over the Python API; ``common`` turns every error into one line.
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from typing import Annotated

import typer
from typer.exceptions import TyperException

from factcheck.cli.batch import app as batch_app
from factcheck.cli.doctor import doctor
from factcheck.cli.evaluate import eval_command
from factcheck.cli.report import report
from factcheck.cli.store import app as store_app

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Cross-check the claims of a news story cluster against every article in it.",
)


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


app.command()(report)
app.command("eval")(eval_command)
app.add_typer(batch_app, name="batch")
app.add_typer(store_app, name="store")
app.command()(doctor)


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
