"""mixed: each task computes ``cpu_ms`` in pure Python (holding the GIL), then waits
``io_ms`` without the CPU: most real work is some of each."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field

from runner.workloads.mixed_task import MixedTask
from runner.workloads.spec import (
    Axis,
    Params,
    StrictFloat,
    TaskCount,
    WorkloadSpec,
)
from runner.workloads.task import Resources, Task

Millis = Annotated[StrictFloat, Field(ge=0, le=600_000)]


class MixedSpec(WorkloadSpec):
    """``tasks`` tasks of ``cpu_ms`` computing then ``io_ms`` waiting."""


    kind: Literal["mixed"]
    tasks: Axis[TaskCount] = Field(default=(40,), description="Tasks per run.")
    cpu_ms: Axis[Millis] = Field(default=(10.0,),
                                 description="Pure-Python CPU time of each task.")
    io_ms: Axis[Millis] = Field(default=(40.0,), description="Waiting time of each task.")

    def make_task(self, params: Params, resources: Resources) -> Task:
        return MixedTask(count=params["tasks"], cpu_s=params["cpu_ms"] / 1000,
                         io_s=params["io_ms"] / 1000)

    def ideal_s(self, params: Params, pool_size: int, cores: int, sequential_s: float | None
                ) -> float | None:
        """The larger of two bounds: the busiest worker runs ceil(tasks / pool) whole
        tasks one after another, and all the CPU work shares min(pool, cores) cores."""
        tasks, cpu_s, io_s = params["tasks"], params["cpu_ms"] / 1000, params["io_ms"] / 1000
        per_worker = math.ceil(tasks / pool_size) * (cpu_s + io_s)
        return max(per_worker, tasks * cpu_s / min(pool_size, cores))
