"""Timelines: the lesson's timing diagrams, measured (``plots/timeline-<cell>.png|svg``).

In each comparison group with task rows (tasks.csv), each model's fastest
configuration (its pool size with the lowest median wall time) gets one figure
of one representative run: the ok run whose wall time is the cell's median (of
an even count, the faster of the two middle runs). One lane per worker as
tasks.csv's ``worker`` names it, ordered ``main``, ``thread-N``,
``interpreter-N``, ``process-N``, asyncio's ``task-N``; one bar per task from
its start to its end, in seconds from the run's first task start. A tasks.csv
of an older runexp has no ``worker``: its lanes are packed from the times
(``slot-N``, the lowest lane free when the task started), which shows how many
tasks overlapped, not who ran them.

At most MAX_GROUPS groups get timelines, spread over the report's order (the
first and the last included, so a sweep's two ends are drawn); the report says
how many were left out.

File names: ``timeline-`` then the cell id with every run of characters other
than ASCII letters, digits, ``.``, ``_`` and ``-`` made one ``-``
(``sleep[tasks=12]/threads/p4`` -> ``timeline-sleep-tasks-12-threads-p4``); where
that is longer than MAX_STEM characters, or two cells of one report would share
it (case aside), ``-`` and the first 8 hex digits of the cell id's SHA-1 follow.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from runner.report.hosts import by_host
from runner.report.overview import spread
from runner.report.stats import is_missing
from runner.report.summary import ComparisonGroup, comparison_groups
from runner.results.lanes import lowest_free_lanes
from runner.results.rows import TASK_WORKER, Status

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from runner.report.figures import Plot

PREFIX = "timeline-"
#: Groups given timelines at most: each is one figure per model, saved twice.
MAX_GROUPS = 2
#: File stems are cut here (and made unique with a hash) so paths stay portable.
MAX_STEM = 100
#: The order of the models' timelines; other models follow in the report's order.
MODEL_ORDER = ("sync", "threads", "asyncio", "processes")
#: Lanes sorted by kind, then number; labels of other forms come last.
LANE_KINDS = ("main", "thread", "interpreter", "process", "task", "slot")
#: Two values rounded to 6 decimals in tasks.csv: a task that starts this close to
#: another's end started after it (for lanes packed from the times).
TOUCHING_S = 2e-6
INTRO = ("One run of each model's fastest configuration (its pool size with the lowest "
         "median wall time), as the lesson draws it: a lane per worker (a thread, a "
         "process; under asyncio a lane per task in flight), a bar per task from its start "
         "to its end, each figure on its own time scale; grey: the run's wall time before "
         "its first task started (start-up) and after its last ended. The run shown is the "
         "one whose wall time is the median of its cell's ok runs (of an even number, the "
         "lower median).")


@dataclass(frozen=True)
class Bar:
    lane: int  # index into Timeline.lanes
    start: float  # seconds from the run's first task start
    seconds: float
    task: int  # the task's index in the run


@dataclass(frozen=True)
class Timeline:
    """One run of one cell, laid out in lanes."""

    cell: str
    model: str
    repetition: int
    runs: int  # the cell's ok runs with task rows, the run was chosen among
    wall_s: float
    startup_s: float | None  # from the run's start to its first task's, where known
    lanes: tuple[str, ...]
    bars: tuple[Bar, ...]
    packed: bool = False  # lanes packed from the times: tasks.csv has no worker
    name: str = ""  # the file stem under plots/


def timed_groups(summary: pd.DataFrame, runs: pd.DataFrame, tasks: pd.DataFrame | None
                 ) -> list[ComparisonGroup]:
    """The report's comparison groups that have a measured cell with task rows."""
    if tasks is None or tasks.empty:
        return []
    timed = set(tasks["cell"].unique())
    measured = set(summary.loc[summary["wall_median_s"].notna(), "cell"])
    return [group for group in by_host(comparison_groups(summary, runs))
            if any(cell in timed and cell in measured for cell in group.cells)]


def left_out(summary: pd.DataFrame, runs: pd.DataFrame, tasks: pd.DataFrame | None,
             limit: int = MAX_GROUPS) -> str:
    """The sentence that says which groups got no timeline, or "" where all got one."""
    count = len(timed_groups(summary, runs, tasks))
    if count <= limit:
        return ""
    which = ("the first" if limit == 1 else "the first and the last" if limit == 2
             else "the first, the last and some between")
    return (f"Timelines are drawn for {limit} of the {count} parameter sets with task rows "
            f"({which}, in report order); the others are left out to keep the report quick "
            "to build.")


def section_text(note: str) -> str:
    """What the Timelines section says before its figures."""
    return f"{INTRO} {note}".rstrip()


def choose(summary: pd.DataFrame, runs: pd.DataFrame, tasks: pd.DataFrame | None,
           limit: int = MAX_GROUPS) -> list[Timeline]:
    """The timelines to draw, in report order: per chosen group, each model's fastest
    cell with task rows (sync, threads, asyncio, processes, then the others)."""
    groups = timed_groups(summary, runs, tasks)
    if not groups or tasks is None:
        return []
    timed = set(tasks["cell"].unique())
    measured = summary[summary["wall_median_s"].notna() & summary["cell"].isin(timed)]
    cells = [cell for index in spread(len(groups), limit)
             for cell in fastest(measured[measured["cell"].isin(groups[index].cells)])]
    chosen = tasks[tasks["cell"].isin(cells)]
    ok = runs[(runs["status"] == Status.OK) & runs["cell"].isin(cells)]
    found = (_timeline(chosen[chosen["cell"] == cell], ok[ok["cell"] == cell])
             for cell in cells)
    return named([line for line in found if line is not None])


