"""What the CLI shows while and before it runs: progress, and the plan of a grid."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from runner.config.experiment import Experiment, Precision
from runner.execution.pipeline import Progress
from runner.plan.grid import Cell
from runner.plan.schedule import Job
from runner.results.rows import RunRecord, Status

if TYPE_CHECKING:
    from rich.table import Table


def progress_for_terminal(stream: TextIO | None = None) -> Progress:
    """A progress bar on a terminal, plain lines otherwise (logs, CI, pipes)."""
    stream = stream or sys.stderr
    return BarProgress(stream) if stream.isatty() else LineProgress(stream)


def _starting(total: int, run_dir: Path, adaptive: bool) -> str:
    more = ", then rounds until each cell is precise" if adaptive else ""
    return f"running {plural(total, 'timed run')}{more} into {run_dir}"


def _round(number: int, cells: int) -> str:
    return f"round {number}: {plural(cells, 'cell')} not yet precise"


def _describe(job: Job, record: RunRecord) -> str:
    what = f"{job.cell.id} rep {job.repetition}"
    if record.status == Status.OK:
        return f"{what}: {record.wall_s:.3f} s"
    return f"{what}: {record.status} ({record.error})"


class LineProgress(Progress):
    """One line per run: ``[  3/60] fib/threads/p2 rep 1: 1.234 s``."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.total = self.done = 0

    def start(self, total: int, run_dir: Path, adaptive: bool = False) -> None:
        self.total = total
        print(_starting(total, run_dir, adaptive), file=self.stream, flush=True)

    def round(self, number: int, cells: int, runs: int) -> None:
        self.total = self.done + runs
        print(_round(number, cells), file=self.stream, flush=True)

    def note(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def advance(self, job: Job, record: RunRecord) -> None:
        self.done += 1
        width = len(str(self.total))
        print(f"[{self.done:>{width}}/{self.total}] {_describe(job, record)}", file=self.stream,
              flush=True)


class BarProgress(Progress):
    """A rich progress bar with the last finished run beside it."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        self.bar = RichProgress(
            BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
            # markup=False: cell ids such as http[latency_ms=20] are not rich markup
            TextColumn("{task.description}", markup=False), console=Console(file=stream),
            transient=False,
        )
        self.task = self.bar.add_task("", total=0)

    def start(self, total: int, run_dir: Path, adaptive: bool = False) -> None:
        self.bar.console.print(_starting(total, run_dir, adaptive), markup=False)
        self.bar.update(self.task, total=total)
        self.bar.start()

    def note(self, text: str) -> None:
        self.bar.console.print(text, markup=False)

    def round(self, number: int, cells: int, runs: int) -> None:
        self.bar.console.print(_round(number, cells), markup=False)
        done = self.bar.tasks[0].completed
        self.bar.update(self.task, total=done + runs)

    def advance(self, job: Job, record: RunRecord) -> None:
        if record.status != Status.OK:
            self.bar.console.print(_describe(job, record), markup=False)
        self.bar.update(self.task, advance=1, description=_describe(job, record))

    def finish(self) -> None:
        self.bar.stop()


def plural(count: int, noun: str) -> str:
    """``1 cell``, ``2 cells``."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class _Plan:
    """What the plan's table and its JSON both say: each cell's ideal time and the totals."""

    ideals: list[float | None]  # per cell, in order; None: no estimate (CPU work)
    fewest: int  # runs per cell
    most: int
    estimate_s: float  # at least: the known ideals' sum, times runs, warmups included
    unknown: int  # cells without an estimate


def _plan(experiment: Experiment, cells: list[Cell], repetitions: int | Precision) -> _Plan:
    import os

    cores = os.cpu_count() or 1
    fewest, most = ((repetitions, repetitions) if isinstance(repetitions, int)
                    else (repetitions.min, repetitions.max))
    ideals = [cell.workload.ideal_s(cell.params, cell.pool_size, cores, None) for cell in cells]
    known = [ideal for ideal in ideals if ideal is not None]
    return _Plan(ideals, fewest, most, sum(known) * fewest * (1 + experiment.warmups),
                 len(ideals) - len(known))


def plan_table(experiment: Experiment, cells: list[Cell], repetitions: int | Precision,
               plain: bool = False) -> tuple[Table | str, list[str]]:
    """The grid as a rich table (one cell a row), and lines of totals and a time estimate.

    ``plain`` gives the rows as plain text lines instead, for very large grids.

    The estimate sums the workloads' ideal times where they are known (waiting
    work), warmups included; CPU work has no estimate until its sync time is
    measured. Adaptive repetitions give ranges: from ``min`` to ``max`` runs per cell.
    """
    from rich.table import Table
    from rich.text import Text

    plan = _plan(experiment, cells, repetitions)
    fewest, most = plan.fewest, plan.most
    timed = len(cells) * fewest
    warmups = timed * experiment.warmups
    runs = str(fewest) if fewest == most else f"{fewest}-{most}"
    headers = ("cell", "workload", "model", "pool", "runs", "ideal/run")
    rows = [(cell.id, cell.workload.name, cell.model, str(cell.pool_size), runs,
             "?" if ideal is None else f"{ideal:.3f} s")
            for cell, ideal in zip(cells, plan.ideals, strict=True)]
    table: Table | str
    if plain:
        table = "".join("  ".join(row) + "\n" for row in [headers, *rows])
    else:
        table = Table()
        table.add_column("cell", no_wrap=True, min_width=max(len(c.id) for c in cells))
        for name in headers[1:]:
            table.add_column(name, no_wrap=True,
                             justify="right" if name in ("pool", "runs", "ideal/run") else "left")
        for row in rows:
            table.add_row(Text(row[0]), *row[1:])
    count = plural(timed, "timed run")
    if isinstance(repetitions, Precision):
        count = (f"{timed:,} to {len(cells) * most:,} timed runs (until each cell's 95% CI is "
                 f"within ±{repetitions.precision:.0%} of its median)")
    totals = (f"{experiment.name}: {plural(len(cells), 'cell')}, {count}"
              + (f" (+ {warmups} warmups)" if warmups else "")
              + f", order {experiment.order}, isolation {experiment.isolation}")
    estimate = f"estimated time: at least {plan.estimate_s:.1f} s from ideal times"
    if plan.unknown:
        estimate += (f"; {plural(plan.unknown, 'cell')} "
                     f"{'has' if plan.unknown == 1 else 'have'} no "
                     "estimate (CPU work needs a measured sync time)")
    return table, [totals, estimate]


def plan_json(experiment: Experiment, cells: list[Cell], repetitions: int | Precision
              ) -> dict[str, Any]:
    """The plan as data for scripts: the table's fields per cell and its totals."""
    plan = _plan(experiment, cells, repetitions)
    rows = [{"cell": cell.id, "workload": cell.workload.name, "params": dict(cell.params),
             "model": cell.model, "pool_size": cell.pool_size, "python": cell.python,
             "runs_min": plan.fewest, "runs_max": plan.most, "ideal_s": ideal}
            for cell, ideal in zip(cells, plan.ideals, strict=True)]
    return {"experiment": experiment.name, "cells": rows, "cell_count": len(cells),
            "timed_runs_min": len(cells) * plan.fewest, "timed_runs_max": len(cells) * plan.most,
            "warmups_per_run": experiment.warmups, "order": experiment.order,
            "isolation": experiment.isolation, "estimate_s_at_least": plan.estimate_s,
            "cells_without_estimate": plan.unknown}
