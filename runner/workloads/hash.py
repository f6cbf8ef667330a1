"""hash: SHA-256 over ``size_bytes`` buffers. hashlib releases the GIL while it
hashes large inputs, so threads *can* scale on it: the instructive contrast to fib."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from runner.workloads.hash_task import HashTask
from runner.workloads.spec import (
    Axis,
    CpuBound,
    Params,
    StrictInt,
    TaskCount,
    WorkloadSpec,
)
from runner.workloads.task import Resources, Task

SizeBytes = Annotated[StrictInt, Field(ge=1, le=1024 * 2**20)]


class HashSpec(CpuBound, WorkloadSpec):
    """Hash a ``size_bytes`` buffer ``tasks`` times with SHA-256."""


    kind: Literal["hash"]
    tasks: Axis[TaskCount] = Field(default=(20,), description="Buffers hashed per run.")
    size_bytes: Axis[SizeBytes] = Field(default=(4 * 2**20,),
                                        description="Size of each buffer (default 4 MiB).")

    def make_task(self, params: Params, resources: Resources) -> Task:
        return HashTask(count=params["tasks"], size_bytes=params["size_bytes"])
