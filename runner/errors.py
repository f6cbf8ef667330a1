"""The one exception tree of runexp.

Library code raises these and never prints or exits; ``runner.cli.app`` catches
``RunexpError`` once and maps it to an exit code.
"""

from __future__ import annotations

from dataclasses import dataclass


class RunexpError(Exception):
    """Base of every error runexp raises on purpose."""

    exit_code = 1


class UsageError(RunexpError):
    """Invalid input or usage: a bad file, option or argument (exit 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as possible."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"


class ConfigError(UsageError):
    """An experiment file that cannot be read or does not validate."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class GridError(UsageError):
    """A valid file whose grid cannot be run as asked (e.g. --only matched nothing)."""


class ResultsError(UsageError):
    """A results directory that is missing, unreadable or would be overwritten."""


class ClusterError(UsageError):
    """The cluster cannot be used: Dask missing, or no scheduler at the address."""


class ClusterLostError(ClusterError):
    """The Dask scheduler, or the connection to it, was lost mid-run: the cluster failed,
    not the work. Every result that arrived is kept; the runs still out have no row, and
    ``--resume`` finishes them (exit 3)."""

    exit_code = 3


class AdviseError(UsageError):
    """`runexp advise` cannot search as asked: a bad option or MODULE:FUNCTION."""


class WorkloadError(RunexpError):
    """A task produced a wrong result (e.g. an HTTP body of the wrong length)."""


class ServerError(RunexpError):
    """The embedded HTTP test server could not be started."""


class ForkServerError(RunexpError):
    """A fork server could not start, or died; never reaches the command line: runs then
    start a fresh interpreter each, or the run it served is an error row."""


class WriteError(RunexpError):
    """A file of the run directory could not be written (disk full, file too large, I/O
    error): the run stops; what was written before stays (exit 1)."""


class RunDirWarning(UserWarning):
    """A file of a run directory that the command does not need is missing or damaged."""


class ClusterWarning(UserWarning):
    """The cluster measures less faithfully than it could (e.g. two measuring workers on
    one host); told as the run starts, and the report says it too."""


class PluginWarning(UserWarning):
    """An installed plugin that cannot be used: files that name it fail, the rest run."""


class ReportError(RunexpError):
    """The reports were written but are incomplete (e.g. the plots could not be drawn)."""
