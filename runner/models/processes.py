"""processes: a ProcessPoolExecutor; each worker process opens its own resource.

The pool initializer stores the task and the process's resource (e.g. its HTTP
session) in module globals, as the lesson does, so units ship only an index.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any, ClassVar, Literal

from pydantic import Field

from runner.models.base import Model, ModelOptions, PoolOptions
from runner.workloads.base import Task

_task: Task | None = None
_resource: Any = None


def _init_worker(task: Task) -> None:
    global _task, _resource  # noqa: PLW0603 (per-process state is the point)
    _task = task
    # Not closed explicitly: the pool ends its workers without running atexit
    # hooks, and the OS closes their sockets with them.
    _resource = task.open()


def _call(index: int) -> int:
    assert _task is not None, "worker used before its initializer ran"
    return _task.call(_resource, index)


class ProcessOptions(PoolOptions):
    start_method: Literal["fork", "spawn", "forkserver"] | None = Field(
        default=None, description="How workers start; default: the platform's default."
    )


class ProcessesModel(Model):
    name = "processes"
    options: ClassVar[type[ModelOptions]] = ProcessOptions

    def run(self, task: Task, pool_size: int, options: ModelOptions) -> list[int]:
        assert isinstance(options, ProcessOptions)
        context = multiprocessing.get_context(options.start_method)
        executor = ProcessPoolExecutor(
            max_workers=pool_size, mp_context=context, initializer=_init_worker, initargs=(task,)
        )
        try:
            return list(executor.map(_call, range(task.count)))
        finally:
            # As the `with` block would, plus: queued units are dropped on error.
            executor.shutdown(wait=True, cancel_futures=True)
