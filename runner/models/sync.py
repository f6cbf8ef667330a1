"""sync: a plain loop, one unit after another (the lesson's baseline)."""

from __future__ import annotations

from typing import Any

from runner.models.base import Model, Options
from runner.workloads.task import Task


class SyncModel(Model):
    name = "sync"
    pooled = False

    def run(self, task: Task, pool_size: int, options: Options) -> list[Any]:
        resource = task.open()
        try:
            return [task.call(resource, index) for index in range(task.count)]
        finally:
            task.close(resource)
