"""Cells x repetitions -> records: schedules the runs, executes each, hands rows on.

Faults stay inside the run that had them: an exception, a timeout, a dead worker
or an unsupported model becomes a row with its status, and the rest of the grid
goes on (unless ``fail_fast``). Ctrl-C propagates after the rows that finished
were handed to the sink.
"""

from __future__ import annotations

import platform
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import NamedTuple

from runner.config.pythons import (
    Interpreter,
    python_label,
)
from runner.execution.forkserver import ForkServers
from runner.execution.isolation import (
    import_path_for_foreign_interpreters,
    run_isolated,
    worker_request,
)
from runner.execution.server import EmbeddedServer
from runner.execution.worker import RunResult, Visit, failed, visit
from runner.models import MODELS
from runner.plan.grid import Cell
from runner.plan.schedule import Job
from runner.results.failures import Failure
from runner.results.rows import RunRecord, Status, TaskTiming
from runner.workloads.task import Task


class Finished(NamedTuple):
    """One run done: its row, its tasks' timings, and its exception where it raised."""

    record: RunRecord
    timings: Sequence[TaskTiming] = ()
    failure: Failure | None = None


#: Receives each run as it ends.
Sink = Callable[[Finished], None]
OnRun = Callable[["Job", RunRecord], None]


def own_python_label() -> str:
    """The `python` column of rows this interpreter runs, e.g. ``cpython-3.11.7``."""
    return python_label(platform.python_implementation(), platform.python_version())


class Resources:
    """Things runs share for the length of an experiment; started on first use."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self._server: EmbeddedServer | None = None
        self._forks: ForkServers | None = None
        self._foreign_path: list[str] | None = None

    def embedded_server(self) -> str:
        if self._server is None:
            self._server = self._stack.enter_context(EmbeddedServer())
        return self._server.url

    def fork_servers(self) -> ForkServers:
        if self._forks is None:
            self._forks = ForkServers()
            self._stack.callback(self._forks.close)
        return self._forks

    def foreign_import_path(self) -> list[str]:
        """One import path for other interpreters, for the experiment's length: their
        fork servers are keyed by it."""
        if self._foreign_path is None:
            self._foreign_path = self._stack.enter_context(
                import_path_for_foreign_interpreters())
        return self._foreign_path

    def __enter__(self) -> Resources:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._stack.close()


@dataclass(frozen=True)
class Settings:
    """How runs execute: what the file and the command line say, minus the grid."""

    run_id: str
    experiment: str
    isolation: str = "process"
    warmups: int = 0
    timeout_s: float | None = None
    fail_fast: bool = False
    host: str = field(default_factory=socket.gethostname)
    python: str = field(default_factory=own_python_label)
    #: The probed interpreters of a python axis, by label.
    interpreters: Mapping[str, Interpreter] = field(default_factory=dict)


def utc_now() -> str:
    """ISO 8601 UTC with milliseconds, as the started_at column holds it."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def execute(jobs: Iterable[Job], settings: Settings, sink: Sink,
            on_run: OnRun | None = None, cells: Sequence[Cell] = ()) -> bool:
    """Run the jobs in order, handing each record to ``sink`` (and ``on_run``) as it ends.

    ``jobs`` is taken one at a time after the previous record was handed on, so
    adaptive rounds can decide the next job from the rows so far. ``cells``, those the
    jobs will run, lets the fork servers they need start side by side first.

    Returns False when ``fail_fast`` stopped the grid at a failed run.
    """
    tasks: dict[str, Task | Exception] = {}
    with Resources() as resources:
        start_fork_servers(cells, tasks, settings, resources)
        for job in jobs:
            cell = job.cell
            finished = run_once(job, task_of(cell, tasks, resources), settings, resources)
            sink(finished)
            record = finished.record
            if on_run is not None:
                on_run(job, record)
            if settings.fail_fast and record.status in (Status.ERROR, Status.TIMEOUT):
                return False
    return True


def task_of(cell: Cell, tasks: dict[str, Task | Exception], resources: Resources
            ) -> Task | Exception:
    """The cell's task, made once (``tasks`` keeps it by cell), or why it could not be."""
    if cell.id not in tasks:
        try:
            tasks[cell.id] = cell.workload.make_task(cell.params, resources)
        except Exception as error:  # e.g. the embedded server failed to start
            tasks[cell.id] = error
    return tasks[cell.id]


