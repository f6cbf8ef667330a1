"""threads: a ThreadPoolExecutor; each worker thread opens its own resource.

This is the lesson's pattern: a ``threading.local`` holds one HTTP session per
thread, because a ``requests.Session`` is not safe to share between threads.
Each resource is closed by the thread that opened it, as a thread-local
connection (a database's, a user's ``setup``) expects.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from runner.models.base import Model, Options
from runner.workloads.task import Task

_NOTHING = object()


class ThreadsModel(Model):
    name = "threads"

    def most_in_flight(self, count: int, options: Options) -> int | None:
        return count  # one unit per worker thread

    def run(self, task: Task, pool_size: int, options: Options) -> list[Any]:
        local = threading.local()
        opened: dict[int, Any] = {}
        lock = threading.Lock()

        def call(index: int) -> Any:
            try:
                resource = local.resource
            except AttributeError:
                resource = local.resource = task.open()
                with lock:
                    opened[threading.get_ident()] = resource
            return task.call(resource, index)

        executor = ThreadPoolExecutor(max_workers=pool_size)
        try:
            # executor.map's own steps, but the caller also waits for the units
            # still running after a failure: one may yet open a resource.
            return _results_in_order([executor.submit(call, i) for i in range(task.count)])
        finally:
            try:
                _close_in_their_threads(executor, task, opened, lock, pool_size)
            finally:
                executor.shutdown(wait=True, cancel_futures=True)


def _results_in_order(futures: list[Future[Any]]) -> list[Any]:
    """The results, in order; at the first error or Ctrl-C the queued units are dropped."""
    try:
        return [future.result() for future in futures]
    except BaseException:
        for future in futures:
            future.cancel()
        wait(futures)
        raise


def _close_in_their_threads(executor: ThreadPoolExecutor, task: Task, opened: dict[int, Any],
                            lock: threading.Lock, pool_size: int) -> None:
    """Have every pool thread that opened a resource close it, once.

    The executor cannot address a thread, so each of ``pool_size`` jobs closes
    what its thread opened and then holds that thread until every resource is
    closed: no thread can take a second job while an opener still needs one,
    and there are never more threads than jobs.
    """
    if not opened or not task.needs_close():
        return  # each thread costs a round trip: tens of microseconds
    all_closed = threading.Event()

    def close_here() -> None:
        with lock:
            resource = opened.pop(threading.get_ident(), _NOTHING)
        try:
            if resource is not _NOTHING:
                task.close(resource)
        finally:
            with lock:
                if not opened:
                    all_closed.set()
            all_closed.wait()

    jobs = [executor.submit(close_here) for _ in range(pool_size)]
    try:
        wait(jobs)
    finally:
        all_closed.set()  # Ctrl-C while waiting: let the held threads go
    for job in jobs:
        job.result()  # the first teardown error, if any
