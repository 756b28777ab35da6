"""Options that several commands share, defined once (the names and help every command shows)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from factcheck.llm.config import MODES

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
