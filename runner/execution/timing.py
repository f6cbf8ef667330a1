"""Per-task timing: a wrapper that times every unit of the task it wraps.

Every run is wrapped: the first unit's start gives the run's start-up time
(``startup_s``), and workloads that record task latencies write them to
tasks.csv. Each unit returns ``(result, start, seconds, who)`` instead of its
result; ``perf_counter`` is system-wide on Linux, so starts taken in pool
processes are comparable with the parent's clock. ``who`` says where the unit
ran (process, thread, interpreter; or an asyncio task), from which
``task_timings`` names each unit's worker with a small per-run label: ``main``,
``thread-2``, ``process-1``, ``interpreter-3``, ``task-5``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from runner.results.lanes import lowest_free_lanes
from runner.workloads.task import Task

try:  # Python 3.13+: subinterpreters have ids (0 is the main interpreter)
    import _interpreters  # type: ignore[import-not-found]
except ImportError:
    _interpreters = None

#: Where a unit ran: (process id, thread id, interpreter id), or ASYNC_TASK.
Who = tuple[int, int, int] | None
#: ``who`` of a unit awaited as an asyncio task: its lane is found from the times.
ASYNC_TASK: Who = None


def where_here() -> tuple[int, int, int]:
    """This process, thread and interpreter."""
    return os.getpid(), threading.get_ident(), _interpreter_id()


def _interpreter_id() -> int:
    if _interpreters is None:
        return 0
    current = _interpreters.get_current()
    return int(current[0] if isinstance(current, tuple) else current)


@dataclass(frozen=True)
class TimedTask(Task):
    inner: Task

    @property
    def count(self) -> int:  # type: ignore[override]  # a dataclass field on Task, read-only here
        return self.inner.count

    def __getattr__(self, name: str) -> Any:
        """A model receives this wrapper: the workload task's own attributes show through."""
        if name == "inner" or name.startswith("__"):  # during unpickling, before ``inner`` is set
            raise AttributeError(name)
        return getattr(self.inner, name)

    def preload(self) -> None:
        self.inner.preload()

    def open(self) -> Any:
        return self.inner.open()

    def close(self, resource: Any) -> None:
        self.inner.close(resource)

    def needs_close(self) -> bool:
        return self.inner.needs_close()

    def call(self, resource: Any, index: int) -> Any:
        start = time.perf_counter()
        result = self.inner.call(resource, index)
        return result, start, time.perf_counter() - start, where_here()

    @asynccontextmanager
    async def async_resource(self, pool_size: int) -> AsyncIterator[Any]:
        async with self.inner.async_resource(pool_size) as resource:
            yield resource

    async def acall(self, resource: Any, index: int) -> Any:
        start = time.perf_counter()
        result = await self.inner.acall(resource, index)
        return result, start, time.perf_counter() - start, ASYNC_TASK


def unwrap(results: list[Any]) -> list[Any]:
    """The inner task's own results."""
    return [result for result, _, _, _ in results]


def first_start(results: list[Any]) -> float | None:
    """The perf_counter reading at which the first unit began."""
    return min((start for _, start, _, _ in results), default=None)


def task_timings(results: list[Any], main: tuple[int, int, int] | None = None
                 ) -> list[tuple[float, float, str]]:
    """(start offset from the first unit's start, latency, worker) per unit, in index
    order. ``main``: where the model was called (``where_here()`` there)."""
    if not results:
        return []
    first = min(start for _, start, _, _ in results)
    workers = worker_labels([(start, seconds, who) for _, start, seconds, who in results],
                            main or where_here())
    return [(start - first, seconds, worker)
            for (_, start, seconds, _), worker in zip(results, workers, strict=True)]


def worker_labels(units: list[tuple[float, float, Who]], main: tuple[int, int, int]
                  ) -> list[str]:
    """A small per-run label for where each unit ran, numbered in order of first start.

    The caller's own thread is ``main``; other threads ``thread-N``; other processes
    ``process-N``; other interpreters of this process ``interpreter-N``. asyncio tasks
    share one thread, so each unit takes the lowest ``task-N`` lane free when it
    starts: the lanes are the calls in flight at once, as a timing diagram draws them.
    """
    labels = [""] * len(units)
    awaited = [at for at, (_, _, who) in enumerate(units) if who is None]
    lanes = lowest_free_lanes([units[at][0] for at in awaited],
                              [units[at][1] for at in awaited])
    for at, lane in zip(awaited, lanes, strict=True):
        labels[at] = f"task-{lane}"
    numbers: dict[tuple[str, tuple[int, int, int]], int] = {}
    counts: dict[str, int] = {}
    for at in sorted(range(len(units)), key=lambda i: units[i][0]):
        who = units[at][2]
        if who is None:
            continue
        kind = ("process" if who[0] != main[0] else "interpreter" if who[2] != main[2]
                else "main" if who[1] == main[1] else "thread")
        if kind == "main":
            labels[at] = "main"
            continue
        key = (kind, who if kind != "process" else (who[0], 0, 0))
        if key not in numbers:
            counts[kind] = numbers[key] = counts.get(kind, 0) + 1
        labels[at] = f"{kind}-{numbers[key]}"
    return labels
