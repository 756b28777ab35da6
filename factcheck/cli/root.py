"""The ``factcheck`` command's root: it registers the commands, each in its own module.

The CLI is a thin shell over the Python API; ``common`` turns every error into one line.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from typer.exceptions import TyperException

from factcheck.cli.batch import app as batch_app
from factcheck.cli.doctor import doctor
from factcheck.cli.evaluate import eval_command
from factcheck.cli.options import Command, Group, help_when_bare
from factcheck.cli.report import report
from factcheck.cli.store import app as store_app

app = typer.Typer(
    cls=Group,
    # Plain help, as click writes it: it reads like any well-kept CLI's, and it is fast.
    rich_markup_mode=None,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Cross-check the claims of a news story cluster against every article in it.",
)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"factcheck {version('factcheck')}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    show_version: Annotated[
        bool | None,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version"),
    ] = None,
) -> None:
    """Cross-check the claims of a news story cluster against every article in it."""
    help_when_bare(ctx)


app.command(cls=Command, short_help="Check a cluster and print its report.")(report)
app.command("eval", cls=Command, short_help="Score the checker against hand-labelled gold.")(
    eval_command
)
app.add_typer(batch_app, name="batch", short_help="Run big jobs through the OpenAI Batch API.")
app.add_typer(store_app, name="store", short_help="Inspect the response store.")
app.command(cls=Command, short_help="Check whether the configured model can run factcheck.")(
    doctor
)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: usage errors, like every other error, are one line."""
    try:
        code = app(args=argv, prog_name="factcheck", standalone_mode=False)
    except TyperException as exc:  # usage errors (typer carries its own click)
        message = " ".join(exc.format_message().split())
        # Choices are checked by pydantic inside typer: its prefix means nothing to a user.
        message = message.replace("Value error, ", "")
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        typer.echo(f"factcheck: error: {message}{hint}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("factcheck: error: interrupted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
