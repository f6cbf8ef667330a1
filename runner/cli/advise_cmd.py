"""`runexp advise`'s work on the command line: what it searches (a file, or
MODULE:FUNCTION built into one), its progress lines, and the answer it prints."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from runner.advise.session import AdviseProgress, progress_line
from runner.errors import AdviseError

if TYPE_CHECKING:
    from runner.advise.session import AdviseOutcome
    from runner.advise.trial import Trial
    from runner.config.loader import ExperimentFile


class ProgressLines(AdviseProgress):
    """A line on stderr per configuration measured."""

    def trial(self, group: str, trial: Trial, leader: Trial | None, used_s: float,
              budget_s: float) -> None:
        typer.echo(progress_line(group, trial, leader, used_s, budget_s), err=True)


def source_for(what: str, *, async_target: str | None, setup: str | None, tasks: int | None,
               args: str | None) -> ExperimentFile:
    """The experiment advise searches: the file ``what`` names, or a callable workload
    built from MODULE:FUNCTION and the options that only that form takes."""
    from runner.advise.target import callable_source, names_function, not_found, parse_args
    from runner.config.loader import load

    if not names_function(what):
        if (missing := not_found(what)) is not None:
            raise missing
        given = [name for name, value in (("--async", async_target), ("--setup", setup),
                                          ("--tasks", tasks), ("--args", args)) if value]
        if given:
            raise AdviseError(f"{given[0]} applies only to the MODULE:FUNCTION form")
        return load(Path(what))
    if tasks is not None and not 1 <= tasks <= 1_000_000:
        raise AdviseError(f"--tasks {tasks}: must be from 1 to 1,000,000")
    return callable_source(what, async_target=async_target, setup=setup, tasks=tasks,
                           args=parse_args(args))


def answer_lines(outcome: AdviseOutcome) -> list[str]:
    """Per parameter set its answer and reason, then each distinct failure once, with
    where in the user's code it happened."""
    from runner.report.tracebacks import distinct, terminal_lines
    from runner.results.failures import ERRORS

    lines = []
    for item in outcome.advice.advice:
        pool = (f" with {item.pool_size} worker{'s' if item.pool_size != 1 else ''}"
                if item.model not in (None, "sync") else "")
        params = ", ".join(f"{key}={value}" for key, value in item.params.items())
        lines.append(f"{item.workload}[{params}]: {item.model or 'no answer'}{pool}")
        lines.append(textwrap.fill(item.reason, 88, initial_indent="  ",
                                   subsequent_indent="  "))
    return lines + terminal_lines(distinct(outcome.failures), str(outcome.run_dir / ERRORS),
                                  Path.cwd())
