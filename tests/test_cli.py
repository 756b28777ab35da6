"""The command line's own behaviour: one-line errors and exit codes."""

import pytest

from factcheck.cli import main
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
