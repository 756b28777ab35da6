"""One small exception hierarchy; the CLI turns these into one-line messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class FactcheckError(Exception):
    """Base of every error factcheck raises on purpose.

    ``exit_code`` is what the CLI exits with; the message is one line a user can act on.
    """

    exit_code = 1


class InputError(FactcheckError):
    """The cluster folder or one of its files cannot be used."""

    exit_code = 2


class ConfigError(FactcheckError):
    """No model is configured, or the configuration is inconsistent."""

    exit_code = 2


class StoreError(ConfigError):
    """The response store cannot be used: not a store, damaged, or made by a newer factcheck."""


class ModelCallError(FactcheckError):
    """The endpoint refused or kept failing a request; the run cannot go on."""

    exit_code = 1


class ContextLengthExceeded(ModelCallError):
    """The endpoint refused a request as longer than the model's context window (HTTP 400).

    Not the end of a run: the stage that sent it marks what it asked for as unresolved (a
    check) or failed (an extraction), and the rest of the cluster goes on. ``limit`` is the
    window the endpoint named, when it named one.
    """

    def __init__(self, message: str, limit: int | None = None) -> None:
        super().__init__(message)
        self.limit = limit


class AnswerError(FactcheckError):
    """One answer stayed unusable after re-asks (invalid, malformed or truncated).

    Stages catch this and degrade: a check becomes *unresolved* cells, an extraction a warning.
    ``raw`` holds the last answer text, when there was one, so a stage can salvage what is valid.
    """

    def __init__(self, reason: str, raw: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.raw = raw


@dataclass(frozen=True)
class MissedRequest:
    """A request the response store could not answer while offline: what a Batch line needs.

    It lives here, beside ``MissingAnswers`` which carries it, so that the errors import
    nothing of the layers that raise them.
    """

    key: str
    endpoint: str
    stage: str | None
    body: dict[str, Any]


class MissingAnswers(FactcheckError):
    """An offline run needs answers the response store does not hold.

    ``requests`` are the missing requests of the first stage that lacks any (later stages
    depend on those answers, so what they need is not known yet): what a Batch file carries.
    """

    exit_code = 2

    def __init__(self, stage: str, requests: list[MissedRequest]) -> None:
        self.stage = stage
        self.requests = requests
        n = len(requests)
        super().__init__(
            f"{n} model answer{'s' if n != 1 else ''} for the {stage} stage "
            f"{'are' if n != 1 else 'is'} not in the response store (later stages may need "
            "more): run again with offline=False, or fetch them with `factcheck batch export`"
        )
