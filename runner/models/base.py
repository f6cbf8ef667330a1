"""What a concurrency model is: a way to execute a task's ``count`` units."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Annotated, ClassVar

from pydantic import Field

from runner.spec import StrictInt, StrictModel
from runner.workloads.base import Task

PoolSize = Annotated[StrictInt, Field(ge=1, le=10_000)]


class ModelOptions(StrictModel):
    """Options of a model without a pool (sync): none."""


class PoolOptions(ModelOptions):
    pool_sizes: Annotated[list[PoolSize], Field(min_length=1)] | None = Field(
        default=None, description="Pool sizes of this model; default: the top-level pool_sizes."
    )


class Model(ABC):
    """Executes all units of a task and returns their results in order."""

    name: ClassVar[str]
    options: ClassVar[type[ModelOptions]] = PoolOptions
    pooled: ClassVar[bool] = True

    @abstractmethod
    def run(self, task: Task, pool_size: int, options: ModelOptions) -> list[int]:
        """Run every unit, from pool start-up to the last result and pool shutdown."""
