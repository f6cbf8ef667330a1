"""What the CLI shows while and before it runs: progress, and the plan of a grid."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from runner.execute import Job
from runner.grid import Cell
from runner.pipeline import Progress
from runner.records import RunRecord, Status
from runner.schema import Experiment

if TYPE_CHECKING:
    from rich.table import Table


def progress_for_terminal(stream: TextIO | None = None) -> Progress:
    """A progress bar on a terminal, plain lines otherwise (logs, CI, pipes)."""
    stream = stream or sys.stderr
    return BarProgress(stream) if stream.isatty() else LineProgress(stream)


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

    def start(self, total: int, run_dir: Path) -> None:
        self.total = total
        print(f"running {total} timed runs into {run_dir}", file=self.stream, flush=True)

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

    def start(self, total: int, run_dir: Path) -> None:
        self.bar.console.print(f"running {total} timed runs into {run_dir}", markup=False)
        self.bar.update(self.task, total=total)
        self.bar.start()

    def advance(self, job: Job, record: RunRecord) -> None:
        if record.status != Status.OK:
            self.bar.console.print(_describe(job, record), markup=False)
        self.bar.update(self.task, advance=1, description=_describe(job, record))

    def finish(self) -> None:
        self.bar.stop()


def plan_table(experiment: Experiment, cells: list[Cell], jobs: list[Job]
               ) -> tuple[Table, list[str]]:
    """The grid as a rich table (one cell a row), and lines of totals and a time estimate.

    The estimate sums the workloads' ideal times where they are known (waiting
    work), warmups included; CPU work has no estimate until its sync time is
    measured.
    """
    import os

    from rich.table import Table
    from rich.text import Text

    cores = os.cpu_count() or 1
    runs_per_cell: dict[str, int] = {}
    for job in jobs:
        runs_per_cell[job.cell.id] = runs_per_cell.get(job.cell.id, 0) + 1
    total, unknown = 0.0, 0
    warmups = len(jobs) * experiment.warmups
    table = Table()
    table.add_column("cell", no_wrap=True, min_width=max((len(c.id) for c in cells), default=4))
    for name, justify in (("workload", "left"), ("model", "left"), ("pool", "right"),
                          ("runs", "right"), ("ideal/run", "right")):
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for cell in cells:
        ideal = cell.workload.ideal_s(cell.params, cell.pool_size, cores, None)
        runs = runs_per_cell[cell.id]
        if ideal is None:
            unknown += 1
        else:
            total += ideal * runs * (1 + experiment.warmups)
        table.add_row(Text(cell.id), cell.workload.name, cell.model, str(cell.pool_size),
                      str(runs), "?" if ideal is None else f"{ideal:.3f} s")
    totals = (f"{experiment.name}: {len(cells)} cells, {len(jobs)} timed runs"
              + (f" (+ {warmups} warmups)" if warmups else "")
              + f", order {experiment.order}, isolation {experiment.isolation}")
    estimate = f"estimated time: at least {total:.1f} s from ideal times"
    if unknown:
        estimate += f"; {unknown} cells have no estimate (CPU work needs a measured sync time)"
    return table, [totals, estimate]
