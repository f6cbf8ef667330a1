"""threads: a ThreadPoolExecutor; each worker thread opens its own resource.

This is the lesson's pattern: a ``threading.local`` holds one HTTP session per
thread, because a ``requests.Session`` is not safe to share between threads.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from runner.models.base import Model, Options
from runner.workloads.task import Task


class ThreadsModel(Model):
    name = "threads"

    def run(self, task: Task, pool_size: int, options: Options) -> list[Any]:
        local = threading.local()
        opened: list[Any] = []
        lock = threading.Lock()

        def call(index: int) -> Any:
            try:
                resource = local.resource
            except AttributeError:
                resource = local.resource = task.open()
                with lock:
                    opened.append(resource)
            return task.call(resource, index)

        executor = ThreadPoolExecutor(max_workers=pool_size)
        try:
            return list(executor.map(call, range(task.count)))
        finally:
            # On success nothing is left to cancel; on Ctrl-C or an error the
            # queued units are dropped instead of run to the end.
            executor.shutdown(wait=True, cancel_futures=True)
            for resource in opened:
                task.close(resource)
