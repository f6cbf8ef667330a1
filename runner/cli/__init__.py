"""The command line: typer commands and progress display, the one place errors become
exit codes."""

from runner.cli.app import app, main

__all__ = ["app", "main"]
