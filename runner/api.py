"""The Python API, for notebooks: run an experiment or load a run as DataFrames.

    >>> import runner
    >>> run = runner.run("experiments/quick.yaml")
    >>> run.summary.sort_values("wall_median_s").head()
    >>> again = runner.load("results/quick/latest")
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from runner.errors import RunDirWarning
from runner.results import readers
from runner.results import rundir as results
from runner.results.metadata import RunMetadata
from runner.results.rows import TASK_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

    from runner.execution.pipeline import Progress
    from runner.plan.schedule import Job
    from runner.results.rows import RunRecord

#: ``on_run(done, total, record)``: called after each timed run.
OnRun = Callable[[int, int, "RunRecord"], None]


@dataclass(frozen=True)
class Run:
    """One run directory's data."""

    run_dir: Path
    runs: pd.DataFrame  # runs.csv: one row per (cell, repetition)
    summary: pd.DataFrame  # summary.csv: one row per cell
    metadata: RunMetadata  # metadata.json
    tasks: pd.DataFrame  # tasks.csv: one row per task, where task latencies were recorded


def run(path: str | Path, *, out: str | Path | None = None, repetitions: int | None = None,
        only: dict[str, list[str]] | None = None, inline: bool = False,
        progress: bool | OnRun = True) -> Run:
    """Run an experiment file as ``runexp run`` does and return its data.

    ``progress``: True shows one line per finished run on standard error (a bar
    on a terminal), as the command does; False shows nothing; a function
    ``on_run(done, total, record)`` is called after each run instead.
    """
    from runner.execution.pipeline import RunOptions
    from runner.execution.pipeline import run as run_pipeline

    outcome = run_pipeline(Path(path), RunOptions(
        out=Path(out) if out is not None else None, repetitions=repetitions,
        only=only or {}, inline=inline), _progress(progress))
    return load(outcome.run_dir)


def _progress(progress: bool | OnRun) -> Progress:
    from runner.execution.pipeline import Progress

    if progress is True:
        from runner.cli.display import progress_for_terminal

        return progress_for_terminal(sys.stderr)
    if progress is False:
        return Progress()
    on_run = progress

    class CallbackProgress(Progress):
        """Adapts a plain function to the pipeline's progress hooks."""

        total = done = 0

        def start(self, total: int, run_dir: Path, adaptive: bool = False) -> None:
            self.total = total

        def advance(self, job: Job, record: RunRecord) -> None:
            self.done += 1
            on_run(self.done, self.total, record)

    return CallbackProgress()


def load(run_dir: str | Path) -> Run:
    """Read a run directory (``results/<name>/latest`` works too).

    Every file is checked as ``runexp report`` checks it (a ResultsError names the
    file and line); experiment.yaml, which load does not read, and a summary.csv
    not written yet are only worth a RunDirWarning.
    """
    import pandas as pd

    from runner.report.summary import COUNT_COLUMNS, STAT_COLUMNS, TEXT_COLUMNS

    directory = Path(run_dir).resolve()
    data = readers.read_run_dir(directory, STAT_COLUMNS, counts=COUNT_COLUMNS,
                                texts=TEXT_COLUMNS)
    found = list(data.problems)
    if data.summary is None:
        found.append(f"{directory / results.SUMMARY}: missing; `runexp report {directory}` "
                     "rebuilds it")
    for problem in found:
        warnings.warn(problem, RunDirWarning, stacklevel=2)
    return Run(
        run_dir=directory,
        runs=data.runs,
        summary=data.summary if data.summary is not None else pd.DataFrame(),
        metadata=data.metadata,
        tasks=data.tasks if data.tasks is not None else _no_tasks(),
    )


def _no_tasks() -> pd.DataFrame:
    """tasks.csv's columns with no rows, typed as a run with task records reads them."""
    import pandas as pd

    integers = ("pool_size", "repetition", "task")
    floats = ("start_s", "latency_s")
    return pd.DataFrame({name: pd.Series(dtype="int64" if name in integers else
                                         "float64" if name in floats else "object")
                         for name in TASK_COLUMNS})
