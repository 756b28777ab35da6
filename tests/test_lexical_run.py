"""The baseline as a run: its progress moves, Ctrl-C stops it at once, and it takes linear time.

The long articles are the bundled fictional examples repeated.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from factcheck import acheck_cluster, check_cluster, load_cluster
from factcheck.models import Usage
from tests.conftest import EXAMPLE_CLUSTER, ROOT


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, int]] = []
        self.threads: set[int] = set()

    def stage_started(self, stage: str, total: int) -> None:
        self.events.append(("start", stage, total))
        self.threads.add(threading.get_ident())

    def call_finished(self, stage: str, usage: Usage) -> None:
        self.events.append(("done", stage, 0))
        self.threads.add(threading.get_ident())


def _long_cluster(folder: Path, size: int) -> Path:
    """riverside-bridge with its first article repeated to ``size`` characters."""
    folder.mkdir()
    for path in EXAMPLE_CLUSTER.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    first = folder / "001_valley_courier.txt"
    title, body = first.read_text(encoding="utf-8").split("\n", 1)
    first.write_text(title + "\n" + body * (size // len(body) + 1), encoding="utf-8")
    return folder


def test_the_baselines_progress_moves_on_the_callers_thread():
    recorder = Recorder()
    report = check_cluster(EXAMPLE_CLUSTER, backend="lexical", progress=recorder)
    starts = [(stage, total) for kind, stage, total in recorder.events if kind == "start"]
    (_, extracted) = starts[1]  # merge counts the claims before merging, check those after
    assert starts == [("extract", 4), ("merge", extracted), ("check", len(report.claims))]
    assert extracted >= len(report.claims)
    done = [stage for kind, stage, _ in recorder.events if kind == "done"]
    assert done == ["extract"] * 4 + ["merge"] * extracted + ["check"] * len(report.claims)
    # Listeners are called on the event loop's thread, never from the worker.
    assert recorder.threads == {threading.get_ident()}


def test_a_cancelled_baseline_run_stops_its_thread(tmp_path):
    cluster = load_cluster(_long_cluster(tmp_path / "long", 400_000))
    before = threading.active_count()

    async def run_and_cancel() -> None:
        task = asyncio.create_task(acheck_cluster(cluster, backend="lexical"))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    started = time.perf_counter()
    asyncio.run(run_and_cancel())
    assert time.perf_counter() - started < 3
    deadline = time.perf_counter() + 3
    while threading.active_count() > before and time.perf_counter() < deadline:
        time.sleep(0.05)
    assert threading.active_count() == before


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
def test_ctrl_c_stops_a_baseline_report_at_once_without_talking_of_a_store(tmp_path):
    folder = _long_cluster(tmp_path / "long", 2_000_000)
    command = [sys.executable, "-c", "from factcheck.cli import main; main()", "report",
               str(folder), "--format", "json", "--quiet"]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        time.sleep(2.5)
        assert process.poll() is None, "the run ended before it could be interrupted"
        interrupted = time.perf_counter()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert time.perf_counter() - interrupted < 3, "Ctrl-C waited for the baseline to finish"
    assert process.returncode == 130
    assert stderr.strip().splitlines()[-1] == "factcheck: error: interrupted"
    assert "store" not in stderr


def test_the_baseline_takes_near_linear_time_in_an_articles_length(tmp_path):
    """Eight times the text takes about eight times as long (a quadratic run: 64 times).

    400 KB took 23 s before the baseline was made linear and takes about 2.5 s now; the bound
    leaves a slow machine four times the room.
    """
    seconds = []
    for size in (50_000, 400_000):
        cluster = load_cluster(_long_cluster(tmp_path / f"long-{size}", size))
        started = time.perf_counter()
        check_cluster(cluster, backend="lexical")
        seconds.append(time.perf_counter() - started)
    assert seconds[1] < 20 * seconds[0], seconds
    assert seconds[1] < 12, seconds
