"""file: write ``size_bytes`` to a new file and read it back, in a temporary directory."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from runner.workloads.file_task import FileTask
from runner.workloads.spec import (
    ZIP_FIELD,
    Axis,
    Params,
    StrictInt,
    StrictModel,
    TaskCount,
    WorkloadSpec,
    zip_model,
)
from runner.workloads.task import Resources, Task

SizeBytes = Annotated[StrictInt, Field(ge=0, le=1024 * 2**20)]
Fsync = Annotated[bool, Field(strict=True)]


class FileParams(StrictModel):
    tasks: Axis[TaskCount] = Field(default=(100,), description="Files written and read per run.")
    size_bytes: Axis[SizeBytes] = Field(default=(64 * 1024,), description="Size of each file.")
    fsync: Axis[Fsync] = Field(default=(False,),
                               description="fsync each file before reading it back.")


class FileSpec(FileParams, WorkloadSpec):
    """Write and read back ``tasks`` files; the ideal depends on the disk, so none is given."""

    params_model: ClassVar[type[StrictModel]] = FileParams

    kind: Literal["file"]
    zip_: zip_model(FileParams) | None = ZIP_FIELD  # type: ignore[valid-type]

    def make_task(self, params: Params, resources: Resources) -> Task:
        return FileTask(count=params["tasks"], size_bytes=params["size_bytes"],
                        fsync=params["fsync"])
