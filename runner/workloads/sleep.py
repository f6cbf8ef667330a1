"""sleep: wait without using the CPU (time.sleep, or asyncio.sleep under asyncio)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from runner.workloads.sleep_task import SleepTask
from runner.workloads.spec import (
    Axis,
    Params,
    StrictFloat,
    TaskCount,
    WorkloadSpec,
    latency_bound_ideal,
)
from runner.workloads.task import Resources, Task

DurationMs = Annotated[StrictFloat, Field(ge=0, le=3_600_000)]


class SleepSpec(WorkloadSpec):
    """Sleep ``duration_ms`` ``tasks`` times: pure waiting, the ideal I/O."""


    kind: Literal["sleep"]
    tasks: Axis[TaskCount] = Field(default=(20,), description="Sleeps per run.")
    duration_ms: Axis[DurationMs] = Field(default=(100.0,), description="Length of one sleep.")

    def make_task(self, params: Params, resources: Resources) -> Task:
        return SleepTask(count=params["tasks"], duration_s=params["duration_ms"] / 1000)

    def ideal_s(self, params: Params, pool_size: int, cores: int, sequential_s: float | None
                ) -> float | None:
        return latency_bound_ideal(params["tasks"], pool_size, params["duration_ms"] / 1000)
