"""The ``factcheck`` command: a thin shell over the Python API.

``root`` registers the commands; ``report``, ``evaluate``, ``batch`` and ``store`` hold one
command group each; ``options`` defines the options they share, once; ``common`` opens the
model gateway, writes output and turns every error into one line and an exit status.
"""

from factcheck.cli.root import app, main

__all__ = ["app", "main"]
