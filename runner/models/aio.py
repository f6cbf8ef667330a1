"""asyncio: one event loop; a semaphore of ``pool_size`` bounds units in flight.

(Named aio.py so that it never shadows the standard library's asyncio.)
"""

from __future__ import annotations

import asyncio

from runner.models.base import Model, ModelOptions
from runner.workloads.base import Task


async def _run_all(task: Task, pool_size: int) -> list[int]:
    semaphore = asyncio.Semaphore(pool_size)
    async with task.async_resource(pool_size) as resource:

        async def one(index: int) -> int:
            async with semaphore:
                return await task.acall(resource, index)

        return await asyncio.gather(*(one(index) for index in range(task.count)))


class AsyncioModel(Model):
    name = "asyncio"

    def run(self, task: Task, pool_size: int, options: ModelOptions) -> list[int]:
        return asyncio.run(_run_all(task, pool_size))
