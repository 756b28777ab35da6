"""Options that several commands share, defined once, and how every command's help reads.

Help reads like any well-kept CLI's: ``Usage: factcheck report [OPTIONS] CLUSTER_DIR``, a flag
shows no type, an option shows what it takes (``--out PATH``, ``--concurrency N``,
``--format terminal|markdown|html|json``). Nothing here imports the model stack: ``--help``
stays fast.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

# The names of factcheck.llm.config.MODES, written out so that --help need not import the model
# layer (tests/test_cli_help.py holds the two together).
OUTPUT_MODES = ("tools", "json_schema", "json_object_schema", "json", "md_json")

# Model options, shared by every command that calls a model.
ModelOpt = Annotated[
    str | None, typer.Option("--model", help="Model name [env: FACTCHECK_MODEL]")
]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option("--base-url", help="OpenAI-compatible endpoint [env: FACTCHECK_BASE_URL]"),
]
# Not --mode: eval's --mode (verify, end-to-end) is a contract.
OutputModeOpt = Annotated[
    str | None,
    typer.Option(
        "--output-mode",
        help=f"Structured-output mode: {', '.join(OUTPUT_MODES)} [env: FACTCHECK_MODE; "
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
        help="Response store file [env: FACTCHECK_STORE; default: in the user's cache "
        "folder]",
    ),
]
OfflineOpt = Annotated[
    bool, typer.Option("--offline", help="Answer from the response store only; never send")
]
PricesOpt = Annotated[
    Path | None,
    typer.Option(
        "--prices",
        help="Model table (prices, context windows, encodings) overriding the shipped one "
        "[env: FACTCHECK_PRICES]",
    ),
]


TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        min=0.001,
        metavar="SECONDS",
        help="Seconds one model request may take in all, retries and waits included "
        "[env: FACTCHECK_TIMEOUT; default: 600]",
    ),
]
MaxOutputTokensOpt = Annotated[
    int | None,
    typer.Option(
        "--max-output-tokens",
        min=1,
        help="Output budget (max_tokens) of every model call, replacing each stage's own, "
        "sized from its request [env: FACTCHECK_MAX_OUTPUT_TOKENS]",
    ),
]


RequestTokensOpt = Annotated[
    int | None,
    typer.Option(
        "--request-tokens",
        min=3000,
        metavar="N",
        help="Most tokens one request may take, prompt and output budget; a bigger one is "
        "split (long articles in parts, claims in groups) [env: FACTCHECK_REQUEST_TOKENS; "
        "default: 3/4 of the model's context window, at most 16000; 8000 when unknown]",
    ),
]


class RefreshStage(StrEnum):
    """Stages whose stored answers ``--refresh`` asks for again."""

    extract = "extract"
    merge = "merge"
    check = "check"
    align = "align"
    all = "all"


RefreshOpt = Annotated[
    list[RefreshStage] | None,
    typer.Option(
        "--refresh",
        help="Ask the model again for this stage's answers, stored or not (repeatable; all: "
        "every stage); the new answers replace the stored ones",
    ),
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

# How a cluster folder is read, shared by every command that reads one.
SkipBadOpt = Annotated[
    bool,
    typer.Option(
        "--skip-bad",
        help="Set aside a file that cannot be read (empty, undecodable, title only) with a "
        "warning and go on with the rest; without it, such a file stops the run (exit 2)",
    ),
]
FollowLinksOpt = Annotated[
    bool,
    typer.Option(
        "--follow-links",
        help="Read links that lead out of the cluster folder (by default they are set aside "
        "with a warning)",
    ),
]


# --- how help reads ------------------------------------------------------------------------

# What an option takes, by the type typer infers for it.
_TAKES = {"path": "PATH", "str": "TEXT", "int": "N", "int range": "N", "float": "X",
          "float range": "X"}  # fmt: skip


def _takes(shown: str | None) -> str:
    """``<int range>`` reads ``N``, ``<path>`` ``PATH``, ``<a|b>`` ``a|b``, ``<bool>`` nothing."""
    inner = re.sub(r"^<(?:list\[)?|\]?>$", "", shown or "")
    if inner == "bool":
        return ""
    return _TAKES.get(inner, inner if "|" in inner else inner.upper())


class _Argument(TyperArgument):
    """An argument shown by its name alone (``CLUSTER_DIR``), never as ``<path>``."""

    def display_type_rich(self, ctx: Any) -> str | None:
        """No type column: the name says what it is."""
        return None


def _tidy(params: list[Any], ctx: Any) -> None:
    for param in params:
        if isinstance(param, TyperArgument):
            param.__class__ = _Argument  # only the help display changes
            if param.metavar is None:
                param.metavar = param.name.upper() + ("..." if param.nargs != 1 else "")
        elif param.metavar is None:
            param.metavar = _takes(TyperArgument.display_type(param, ctx))


class Command(TyperCommand):
    """A command whose usage line and option list read as a well-kept CLI's do."""

    def get_params(self, ctx: Any) -> list[Any]:
        """The parameters, each set to show what it takes."""
        params = super().get_params(ctx)
        _tidy(params, ctx)
        return params

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """``[OPTIONS] CLUSTER_DIR``: arguments by name, optional ones in brackets."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                pieces.append(param.metavar if param.required else f"[{param.metavar}]")
        return pieces


class Group(TyperGroup):
    """A command group whose own options (``--help``, ``--version``) show no type."""

    def get_params(self, ctx: Any) -> list[Any]:
        """The group's own parameters, flags without a type."""
        params = super().get_params(ctx)
        _tidy(params, ctx)
        return params


def help_when_bare(ctx: typer.Context) -> None:
    """A command group called with no command prints its help, as a request for it."""
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit()
