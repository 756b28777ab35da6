"""``factcheck doctor``: can the configured model run factcheck? The exit status says it too."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from factcheck.cli.common import as_flags, one_line_errors, setup_logging
from factcheck.cli.options import (
    BaseUrlOpt,
    MaxOutputTokensOpt,
    ModelOpt,
    OutputModeOpt,
    TimeoutOpt,
    VerboseOpt,
)

if TYPE_CHECKING:
    from factcheck.doctor import Checkup


def doctor(
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    output_mode: OutputModeOpt = None,
    timeout: TimeoutOpt = None,
    max_output_tokens: MaxOutputTokensOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Check the configured endpoint and model: reachable, which output mode works, speed.

    Sends one tiny request per output mode and one per stage (never through the response
    store) and ends with a verdict. Exit status: 0 ready; 3 it runs, but its answers failed
    factcheck's checks (dropped claims and unresolved cells to expect); 1 it cannot run
    (unreachable, the key refused, no output mode works, a stage's request refused);
    2 nothing configured. It checks formats, never accuracy.
    """
    # Imported here, not above: `factcheck --help` must not pay for the model stack.
    from factcheck.doctor import checkup, render_checkup
    from factcheck.llm.config import redact, resolve_config

    with one_line_errors():
        config = resolve_config(model=model, base_url=base_url, mode=output_mode,
                                timeout=timeout, max_output_tokens=max_output_tokens)  # fmt: skip
        setup_logging(verbose, config)
        found = _with_flags(checkup(config))
    if as_json:
        document = found.model_dump() | {"exit_code": found.exit_code}
        typer.echo(redact(json.dumps(document, indent=2), config))
    else:
        typer.echo(redact(render_checkup(found), config), nl=False)
    if found.exit_code:
        raise typer.Exit(found.exit_code)


def _with_flags(found: Checkup) -> Checkup:
    """The findings with the API's advice (``mode="json_schema"``) in flags, as elsewhere."""
    return found.model_copy(
        update={
            "summary": as_flags(found.summary),
            "notes": [as_flags(note) for note in found.notes],
            "modes": [m.model_copy(update={"detail": as_flags(m.detail)}) for m in found.modes],
            "stages": [
                s.model_copy(update={"detail": as_flags(s.detail)}) for s in found.stages
            ],
        }
    )
