"""processes: a ProcessPoolExecutor; each worker process opens its own resource.

The pool initializer stores the task and the process's resource (e.g. its HTTP
session) in module globals, as the lesson does, so units ship only an index;
the process closes that resource as it exits, at pool shutdown.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.util
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from runner.models.base import Model, Options
from runner.workloads.task import Task

if TYPE_CHECKING:
    from runner.models.options import ModelOptions

_task: Task | None = None
_resource: Any = None
#: What ``task.open()`` raised in this process, raised again by each unit it gets.
_open_failed: Exception | None = None


def _init_worker(task: Task) -> None:
    global _task, _resource, _open_failed  # noqa: PLW0603 (per-process state is the point)
    _task = task
    try:
        _resource = task.open()
    except Exception as error:
        # Raised from the initializer it would end the process, and the pool would
        # say only that a process "was terminated abruptly" (BrokenProcessPool): the
        # user's own exception would be lost. The units carry it back instead.
        _open_failed = error
        return
    # A pool worker ends through os._exit, so atexit hooks never run (forked
    # ones), but multiprocessing runs its finalizers first, under every start
    # method; pool shutdown joins the workers, so teardown ends within the run.
    multiprocessing.util.Finalize(None, task.close, args=(_resource,), exitpriority=0)


def _call(index: int) -> Any:
    assert _task is not None, "worker used before its initializer ran"
    if _open_failed is not None:
        raise _open_failed
    return _task.call(_resource, index)


class ProcessesModel(Model):
    name = "processes"

    @classmethod
    def options_model(cls) -> type[ModelOptions]:
        from runner.models.options import ProcessOptions

        return ProcessOptions

    def unsupported(self, task: Task, options: Options) -> str | None:
        method = options.get("start_method")
        if method is not None and method not in multiprocessing.get_all_start_methods():
            available = ", ".join(multiprocessing.get_all_start_methods())
            return f"start method {method!r} is not available here (available: {available})"
        return None

    def most_in_flight(self, count: int, options: Options) -> int | None:
        chunk = options.get("chunksize", 1)
        return -(-count // chunk)  # one chunk of units per worker process

    def run(self, task: Task, pool_size: int, options: Options) -> list[Any]:
        context = multiprocessing.get_context(options.get("start_method"))
        executor = ProcessPoolExecutor(
            max_workers=pool_size, mp_context=context, initializer=_init_worker, initargs=(task,)
        )
        try:
            return list(executor.map(_call, range(task.count),
                                     chunksize=options.get("chunksize", 1)))
        finally:
            # As the `with` block would, plus: queued units are dropped on error.
            executor.shutdown(wait=True, cancel_futures=True)
