"""The command line as a newcomer meets it: help that reads like any well-kept CLI's, usage
errors in one line, advice in the words of the interface used, and a fast start that never
loads the model stack for help or the baseline."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

import pytest

from factcheck import ConfigError, ResponseStore, StoreError, check_cluster, resolve_config
from factcheck.bulk import export
from factcheck.cli import batch as batch_command
from factcheck.cli import main
from factcheck.cli.common import as_flags
from factcheck.cli.options import OUTPUT_MODES
from factcheck.llm.config import MODES
from tests.conftest import EXAMPLE_CLUSTER, ROOT

HELP_PAGES = [
    [], ["report"], ["eval"], ["batch"], ["batch", "export"], ["batch", "import"],
    ["batch", "submit"], ["batch", "collect"], ["store"], ["store", "stats"],
]  # fmt: skip


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


@pytest.mark.parametrize("command", HELP_PAGES, ids=lambda c: " ".join(c) or "factcheck")
def test_help_shows_no_internal_type_names(capsys, command):
    code, out, err = _run(capsys, *command, "--help")
    assert code == 0 and err == ""
    assert out.startswith(f"Usage: factcheck {' '.join(command)}".replace("  ", " "))
    for internal in ("<bool>", "<str>", "<path>", "<int", "<float", "list[", "{", "}", "\\["):
        assert internal not in out, (internal, out)


def test_help_reads_like_a_cli(capsys):
    _, out, _ = _run(capsys, "report", "--help")
    assert "Usage: factcheck report [OPTIONS] CLUSTER_DIR" in out
    assert "-f, --format terminal|markdown|html|json" in out
    assert "--out PATH" in out and "--concurrency N" in out
    assert "--offline " in out and "[env: FACTCHECK_MODEL]" in out
    assert "--timeout SECONDS" in out and "--refresh extract|merge|check|align|all" in out
    assert "--allow-partial " in out and "--all " in out
    _, out, _ = _run(capsys, "batch", "export", "--help")
    assert "Usage: factcheck batch export [OPTIONS] CLUSTER_DIRS..." in out
    assert "--max-requests N" in out and "--max-bytes N" in out


def test_a_bare_command_prints_its_help_and_no_error(capsys):
    _, out, err = _run(capsys)
    assert out.startswith("Usage: factcheck [OPTIONS] COMMAND [ARGS]...")
    assert "error" not in err


def test_an_unknown_format_is_one_line_listing_the_formats(capsys):
    code, out, err = _run(capsys, "report", str(EXAMPLE_CLUSTER), "--format", "pdf")
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith("factcheck: error: Invalid value for '--format'")
    assert "'terminal', 'markdown', 'html', 'json'" in line and "Value error" not in line


def test_the_python_api_names_arguments_and_the_cli_names_flags(capsys):
    with pytest.raises(ConfigError) as error:
        check_cluster(EXAMPLE_CLUSTER, backend="llm")
    assert "pass model=..." in str(error.value) and "base_url=..." in str(error.value)
    assert "--model" not in str(error.value) and "--base-url" not in str(error.value)
    code, _, err = _run(capsys, "report", str(EXAMPLE_CLUSTER), "--backend", "llm")
    assert code == 2 and "pass --model" in err and "--base-url" in err and "=..." not in err


def test_store_and_timeout_advice_names_arguments_in_python_and_flags_on_the_cli(
    capsys, tmp_path
):
    foreign = tmp_path / "notes.sqlite3"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    with pytest.raises(StoreError) as error:
        ResponseStore(foreign)
    assert "pass another store=..." in str(error.value) and "--store" not in str(error.value)
    code, _, err = _run(capsys, "store", "stats", "--store", str(foreign))
    assert code == 2 and "pass another --store" in err and "=..." not in err
    with pytest.raises(ConfigError) as error:
        resolve_config(model="m", base_url="http://127.0.0.1:9/v1", timeout=0)
    assert str(error.value).startswith("timeout=... must be more than 0 seconds")
    assert as_flags(str(error.value)).startswith("--timeout must be more than 0 seconds")


def test_the_help_lists_every_output_mode():
    assert tuple(MODES) == OUTPUT_MODES


def test_the_batch_options_default_to_the_batch_file_limits():
    assert batch_command.MAX_REQUESTS_PER_FILE == export.MAX_REQUESTS_PER_FILE
    assert batch_command.MAX_BYTES_PER_FILE == export.MAX_BYTES_PER_FILE


def _python(code: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


LOADED = """
import sys
from factcheck.cli import main
from factcheck.cli.common import as_flags
try:
    main(sys.argv[1:])
except SystemExit:
    pass
MODEL_STACK = ("openai", "instructor", "tiktoken", "factcheck.llm.tokens",
               "factcheck.llm.failures", "factcheck.llm.transport", "factcheck.llm.retrying",
               "factcheck.llm.store")
print(sorted(m for m in MODEL_STACK if m in sys.modules), file=sys.stderr)
"""


GOLD = ROOT / "eval" / "gold" / f"{EXAMPLE_CLUSTER.name}.yaml"
RECORDED_RUNS = ROOT / "eval" / "runs" / "subagent-as-model" / "2026-11-29-before"
SAVED_REPORT = RECORDED_RUNS / f"{EXAMPLE_CLUSTER.name}.json"


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["report", "--help"],
        ["report", str(EXAMPLE_CLUSTER), "--format", "json"],
        ["eval", str(EXAMPLE_CLUSTER), "--gold", str(GOLD), "--mode", "end-to-end", "--json"],
        ["eval", "--report", str(SAVED_REPORT), "--gold", str(GOLD), str(EXAMPLE_CLUSTER)],
    ],
    ids=["help", "report-help", "baseline-report", "baseline-eval", "saved-report-eval"],
)
def test_help_and_a_baseline_run_never_import_the_model_stack(argv):
    result = _python(LOADED, *argv)
    assert result.stderr.strip().splitlines()[-1] == "[]", result.stderr


def test_help_starts_in_under_a_quarter_of_a_second():
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        result = _python("from factcheck.cli import main; main()", "--help")
        timings.append(time.perf_counter() - started)
        assert result.returncode == 0
    assert min(timings) < 0.25, timings
