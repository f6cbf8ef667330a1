"""sleep: wait without using the CPU (time.sleep, or asyncio.sleep under asyncio)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from runner.workloads.task import Task


@dataclass(frozen=True)
class SleepTask(Task):
    count: int
    duration_s: float

    def call(self, resource: Any, index: int) -> int:
        time.sleep(self.duration_s)
        return 0

    async def acall(self, resource: Any, index: int) -> int:
        await asyncio.sleep(self.duration_s)
        return 0
