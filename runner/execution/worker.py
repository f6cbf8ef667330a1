"""One visit of a cell: ``warmups`` untimed runs, then one timed run, in this process.

Run in-process for ``isolation: inline``, or in a process of its own, forked from a fork
server (``runner.execution.zygote``, the default) or as ``python -m
runner.execution.worker`` in a fresh interpreter (``isolation: spawn``), where it speaks
this protocol:

- stdin: one JSON header line, then ``task_bytes`` bytes of the pickled task.
  stdin then stays open; its end means the parent has gone, and the worker's
  whole process group (itself and any pool processes) ends (see
  ``_end_with_parent``).
- stdout: JSON lines, ``{"event": "start", "warmup": ...}`` before each run, then
  one ``{"event": "result", ...}`` (a ``RunResult``). Whatever the task prints
  goes to stderr, so it cannot garble the protocol.

This module imports no pydantic, pandas or HTTP library: a worker for fib or
sleep starts in tens of milliseconds.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import json
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TextIO

from runner.execution.measure import BusyCounter, Clock, machine_busy_s, measure
from runner.execution.timing import TimedTask, first_start, task_timings, where_here
from runner.models.base import Model, Options
from runner.results.failures import Failure
from runner.results.rows import Status, TaskTiming
from runner.workloads.task import Task


@dataclass(frozen=True)
class RunResult:
    """What one visit measured: the structured data that crosses the process boundary."""

    status: Status
    wall_s: float | None = None
    cpu_s: float | None = None
    max_rss_mb: float | None = None
    message: str = ""  # the error, or why the run was skipped or timed out
    #: (start offset, latency, worker) of every task, in seconds, where recorded.
    task_timings: list[TaskTiming] | None = None
    #: From the start of the run (pool, loop or session start-up) to the first task.
    startup_s: float | None = None
    #: The mean number of cores other programs kept busy during the timed run.
    others_cores: float | None = None
    #: A failed run's exception whole: its traceback and the frames of the user's code.
    failure: Failure | None = None

    def to_json(self) -> str:
        return json.dumps({"event": "result", **asdict(self)})

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunResult:
        data = {k: v for k, v in data.items() if k != "event"}
        data["status"] = Status(data["status"])
        if data.get("task_timings") is not None:
            data["task_timings"] = [tuple(unit) for unit in data["task_timings"]]
        if data.get("failure") is not None:
            data["failure"] = Failure.from_dict(data["failure"])
        return cls(**data)


def describe(error: BaseException) -> str:
    """``Type: message`` on one line, bounded, for the error column."""
    text = f"{type(error).__name__}: {error}".strip().rstrip(":")
    return " ".join(text.split())[:500]


@dataclass(frozen=True)
class Visit:
    """What one visit runs: a task under a model, after ``warmups`` untimed runs."""

    task: Task
    model: Model
    pool_size: int
    options: Options
    warmups: int
    record_tasks: bool = False


def visit(job: Visit, on_start: Callable[[bool], None] = lambda warmup: None,
          clock: Clock = time.perf_counter, busy: BusyCounter = machine_busy_s) -> RunResult:
    """Run ``warmups`` untimed runs and one timed run; faults become results."""
    task, model = job.task, job.model
    reason = model.unsupported(task, job.options)
    if reason:
        return RunResult(Status.SKIPPED, message=reason)
    timed = TimedTask(task)
    here = where_here()  # where the model is called: its units here are "main"
    try:
        timed.preload()
    except ModuleNotFoundError as error:
        return RunResult(Status.SKIPPED, message=missing_module(error))
    try:
        for warmup in [True] * job.warmups + [False]:
            on_start(warmup)
            results, measurement = measure(
                lambda: model.run(timed, job.pool_size, job.options), clock, busy,
                model.elsewhere)
            if len(results) != task.count:
                raise RuntimeError(f"{len(results)} of {task.count} tasks returned a result")
    except Exception as error:
        return failed(error)
    first = first_start(results)
    startup = first - measurement.started if first is not None and clock is time.perf_counter \
        else None
    return RunResult(Status.OK, measurement.wall_s, measurement.cpu_s, measurement.max_rss_mb,
                     task_timings=task_timings(results, here) if job.record_tasks else None,
                     startup_s=startup, others_cores=measurement.others_cores)


def failed(error: BaseException) -> RunResult:
    """The result of a run that raised: one line for runs.csv, the whole for errors.jsonl."""
    return RunResult(Status.ERROR, message=describe(error), failure=Failure.of(error))


def missing_module(error: ModuleNotFoundError) -> str:
    return (f"this interpreter (Python {sys.version.split()[0]}) cannot import "
            f"{error.name or error}: install it there to run this cell")


def load_object(path: str) -> Any:
    """``package.module:Name`` -> the object."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def object_path(obj: object) -> str:
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}:{cls.__qualname__}"


def _end_with_parent() -> None:
    """Have this process group end when stdin ends: the parent died or is done with us.

    On Linux without a thread: with O_ASYNC set on stdin (a pipe whose write end
    only the parent holds), the kernel sends SIGIO to its owner once the pipe
    can be read, here at end of input; the owner is this whole process group
    and SIGIO's default action ends a process, so the worker and its pool
    processes go even while stuck in C code. A watching thread did the same,
    but one idle thread made a burst of 160 asyncio connections a quarter
    slower on a 16-core machine (bench/RESULTS.md), so a timed run must not
    share its process with one. Elsewhere (SIGIO is ignored by default on the
    BSDs and macOS) the thread remains.
    """
    if sys.platform == "linux":
        fcntl.fcntl(0, fcntl.F_SETOWN, -os.getpgrp())
        fcntl.fcntl(0, fcntl.F_SETFL, fcntl.fcntl(0, fcntl.F_GETFL) | os.O_ASYNC)
    else:
        threading.Thread(target=_watch_parent, daemon=True).start()


def _watch_parent() -> None:
    # Raw reads on fd 0, not sys.stdin: a thread blocked inside sys.stdin would
    # hold its lock across fork, and multiprocessing's forked children close
    # sys.stdin first thing, so they would deadlock on that lock.
    with contextlib.suppress(OSError):
        while os.read(0, 4096):
            pass
        os.killpg(os.getpgid(0), signal.SIGKILL)


def main() -> None:
    # The protocol owns the real stdout; the task's prints go to stderr.
    protocol: TextIO = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    header = json.loads(sys.stdin.buffer.readline())
    sys.path[:0] = [p for p in header["sys_path"] if p not in sys.path]
    payload = sys.stdin.buffer.read(header["task_bytes"])
    _end_with_parent()

    def on_start(warmup: bool) -> None:
        protocol.write(json.dumps({"event": "start", "warmup": warmup}) + "\n")
        protocol.flush()

    try:
        task = pickle.loads(payload)
        model = load_object(header["model"])()
    except ModuleNotFoundError as error:  # e.g. another interpreter without requests
        result = RunResult(Status.SKIPPED, message=missing_module(error))
    else:
        job = Visit(task, model, header["pool_size"], header["options"], header["warmups"],
                    header["record_tasks"])
        result = visit(job, on_start)
    protocol.write(result.to_json() + "\n")
    protocol.flush()
    sys.stderr.flush()
    # Not sys.exit: a task may leave threads behind that would keep us alive.
    os._exit(0)


if __name__ == "__main__":
    main()
