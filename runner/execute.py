"""Cells x repetitions -> records: runs every (cell, repetition) and measures it.

Faults stay inside the run that had them: an exception becomes a row with
status ``error`` and the rest of the grid goes on. Ctrl-C propagates, after the
rows that finished were handed to the sink.
"""

from __future__ import annotations

import platform
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType

from runner.grid import Cell
from runner.measure import Clock, Measurement, measure
from runner.models import MODELS
from runner.records import RunRecord, Status
from runner.server import EmbeddedServer
from runner.tasks.base import Task

Sink = Callable[[RunRecord], None]
OnRun = Callable[["Job", RunRecord], None]


def python_label() -> str:
    """The `python` column: implementation and version, e.g. ``cpython-3.11.7``."""
    return f"{platform.python_implementation().lower()}-{platform.python_version()}"


class Resources:
    """Things runs share for the length of an experiment; started on first use."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self._server: EmbeddedServer | None = None

    def embedded_server(self) -> str:
        if self._server is None:
            self._server = self._stack.enter_context(EmbeddedServer())
        return self._server.url

    def __enter__(self) -> Resources:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._stack.close()


@dataclass(frozen=True)
class Context:
    """What every record of one experiment run shares."""

    run_id: str
    experiment: str
    host: str = field(default_factory=socket.gethostname)
    python: str = field(default_factory=python_label)


@dataclass(frozen=True)
class Job:
    """One (cell, repetition); repetition 0 and below are warmups, never recorded."""

    cell: Cell
    repetition: int


def schedule(cells: list[Cell], repetitions: int, warmups: int) -> Iterator[Job]:
    """Each cell's warmups, then its repetitions, one cell after another."""
    for cell in cells:
        for repetition in range(1 - warmups, repetitions + 1):
            yield Job(cell, repetition)


def execute(jobs: list[Job], context: Context, sink: Sink, on_run: OnRun | None = None,
            clock: Clock = time.perf_counter) -> None:
    """Run the jobs in order and hand each timed run's record to ``sink`` as it ends.

    ``on_run`` sees every run, warmups included (for progress display).
    """
    tasks: dict[str, Task | Exception] = {}
    with Resources() as resources:
        for job in jobs:
            cell = job.cell
            if cell.id not in tasks:
                try:
                    tasks[cell.id] = cell.workload.make_task(cell.params, resources)
                except Exception as error:  # e.g. the embedded server failed to start
                    tasks[cell.id] = error
            record = run_once(job, tasks[cell.id], context, clock)
            if job.repetition >= 1:
                sink(record)
            if on_run is not None:
                on_run(job, record)


def run_once(job: Job, task: Task | Exception, context: Context, clock: Clock) -> RunRecord:
    """Measure one run of one cell; an exception becomes an ``error`` record."""
    started_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    try:
        if isinstance(task, Exception):
            raise task
        model = MODELS[job.cell.model]
        task.preload()
        results, measured = measure(
            lambda: model.run(task, job.cell.pool_size, job.cell.options.model_dump()), clock
        )
        if len(results) != task.count:
            raise RuntimeError(f"{len(results)} of {task.count} tasks returned a result")
    except Exception as error:
        return _record(job, context, started_at, None, _describe(error))
    return _record(job, context, started_at, measured, "")


def _record(job: Job, context: Context, started_at: str, measured: Measurement | None,
            error: str) -> RunRecord:
    cell = job.cell
    tasks = cell.params["tasks"]
    return RunRecord(
        run_id=context.run_id, experiment=context.experiment, cell=cell.id,
        workload=cell.workload.name, params=cell.params, model=cell.model,
        pool_size=cell.pool_size, repetition=job.repetition,
        status=Status.OK if measured else Status.ERROR,
        wall_s=measured and measured.wall_s, cpu_s=measured and measured.cpu_s,
        max_rss_mb=measured and measured.max_rss_mb, tasks=tasks,
        throughput_per_s=tasks / measured.wall_s if measured and measured.wall_s else None,
        error=error, started_at=started_at, host=context.host, python=context.python,
    )


def _describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".strip().rstrip(":")
    return " ".join(text.split())[:500]
