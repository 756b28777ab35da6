"""Live progress of a run on a terminal: a ``ProgressListener`` (see ``factcheck.pipeline``).

The pipeline knows nothing of terminals: it calls the listener it is given. The CLI passes
``RichProgress`` (a bar per stage with calls and tokens so far, on stderr) when stderr is a
terminal and ``--quiet`` is not given; the Python API passes nothing unless asked.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from factcheck.usage import Usage


class RichProgress:
    """A progress bar per stage, with the run's paid calls, store hits and tokens so far."""

    def __init__(self, console: Console | None = None) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<8}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[spend]}"),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def stage_started(self, stage: str, total: int) -> None:
        """Show a bar for ``stage``."""
        self._tasks[stage] = self._progress.add_task(stage, total=total, spend="")

    def call_finished(self, stage: str, usage: Usage) -> None:
        """Advance ``stage``'s bar and show what the run has spent so far."""
        task = self._tasks.get(stage)
        if task is None:
            return
        spend = (
            f"{usage.calls} calls, {usage.store_hits} stored, "
            f"{usage.input_tokens}+{usage.output_tokens} tokens"
        )
        self._progress.update(task, advance=1, spend=spend)
