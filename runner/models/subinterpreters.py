"""interpreters: concurrent.futures.InterpreterPoolExecutor (Python 3.14+).

Each worker is a thread running its own subinterpreter with its own GIL, so
pure-Python work can use several cores inside one process. The pool
initializer is the processes model's: each subinterpreter imports this package
and keeps its own task and resource, closed by multiprocessing's finalizers,
which the subinterpreter's atexit hooks run as the pool ends it. Elsewhere
every run is skipped, with the reason.
"""

from __future__ import annotations

import concurrent.futures
import platform
import sys
from typing import Any

from runner.models.base import Model, Options
from runner.models.processes import _call, _init_worker
from runner.workloads.task import Task


def _init_interpreter(task: Task, path: list[str]) -> None:
    """A new interpreter's sys.path is the one Python started with: the folders added
    since (an experiment file's, for its callable's module) are added here first."""
    sys.path[:0] = [entry for entry in path if entry not in sys.path]
    _init_worker(task)


class InterpretersModel(Model):
    name = "interpreters"

    def unsupported(self, task: Task, options: Options) -> str | None:
        if not hasattr(concurrent.futures, "InterpreterPoolExecutor"):
            return (f"InterpreterPoolExecutor needs Python 3.14 or newer (this is "
                    f"{platform.python_version()})")
        return None

    def most_in_flight(self, count: int, options: Options) -> int | None:
        return count  # one unit per interpreter

    def run(self, task: Task, pool_size: int, options: Options) -> list[Any]:
        executor = concurrent.futures.InterpreterPoolExecutor(  # type: ignore[attr-defined]  # 3.14+
            max_workers=pool_size, initializer=_init_interpreter,
            initargs=(task, list(sys.path)))
        try:
            return list(executor.map(_call, range(task.count)))
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
