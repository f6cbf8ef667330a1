"""callable: the user's own function, named ``package.module:function``.

``target(index, args)`` does one unit; ``async_target(index, args)``, a coroutine
function, does it under asyncio where given; ``setup(args)`` and
``teardown(args)`` run once per worker (per thread, per process, once for an
event loop or the sync loop). Only names travel to pool processes; each
process imports them itself.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from typing import Any

from runner.workloads.task import Task


@functools.cache
def resolve(path: str) -> Any:
    """``package.module:attr.attr`` -> the object (imported once per process)."""
    module_name, _, attribute = path.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class CallableTask(Task):
    count: int
    target: str
    async_target: str | None
    setup: str | None
    teardown: str | None
    args: dict[str, Any]

    def preload(self) -> None:
        for path in (self.target, self.async_target, self.setup, self.teardown):
            if path:
                resolve(path)

    def imports(self) -> tuple[str, ...]:
        return tuple(sorted({path.partition(":")[0] for path in (
            self.target, self.async_target, self.setup, self.teardown) if path}))

    def open(self) -> Any:
        if self.setup:
            resolve(self.setup)(self.args)

    def close(self, resource: Any) -> None:
        if self.teardown:
            resolve(self.teardown)(self.args)

    def needs_close(self) -> bool:
        return self.teardown is not None

    def call(self, resource: Any, index: int) -> Any:
        return resolve(self.target)(index, self.args)

    async def acall(self, resource: Any, index: int) -> Any:
        if self.async_target:
            return await resolve(self.async_target)(index, self.args)
        return self.call(resource, index)
