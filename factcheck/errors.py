"""One small exception hierarchy; the CLI turns these into one-line messages and exit codes."""


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


class ModelCallError(FactcheckError):
    """The endpoint refused or kept failing a request; the run cannot go on."""

    exit_code = 1


class AnswerError(FactcheckError):
    """One answer stayed unusable after re-asks (invalid, malformed or truncated).

    Stages catch this and degrade: a check becomes *unresolved* cells, an extraction a warning.
    ``raw`` holds the last answer text, when there was one, so a stage can salvage what is valid.
    """

    def __init__(self, reason: str, raw: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.raw = raw
