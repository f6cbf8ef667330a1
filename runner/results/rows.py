"""The one flat row every writer reads: its field order is runs.csv's column order.

Workload parameters sit between ``workload`` and ``model``, one column each;
``RunRecord.params`` holds them and ``columns()`` spells them out.
A parameter named like a core column (``tasks``) is that column, not a second one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    OK = "ok"
    ERROR = "error"
    TIMEOUT = "timeout"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    experiment: str
    cell: str
    workload: str
    params: Mapping[str, Any]
    model: str
    pool_size: int
    repetition: int
    status: Status
    wall_s: float | None
    cpu_s: float | None
    max_rss_mb: float | None
    tasks: int | None  # units the run's task did: its own count
    throughput_per_s: float | None
    error: str
    started_at: str
    host: str
    python: str
    startup_s: float | None = None  # after the documented core columns: pool/loop/session start-up
    #: The mean number of cores other programs kept busy during the run (from /proc/stat).
    others_cores: float | None = None

    def values(self, param_columns: Sequence[str]) -> list[Any]:
        """The row's cells in ``columns(param_columns)`` order; absent parameters are empty."""
        row: list[Any] = []
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name == "params":
                row += [self.params.get(name) for name in _own(param_columns)]
            elif isinstance(value, float):
                row.append(round(value, 6))
            else:
                row.append(value)
        return row


def columns(param_columns: Sequence[str]) -> list[str]:
    """The header of runs.csv for an experiment with these parameter columns."""
    names: list[str] = []
    for field in dataclasses.fields(RunRecord):
        names += _own(param_columns) if field.name == "params" else [field.name]
    return names


#: What each field of RunRecord holds as runs.csv columns, in words for the reference
#: docs (docs/reference/run-directory.md is generated from it; a test requires one per
#: field). ``params`` stands for the parameter columns.
RUN_COLUMN_DOCS: Mapping[str, str] = {
    "run_id": "The run directory's id: the UTC time the command started, "
              "`YYYYmmddTHHMMSSZ`; the same on every row.",
    "experiment": "The experiment's `name`.",
    "cell": "The cell's stable id: the workload's label, the parameters that take more "
            "than one value, the model and the pool size, e.g. "
            "`http[latency_ms=20]/threads/p20` (with `@python3.12` at the end on a "
            "`python:` axis). `compare` and `--resume` match cells by what they measured.",
    "workload": "The workload's `label` (default: its kind).",
    "params": "One column per workload parameter, named after it, in the order the "
              "workload declares them (`latency_ms`, `size_bytes`, `n`, ...). The `tasks` "
              "parameter is the `tasks` column below, not repeated.",
    "model": "The concurrency model: `sync`, `threads`, `asyncio`, `processes`, "
             "`interpreters` or a plugin's.",
    "pool_size": "Threads, processes or interpreters of the pool, or asyncio tasks in "
                 "flight at most; 1 for `sync`.",
    "repetition": "Which timed run of the cell this row is, from 1.",
    "status": "`ok`, `error`, `timeout` or `skipped` (see the table of statuses).",
    "wall_s": "Wall time of the run in seconds, `time.perf_counter()` around the whole "
              "run, from making the pool to its shutdown; empty where none was "
              "measured.",
    "cpu_s": "User + system CPU seconds of the measuring process and its pool processes.",
    "max_rss_mb": "Peak resident memory in MiB of the measuring process, or of a pool "
                  "worker that grew larger.",
    "tasks": "Units of work the run did: the task's count (the `tasks` parameter where "
             "the workload has one).",
    "throughput_per_s": "`tasks` / `wall_s`, of ok runs only.",
    "error": "Why a run is not ok: the exception, the limit it passed, or why it was "
             "skipped; empty for ok runs.",
    "started_at": "When the run started, ISO 8601 UTC with milliseconds.",
    "host": "The name of the host that measured the run.",
    "python": "The interpreter that ran it, e.g. `cpython-3.11.7`.",
    "startup_s": "Seconds from the run's start to its first task: what making the pool, "
                 "the event loop and the sessions cost.",
    "others_cores": "The mean number of cores other programs kept busy during the run "
                    "(from /proc/stat, less the run's own process tree): about 1 beside a "
                    "program spinning on one core, about 0 on a quiet machine; empty where "
                    "/proc/stat cannot be read or the run took under 50 ms.",
}

#: runs.csv columns that are not workload parameters.
CORE_COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(RunRecord)
                                      if f.name != "params")


def _own(param_columns: Sequence[str]) -> list[str]:
    """The parameters that need a column of their own (not already a core column)."""
    return [name for name in param_columns if name not in CORE_COLUMNS]


#: tasks.csv, one row per task of a run whose workload records task latencies: its
#: columns in order, and what each holds (for the reference docs).
TASK_COLUMN_DOCS: Mapping[str, str] = {
    "run_id": "As in runs.csv.",
    "cell": "As in runs.csv.",
    "workload": "As in runs.csv.",
    "model": "As in runs.csv.",
    "pool_size": "As in runs.csv.",
    "repetition": "As in runs.csv: the row of runs.csv this task belongs to.",
    "task": "The task's index in the run, from 0.",
    "start_s": "When the task started, in seconds after the run's first task started.",
    "latency_s": "How long the task took, in seconds.",
    "worker": "Who ran the task, a small per-run label: `main` (the sync loop), "
              "`thread-N`, `process-N`, `interpreter-N`, numbered in order of first "
              "start; under asyncio `task-N`, the lowest lane free when the task started, "
              "so that lanes are the calls in flight at once. Missing from the tasks.csv "
              "of an older runexp, which still reads.",
}
TASK_COLUMNS: tuple[str, ...] = tuple(TASK_COLUMN_DOCS)
#: Where each task ran (``main``, ``thread-N``, ``process-N``, ``interpreter-N``,
#: ``task-N``): the last column, which tasks.csv files of an older runexp lack.
TASK_WORKER = "worker"
#: One task of a run: (start offset from the run's first task, latency, worker).
TaskTiming = tuple[float, float, str]
