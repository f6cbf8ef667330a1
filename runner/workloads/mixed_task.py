"""mixed: each unit computes for ``cpu_ms`` in pure Python, then waits ``io_ms``."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from runner.workloads.task import Task


def spin(seconds: float) -> int:
    """Pure-Python work (holding the GIL) for about ``seconds`` of thread CPU time."""
    end = time.thread_time() + seconds
    steps = 0
    while time.thread_time() < end:
        for _ in range(1000):
            steps += 1
    return steps


@dataclass(frozen=True)
class MixedTask(Task):
    count: int
    cpu_s: float
    io_s: float

    def call(self, resource: Any, index: int) -> Any:
        steps = spin(self.cpu_s)
        time.sleep(self.io_s)
        return steps

    async def acall(self, resource: Any, index: int) -> Any:
        steps = spin(self.cpu_s)  # blocks the loop, as CPU work in a coroutine does
        await asyncio.sleep(self.io_s)
        return steps
