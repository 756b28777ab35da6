"""Live progress: what the pipeline reports, and how the CLI shows it (or stays quiet)."""

import io

from rich.console import Console

from factcheck import check_cluster
from factcheck.cli.common import live_progress
from factcheck.llm.store import ResponseStore
from factcheck.models import Usage
from factcheck.render.progress import RichProgress
from tests.conftest import EXAMPLE_CLUSTER, in_process_stub_llm


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, int]] = []

    def stage_started(self, stage: str, total: int) -> None:
        self.events.append(("start", stage, total))

    def call_finished(self, stage: str, usage: Usage) -> None:
        self.events.append(("done", stage, usage.calls + usage.store_hits))


def test_pipeline_reports_each_stage_and_every_finished_call(tmp_path):
    recorder = Recorder()
    llm = in_process_stub_llm(ResponseStore(tmp_path / "s.sqlite3"))
    check_cluster(EXAMPLE_CLUSTER, llm=llm, progress=recorder)
    starts = [(stage, total) for kind, stage, total in recorder.events if kind == "start"]
    assert starts == [("extract", 4), ("merge", 1), ("check", 4)]
    done = [(stage, n) for kind, stage, n in recorder.events if kind == "done"]
    assert [stage for stage, _ in done] == ["extract"] * 4 + ["merge"] + ["check"] * 4
    assert done[-1][1] == 9  # the ledger so far travels with each event


def test_rich_progress_shows_counts_and_spend():
    out = io.StringIO()
    with RichProgress(Console(file=out, force_terminal=True, width=120)) as progress:
        progress.stage_started("check", 2)
        usage = Usage()
        usage.add("check", 100, 20)
        progress.call_finished("check", usage)
        progress.call_finished("check", usage)
    text = out.getvalue()
    assert "2/2" in text and "1 calls, 0 stored, 100+20 tokens" in text


def test_cli_progress_only_for_a_terminal_and_never_with_quiet(monkeypatch):
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    with live_progress(quiet=False) as progress:
        assert progress is None
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    with live_progress(quiet=True) as progress:
        assert progress is None
    with live_progress(quiet=False) as progress:
        assert isinstance(progress, RichProgress)
