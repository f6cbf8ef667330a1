"""file: write ``size_bytes`` to a new file and read it back, in a temporary directory."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from runner.workloads.file_task import FileTask
from runner.workloads.spec import (
    Axis,
    Params,
    StrictInt,
    TaskCount,
    WorkloadSpec,
)
from runner.workloads.task import Resources, Task

SizeBytes = Annotated[StrictInt, Field(ge=0, le=1024 * 2**20)]
Fsync = Annotated[bool, Field(strict=True)]


class FileSpec(WorkloadSpec):
    """Write and read back ``tasks`` files; the ideal depends on the disk, so none is given."""


    kind: Literal["file"]
    tasks: Axis[TaskCount] = Field(default=(100,), description="Files written and read per run.")
    size_bytes: Axis[SizeBytes] = Field(default=(64 * 1024,), description="Size of each file.")
    fsync: Axis[Fsync] = Field(default=(False,),
                               description="fsync each file before reading it back.")

    def make_task(self, params: Params, resources: Resources) -> Task:
        return FileTask(count=params["tasks"], size_bytes=params["size_bytes"],
                        fsync=params["fsync"])
