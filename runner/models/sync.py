"""sync: a plain loop, one unit after another (the lesson's baseline)."""

from __future__ import annotations

from typing import ClassVar

from runner.models.base import Model, ModelOptions
from runner.workloads.base import Task


class SyncModel(Model):
    name = "sync"
    options: ClassVar[type[ModelOptions]] = ModelOptions
    pooled = False

    def run(self, task: Task, pool_size: int, options: ModelOptions) -> list[int]:
        resource = task.open()
        try:
            return [task.call(resource, index) for index in range(task.count)]
        finally:
            task.close(resource)