def fastest(table: pd.DataFrame) -> list[str]:
    """Each model's cell with the lowest median wall time (the first of equals), models
    in MODEL_ORDER then in table order."""
    best: dict[str, tuple[float, str]] = {}
    for cell, model, median in zip(table["cell"], table["model"], table["wall_median_s"],
                                   strict=True):
        if str(model) not in best or median < best[str(model)][0]:
            best[str(model)] = (float(median), str(cell))
    order = [m for m in MODEL_ORDER if m in best] + [m for m in best if m not in MODEL_ORDER]
    return [best[model][1] for model in order]


def representative(walls: Sequence[tuple[int, float]]) -> tuple[int, float]:
    """(repetition, wall time) of the run at the median: of an even count the faster of
    the two middle runs; of equal walls the lower repetition."""
    ordered = sorted(walls, key=lambda run: (run[1], run[0]))
    return ordered[(len(ordered) - 1) // 2]


def _timeline(rows: pd.DataFrame, ok: pd.DataFrame) -> Timeline | None:
    """The timeline of one cell's representative run (``rows``: its task rows, ``ok``:
    its ok runs), or None where no ok run has task rows."""
    ok = ok[ok["repetition"].isin(set(rows["repetition"]))]
    if ok.empty:
        return None
    repetition, wall = representative(list(zip(ok["repetition"].astype(int),
                                               ok["wall_s"].astype(float), strict=True)))
    run = ok[ok["repetition"] == repetition].iloc[0]
    known = "startup_s" in run and not is_missing(run["startup_s"])  # older runs.csv: none
    lanes, bars, packed = lay_out(rows[rows["repetition"] == repetition])
    return Timeline(str(run["cell"]), str(run["model"]), repetition, len(ok), wall,
                    float(run["startup_s"]) if known else None, lanes, bars, packed)


def lay_out(rows: pd.DataFrame) -> tuple[tuple[str, ...], tuple[Bar, ...], bool]:
    """One run's task rows as (lanes in order, bars, whether the lanes were packed from
    the times because tasks.csv does not say who ran each task)."""
    starts = rows["start_s"].astype(float).tolist()
    seconds = rows["latency_s"].astype(float).tolist()
    workers = rows[TASK_WORKER].tolist() if TASK_WORKER in rows else [None] * len(rows)
    packed = any(is_missing(worker) or worker == "" for worker in workers)
    labels = packed_lanes(starts, seconds) if packed else [str(w) for w in workers]
    lanes = tuple(sorted(set(labels), key=lane_key))
    index = {lane: at for at, lane in enumerate(lanes)}
    bars = tuple(Bar(index[label], start, took, int(task)) for label, start, took, task
                 in zip(labels, starts, seconds, rows["task"], strict=True))
    return lanes, bars, packed


def lane_key(label: str) -> tuple[int, int, str]:
    """``main``, then ``thread-N``, ``interpreter-N``, ``process-N``, ``task-N``,
    ``slot-N`` by number; any other label last, by name."""
    kind, _, number = label.rpartition("-")
    if label == "main":
        return 0, 0, ""
    if kind in LANE_KINDS and number.isdigit():
        return LANE_KINDS.index(kind), int(number), ""
    return len(LANE_KINDS), 0, label


def packed_lanes(starts: Sequence[float], seconds: Sequence[float]) -> list[str]:
    """``slot-N`` per task: the lowest lane free when it started (a lane frees as its
    task ends, TOUCHING_S of rounding allowed), so lanes are the tasks in flight."""
    return [f"slot-{lane}" for lane in lowest_free_lanes(starts, seconds, TOUCHING_S)]


def named(timelines: list[Timeline]) -> list[Timeline]:
    """The timelines with their file stems (see the module's docstring)."""
    stems = [PREFIX + slug(line.cell) for line in timelines]
    folded = [stem.lower() for stem in stems]
    return [replace(line, name=stem if len(stem) <= MAX_STEM and folded.count(stem.lower()) == 1
                    else f"{stem[:MAX_STEM]}-{hashlib.sha1(line.cell.encode()).hexdigest()[:8]}")
            for line, stem in zip(timelines, stems, strict=True)]


def slug(cell: str) -> str:
    """``sleep[tasks=12]/threads/p4`` -> ``sleep-tasks-12-threads-p4``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", cell).strip("-") or "cell"


def remove_stale(folder: Path) -> None:
    """Remove an earlier build's timelines (their cells may not be drawn again)."""
    for path in folder.glob(f"{PREFIX}*"):
        if path.suffix in (".png", ".svg"):
            path.unlink(missing_ok=True)


def split(plots: Sequence[Plot]) -> tuple[list[Plot], list[Plot]]:
    """(the other plots, the timelines), each in drawing order."""
    return ([plot for plot in plots if not plot.name.startswith(PREFIX)],
            [plot for plot in plots if plot.name.startswith(PREFIX)])


def figures(summary: pd.DataFrame, runs: pd.DataFrame, tasks: pd.DataFrame | None
            ) -> Iterator[tuple[str, str, Figure]]:
    """(name, title, figure) of each timeline, built one at a time."""
    from runner.report.timeline_figure import draw, title

    for line in choose(summary, runs, tasks):
        yield line.name, title(line), draw(line)
