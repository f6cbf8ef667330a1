"""Per-task timing: a wrapper that times every unit of the task it wraps.

Every run is wrapped: the first unit's start gives the run's start-up time
(``startup_s``), and workloads that record task latencies write them to
tasks.csv. Each unit returns ``(result, start, seconds)`` instead of its
result; ``perf_counter`` is system-wide on Linux, so starts taken in pool
processes are comparable with the parent's clock.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from runner.workloads.task import Task


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
        return result, start, time.perf_counter() - start

    @asynccontextmanager
    async def async_resource(self, pool_size: int) -> AsyncIterator[Any]:
        async with self.inner.async_resource(pool_size) as resource:
            yield resource

    async def acall(self, resource: Any, index: int) -> Any:
        start = time.perf_counter()
        result = await self.inner.acall(resource, index)
        return result, start, time.perf_counter() - start


def unwrap(results: list[Any]) -> list[Any]:
    """The inner task's own results."""
    return [result for result, _, _ in results]


def first_start(results: list[Any]) -> float | None:
    """The perf_counter reading at which the first unit began."""
    return min((start for _, start, _ in results), default=None)


def task_timings(results: list[Any]) -> list[tuple[float, float]]:
    """(start offset from the first unit's start, latency) per unit, in index order."""
    if not results:
        return []
    first = min(start for _, start, _ in results)
    return [(start - first, seconds) for _, start, seconds in results]
