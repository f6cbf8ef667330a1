"""processes: a ProcessPoolExecutor; each worker process opens its own resource.

The pool initializer stores the task and the process's resource (e.g. its HTTP
session) in module globals, as the lesson does, so units ship only an index;
the process closes that resource as it exits, at pool shutdown.

Under the ``fork`` and ``spawn`` start methods the workers are children of the
timed process, and their CPU time reaches its getrusage once the pool joins them.
Under ``forkserver`` (Python 3.14's default on Linux) they are the fork server's
children: each worker then adds its own CPU time and peak memory, as it exits,
to an array shared with the pool's owner, and ``elsewhere`` reports them.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.util
import resource
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from runner.models.base import NOTHING_ELSEWHERE, Elsewhere, Model, Options
from runner.workloads.task import Task

if TYPE_CHECKING:
    from multiprocessing.sharedctypes import SynchronizedArray

    from runner.models.options import ModelOptions

    SharedArray = SynchronizedArray[float]

_task: Task | None = None
_resource: Any = None
#: What ``task.open()`` raised in this process, raised again by each unit it gets.
_open_failed: Exception | None = None


def _init_worker(task: Task, spent: SharedArray | None = None) -> None:
    global _task, _resource, _open_failed  # noqa: PLW0603 (per-process state is the point)
    _task = task
    if spent is not None:  # runs after the task's close (a lower priority runs later)
        multiprocessing.util.Finalize(None, _add_spent, args=(spent,), exitpriority=-1)
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


def _add_spent(spent: SharedArray) -> None:
    """Add this worker's CPU seconds (its own children's included) and peak memory."""
    own, children = (resource.getrusage(resource.RUSAGE_SELF),
                     resource.getrusage(resource.RUSAGE_CHILDREN))
    with spent.get_lock():
        spent[0] += sum(u.ru_utime + u.ru_stime for u in (own, children))
        spent[1] = max(spent[1], own.ru_maxrss, children.ru_maxrss)


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

    def __init__(self) -> None:
        self._elsewhere = NOTHING_ELSEWHERE

    def elsewhere(self) -> Elsewhere:
        return self._elsewhere

    def run(self, task: Task, pool_size: int, options: Options) -> list[Any]:
        context = multiprocessing.get_context(options.get("start_method"))
        # A fork server's children are not ours: their CPU would reach no getrusage here.
        spent = context.Array("d", 2) if context.get_start_method() == "forkserver" else None
        self._elsewhere = NOTHING_ELSEWHERE
        executor = ProcessPoolExecutor(max_workers=pool_size, mp_context=context,
                                       initializer=_init_worker, initargs=(task, spent))
        try:
            return list(executor.map(_call, range(task.count),
                                     chunksize=options.get("chunksize", 1)))
        finally:
            # As the `with` block would, plus: queued units are dropped on error.
            executor.shutdown(wait=True, cancel_futures=True)
            if spent is not None:
                self._elsewhere = Elsewhere(spent[0], spent[1])
