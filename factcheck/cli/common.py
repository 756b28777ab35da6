"""What every command does alike: open the model gateway, fail in one line, write output.

Errors become one line on stderr and an exit status here, and only here. The model layer is
imported only when a command opens a gateway, so that ``--help`` and the baseline start fast.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from factcheck.errors import ConfigError, FactcheckError

if TYPE_CHECKING:
    from rich.console import Console

    from factcheck.llm.config import ModelConfig
    from factcheck.llm.gateway import LLM
    from factcheck.llm.store import ResponseStore
    from factcheck.models import Cluster
    from factcheck.render.progress import RichProgress


@dataclass
class Gateway:
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
        timeout: float | None = None,
        max_output_tokens: int | None = None,
        refresh: Sequence[str] = (),
        dry_run: bool = False,
        request_tokens: int | None = None,
    ) -> LLM:
        """Resolve the config (flags, then the environment) and open a gateway on the store.

        ``offline`` answers from the store alone; ``dry_run`` does too, but counts what
        ``refresh`` would ask again instead of refusing it.
        """
        from factcheck.llm.config import resolve_config
        from factcheck.llm.gateway import LLM
        from factcheck.llm.prices import PriceTable

        if refresh and offline and not dry_run:
            raise ConfigError("--refresh asks the model again, and --offline never does: drop one")
        self.config = resolve_config(
            model=model, base_url=base_url, mode=mode, concurrency=concurrency,
            need_key=not (offline or dry_run), timeout=timeout,
            max_output_tokens=max_output_tokens, request_tokens=request_tokens,
        )  # fmt: skip
        setup_logging(verbose, self.config)
        self.llm = LLM(
            self.config,
            store=open_store(store),
            offline=offline or dry_run,
            prices=PriceTable.load(prices),
            refresh=refresh,
        )
        return self.llm


def warn(message: str) -> None:
    """Say something the user must know now, in one line on stderr, and go on."""
    from factcheck.llm.config import redact

    typer.echo(f"factcheck: warning: {redact(message)}", err=True)


def open_store(path: Path | None) -> ResponseStore:
    """The response store at ``path`` (default: the user's).

    When it cannot be written (read-only, a full disk), that is said at once on stderr.
    """
    from factcheck.llm.store import ResponseStore, default_store_path

    return ResponseStore(path or default_store_path(), notify=warn)


# Exit statuses: 1 the model endpoint failed (or an eval threshold was missed), 2 bad input,
# configuration or missing stored answers, 3 a report was written but is incomplete.
EXIT_INCOMPLETE = 3


def load(folder: Path, *, skip_bad: bool = False, follow_links: bool = False) -> Cluster:
    """Load a cluster folder, saying on stderr, one line each, what was set aside or guessed."""
    from factcheck.stages.load import load_cluster

    cluster = load_cluster(folder, skip_bad=skip_bad, follow_links=follow_links)
    for warning in cluster.warnings:
        say_warning(warning)
    return cluster.model_copy(update={"warnings": [as_flags(w) for w in cluster.warnings]})


def say_warning(warning: str) -> None:
    """A warning of the Python API (loading, say) on stderr, in the CLI's words: flags."""
    typer.echo(f"factcheck: warning: {as_flags(warning)}", err=True)


# The Python API's errors name its arguments; on the command line the same advice names flags.
_FLAGS = {
    "with offline=False": "without --offline",
    "model=...": "--model",
    "base_url=...": "--base-url",
    "follow_links=True": "--follow-links",
    "skip_bad=True": "--skip-bad",
    "timeout=...": "--timeout",
    "request_tokens=...": "--request-tokens",
    "store=...": "--store",
    "max_output_tokens=...": "--max-output-tokens",
}
# An output mode named as a value: mode="json_schema" is --output-mode json_schema.
_MODE_VALUE = re.compile(r'\bmode="(\w+)"')


def as_flags(message: str) -> str:
    """``message`` with the API's argument spellings turned into the CLI's flags."""
    for argument, flag in _FLAGS.items():
        message = message.replace(argument, flag)
    return _MODE_VALUE.sub(r"--output-mode \1", message)


@contextmanager
def one_line_errors(gateway: Gateway | None = None) -> Iterator[None]:
    """Every failure a user can cause ends as one line and an exit status, never a traceback."""
    try:
        yield
    except FactcheckError as exc:
        from factcheck.llm.config import redact

        fail(as_flags(redact(str(exc), gateway.config if gateway else None)), exc.exit_code)
    except KeyboardInterrupt:
        # Only a run that asked a model has answers to keep; the baseline has none.
        kept = gateway is not None and gateway.llm is not None
        fail("interrupted" + (" (answers received so far are kept in the response store)"
                              if kept else ""), 130)  # fmt: skip


@contextmanager
def live_progress(quiet: bool) -> Iterator[RichProgress | None]:
    """Live progress on stderr, only for a person watching a terminal."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from factcheck.render.progress import RichProgress

    with RichProgress() as progress:
        yield progress


def write(out: Path | None, text: Callable[[], str], what: str = "the output") -> None:
    """Write ``text()`` to ``out`` and say so on stderr, or write it to stdout."""
    if out is None:
        sys.stdout.write(text())
        return
    try:
        out.write_text(text(), encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}", 2)
    wrote(out, what)


# The width of a terminal report written to a file.
FILE_WIDTH = 120


def write_terminal(
    out: Path | None, render: Callable[[Console], None], what: str = "the report"
) -> None:
    """Render to the terminal, or as plain text (no colour, 120 columns) into ``out``."""
    from rich.console import Console

    if out is None:
        render(Console())
        return
    try:
        with out.open("w", encoding="utf-8") as handle:
            render(Console(file=handle, width=FILE_WIDTH, no_color=True))
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}", 2)
    wrote(out, what)


def wrote(out: Path, what: str) -> None:
    """Say on stderr what went into ``out``: with --out, stdout stays empty."""
    size = out.stat().st_size
    amount = f"{size / 1024:.0f} KB" if size >= 10 * 1024 else f"{size} bytes"
    typer.echo(f"factcheck: wrote {what} to {out} ({amount})", err=True)


def fail(message: str, code: int) -> None:
    """End the command with one line on stderr and ``code``."""
    typer.echo(f"factcheck: error: {message}", err=True)
    raise typer.Exit(code)


class _RedactingFilter(logging.Filter):
    """Keys must never reach a log line, even when a server echoes one in an error."""

    def __init__(self, config: ModelConfig | None) -> None:
        super().__init__()
        self.config = config

    def filter(self, record: logging.LogRecord) -> bool:
        from factcheck.llm.config import redact

        record.msg = redact(record.getMessage(), self.config)
        record.args = ()
        return True


def setup_logging(verbose: bool, config: ModelConfig | None = None) -> None:
    """Log to stderr, every line redacted: retries and re-asks with ``verbose``, else errors."""
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