def start_fork_servers(cells: Iterable[Cell], tasks: dict[str, Task | Exception],
                       settings: Settings, resources: Resources) -> None:
    """Start the fork servers the runs of ``cells`` will fork from, side by side.

    Each zygote spends most of its start importing (0.1 s or more each); started one
    at a time, as their first runs come, an experiment of four models waited for them
    in turn. One cell per workload and model stands for the rest (the zygotes are
    keyed by model, task class and imports); other interpreters' cells are left to
    start theirs on first use."""
    if settings.isolation != "process":
        return
    seen: set[tuple[str, str]] = set()
    wanted = []
    for cell in cells:
        if cell.python or (cell.workload.name, cell.model) in seen:
            continue
        seen.add((cell.workload.name, cell.model))
        task = task_of(cell, tasks, resources)
        if isinstance(task, Task):
            wanted.append(worker_request(_visit(cell, task, settings)))
    resources.fork_servers().start(wanted)


def _visit(cell: Cell, task: Task, settings: Settings) -> Visit:
    return Visit(task, MODELS[cell.model], cell.pool_size, cell.options.model_dump(),
                 settings.warmups, cell.workload.records_tasks)


def run_once(job: Job, task: Task | Exception, settings: Settings, resources: Resources
             ) -> Finished:
    """One timed run (after its warmups), isolated or inline: its row, task timings and
    failure.

    ``isolation: process`` forks the run from one of the fork servers ``resources``
    keeps (where the platform can); ``spawn`` starts a fresh interpreter for it."""
    started_at = utc_now()
    cell = job.cell
    interpreter = settings.interpreters.get(cell.python) if cell.python else None
    if isinstance(task, Exception):
        result = failed(task)
    elif interpreter is not None and interpreter.problem:
        result = RunResult(Status.SKIPPED, message=interpreter.problem)
    else:
        job_visit = _visit(cell, task, settings)
        forks = resources.fork_servers() if settings.isolation == "process" else None
        if settings.isolation == "inline":
            result = _flag_overrun(visit(job_visit), settings.timeout_s)
        elif interpreter is not None and interpreter.executable:
            result = run_isolated(job_visit, settings.timeout_s, interpreter.executable,
                                  resources.foreign_import_path(), forks)
        else:
            result = run_isolated(job_visit, settings.timeout_s, forks=forks)
    python = interpreter.python_column if interpreter is not None else settings.python
    count = task.count if isinstance(task, Task) else None
    return Finished(make_record(job, settings, started_at, result, python, count=count),
                    result.task_timings or (), result.failure)


def _flag_overrun(result: RunResult, timeout_s: float | None) -> RunResult:
    """Inline runs cannot be killed (threads cannot); one that overran is marked after."""
    if timeout_s is None or result.wall_s is None or result.wall_s <= timeout_s:
        return result
    return RunResult(Status.TIMEOUT, result.wall_s, result.cpu_s, result.max_rss_mb,
                     f"took {result.wall_s:.3f} s, over the {timeout_s:g} s timeout (inline "
                     "runs cannot be stopped early; use process isolation)",
                     startup_s=result.startup_s, others_cores=result.others_cores)


def make_record(job: Job, settings: Settings, started_at: str, result: RunResult, python: str,
                *, count: int | None = None) -> RunRecord:
    """The row of one run from what it measured.

    ``count`` is the task's own number of units; a workload need not have a
    ``tasks`` parameter (a plugin's may not), so that is only the fallback for a
    run whose task could not even be made.
    """
    cell = job.cell
    tasks = count if count is not None else cell.params.get("tasks")
    ok = result.status == Status.OK
    return RunRecord(
        run_id=settings.run_id, experiment=settings.experiment, cell=cell.id,
        workload=cell.workload.name, params=cell.params, model=cell.model,
        pool_size=cell.pool_size, repetition=job.repetition, status=Status(result.status),
        wall_s=result.wall_s, cpu_s=result.cpu_s, max_rss_mb=result.max_rss_mb, tasks=tasks,
        throughput_per_s=tasks / result.wall_s if ok and tasks and result.wall_s else None,
        error=result.message, started_at=started_at, host=settings.host,
        python=python, startup_s=result.startup_s, others_cores=result.others_cores,
    )
