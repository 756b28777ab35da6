"""The command line's own behaviour: one-line errors and exit codes, what --out says, --all."""

import re

import pytest
from typer.testing import CliRunner

from factcheck.cli import app, main
from factcheck.render.digest import FIRST_FEW
from tests.conftest import EXAMPLE_CLUSTER


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", str(EXAMPLE_CLUSTER), "--format", "pdf"], "'pdf' is not one of"),
        (["report"], "Missing argument"),
        (["report", str(EXAMPLE_CLUSTER), "--concurrency", "0"], "--concurrency"),
        (["nonsense"], "No such command"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("factcheck: error:") and message in err[0]


def test_help_exits_0(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["report", "--help"])
    assert exited.value.code == 0
    assert "--base-url" in capsys.readouterr().out


def test_eval_with_backend_llm_and_no_model_exits_2_with_the_hint(capsys):
    gold = EXAMPLE_CLUSTER.parents[1] / "eval/gold/riverside-bridge.yaml"
    with pytest.raises(SystemExit) as exited:
        main(["eval", str(EXAMPLE_CLUSTER), "--gold", str(gold), "--backend", "llm"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "no model configured" in err and "FACTCHECK_MODEL" in err


def test_log_lines_never_carry_the_key(capsys):
    import logging

    from factcheck.cli.common import setup_logging
    from factcheck.llm.config import ModelConfig

    config = ModelConfig(model="m", api_key="supersecretvalue123")
    setup_logging(verbose=True, config=config)
    try:
        logging.getLogger("instructor").error(
            "failed: key supersecretvalue123, sk-abcdefghijklmnop"
        )
        err = capsys.readouterr().err
        assert "failed: key [redacted], [redacted]" in err
        assert "supersecretvalue123" not in err and "sk-abcdefghijklmnop" not in err
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if h.get_name() == "factcheck"]:
            root.removeHandler(handler)


def test_version(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("factcheck 0.")


@pytest.mark.parametrize(
    ("format", "what"),
    [
        ("terminal", "the plain-text report (120 columns)"),
        ("markdown", "the Markdown report"),
        ("html", "the HTML report"),
        ("json", "the JSON report"),
    ],
)
def test_out_writes_the_report_and_says_so_on_stderr(tmp_path, format, what):
    out = tmp_path / f"report.{format}"
    argv = ["report", str(EXAMPLE_CLUSTER), "--format", format, "--out", str(out)]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"factcheck: wrote {what} to {out} (")
    assert out.stat().st_size > 1000


def _single_source(stdout: str) -> tuple[int, list[str]]:
    """The count the single-source title gives, and the lines listed under it."""
    lines = stdout.splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("Single-source: "))
    listed = lines[at + 1 : lines.index("", at)]
    return int(lines[at].split()[1]), [line for line in listed if re.match(r"c\d+ ", line)]


def test_all_lists_every_single_source_claim_and_the_default_the_first_few():
    env = {"COLUMNS": "400"}  # one claim per line
    default = CliRunner().invoke(app, ["report", str(EXAMPLE_CLUSTER)], env=env)
    count, shown = _single_source(default.stdout)
    assert count > FIRST_FEW and len(shown) == FIRST_FEW
    every = CliRunner().invoke(app, ["report", str(EXAMPLE_CLUSTER), "--all"], env=env)
    assert _single_source(every.stdout)[0] == count
    assert len(_single_source(every.stdout)[1]) == count
