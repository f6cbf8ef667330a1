"""Calls in flight: how many of a run's tasks were running at once, from tasks.csv.

A pool of 16 threads says little about how much of the work really overlapped: a
lock, a semaphore or a connection pool inside the call may let only a few proceed.
Each task's start and latency give, per run, the most tasks running at one moment
(``max``) and the mean number running over the run's span (``mean``: the tasks'
summed latency over the time from the first start to the last end, Little's law).
A cell's figure is the median over its runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass(frozen=True)
class InFlight:
    """The median over a cell's runs of each run's most and mean tasks in flight."""

    most: float
    mean: float


def in_flight(tasks: pd.DataFrame | None) -> dict[str, InFlight]:
    """Per cell that has task rows, its calls in flight."""
    import numpy as np

    if tasks is None or tasks.empty:
        return {}
    found: dict[str, InFlight] = {}
    for cell, rows in tasks.groupby("cell", sort=False):
        most, mean = [], []
        for _, run in rows.groupby("repetition", sort=False):
            starts = run["start_s"].to_numpy(dtype=float)
            ends = starts + run["latency_s"].to_numpy(dtype=float)
            most.append(most_at_once(starts, ends))
            span = float(ends.max() - starts.min())
            if span > 0:
                mean.append(float((ends - starts).sum()) / span)
        found[str(cell)] = InFlight(float(np.median(most)),
                                    float(np.median(mean)) if mean else float("nan"))
    return found


def most_at_once(starts: np.ndarray, ends: np.ndarray) -> int:
    """The most intervals [start, end) that overlap at one moment (one that ends as
    another starts does not overlap it)."""
    import numpy as np

    times = np.concatenate([starts, ends])
    steps = np.concatenate([np.ones(len(starts)), -np.ones(len(ends))])
    order = np.lexsort((steps, times))  # at equal times, ends (-1) before starts
    return int(np.cumsum(steps[order]).max()) if len(times) else 0
