"""asyncio: one event loop; a semaphore of ``pool_size`` bounds units in flight.

(Named aio.py so that it never shadows the standard library's asyncio.)
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from runner.models.base import Model, Options
from runner.workloads.task import Task

if TYPE_CHECKING:
    from runner.models.options import ModelOptions


async def _run_all(task: Task, pool_size: int) -> list[Any]:
    semaphore = asyncio.Semaphore(pool_size)
    async with task.async_resource(pool_size) as resource:

        async def one(index: int) -> Any:
            async with semaphore:
                return await task.acall(resource, index)

        units = [asyncio.ensure_future(one(index)) for index in range(task.count)]
        try:
            return await asyncio.gather(*units)
        except BaseException:
            # gather leaves the others running: stop them before the resource closes.
            for unit in units:
                unit.cancel()
            await asyncio.gather(*units, return_exceptions=True)
            raise


def _loop_factory(loop: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    if loop == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return None


class AsyncioModel(Model):
    name = "asyncio"

    @classmethod
    def options_model(cls) -> type[ModelOptions]:
        from runner.models.options import AsyncioOptions

        return AsyncioOptions

    def unsupported(self, task: Task, options: Options) -> str | None:
        if options.get("loop") == "uvloop" and importlib.util.find_spec("uvloop") is None:
            return "loop uvloop: the uvloop package is not installed (pip install uvloop)"
        return None

    def most_in_flight(self, count: int, options: Options) -> int | None:
        return count  # one unit per slot of the semaphore

    def run(self, task: Task, pool_size: int, options: Options) -> list[Any]:
        with asyncio.Runner(loop_factory=_loop_factory(options.get("loop", "asyncio"))) as runner:
            return runner.run(_run_all(task, pool_size))
