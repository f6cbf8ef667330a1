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


#: runs.csv columns that are not workload parameters.
CORE_COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(RunRecord)
                                      if f.name != "params")


def _own(param_columns: Sequence[str]) -> list[str]:
    """The parameters that need a column of their own (not already a core column)."""
    return [name for name in param_columns if name not in CORE_COLUMNS]


#: tasks.csv: one row per task of a run whose workload records task latencies.
TASK_COLUMNS: tuple[str, ...] = ("run_id", "cell", "workload", "model", "pool_size",
                                 "repetition", "task", "start_s", "latency_s", "worker")
#: Where each task ran (``main``, ``thread-N``, ``process-N``, ``interpreter-N``,
#: ``task-N``): the last column, which tasks.csv files of an older runexp lack.
TASK_WORKER = "worker"
#: One task of a run: (start offset from the run's first task, latency, worker).
TaskTiming = tuple[float, float, str]
