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


def test_missing_model_exits_2_through_main(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["report", str(EXAMPLE_CLUSTER)])
    assert exited.value.code == 2
    assert "no model configured" in capsys.readouterr().err
