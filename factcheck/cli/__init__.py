"""The ``factcheck`` command."""

from factcheck.cli.root import app, main

__all__ = ["app", "main"]
