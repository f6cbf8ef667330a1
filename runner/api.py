"""The Python API, for notebooks: run an experiment or load a run as DataFrames.

    >>> import runner
    >>> run = runner.run("experiments/quick.yaml")
    >>> run.summary.sort_values("wall_median_s").head()
    >>> again = runner.load("results/quick/latest")
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.results import rundir as results

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Run:
    """One run directory's data."""

    run_dir: Path
    runs: pd.DataFrame  # runs.csv: one row per (cell, repetition)
    summary: pd.DataFrame  # summary.csv: one row per cell
    metadata: dict[str, Any]
    tasks: pd.DataFrame | None  # tasks.csv where per-task latencies were recorded


def run(path: str | Path, *, out: str | Path | None = None, repetitions: int | None = None,
        only: dict[str, list[str]] | None = None, inline: bool = False) -> Run:
    """Run an experiment file as ``runexp run`` does and return its data."""
    from runner.execution.pipeline import RunOptions
    from runner.execution.pipeline import run as run_pipeline

    outcome = run_pipeline(Path(path), RunOptions(
        out=Path(out) if out is not None else None, repetitions=repetitions,
        only=only or {}, inline=inline))
    return load(outcome.run_dir)


def load(run_dir: str | Path) -> Run:
    """Read a run directory (``results/<name>/latest`` works too)."""
    import pandas as pd

    directory = Path(run_dir).resolve()
    summary_path = directory / results.SUMMARY
    tasks_path = directory / results.TASKS
    return Run(
        run_dir=directory,
        runs=results.read_runs(directory),
        summary=pd.read_csv(summary_path) if summary_path.exists() else pd.DataFrame(),
        metadata=results.read_json(directory / results.METADATA),
        tasks=pd.read_csv(tasks_path) if tasks_path.exists() else None,
    )
