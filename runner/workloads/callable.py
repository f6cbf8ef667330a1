"""callable: run the user's own function under every model.

This is the one deliberate way an experiment file runs code: the names in
``target``, ``async_target``, ``setup`` and ``teardown`` are imported (the
experiment file's directory is on the import path) when the file is
validated, so a missing module or a name that is not callable is an error
with its line before anything runs.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from runner.workloads.callable_task import CallableTask, resolve
from runner.workloads.spec import (
    Axis,
    Params,
    TaskCount,
    WorkloadSpec,
)
from runner.workloads.task import Resources, Task

Target = Annotated[str, Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$",
                              description="package.module:function")]


def add_import_path(directory: Path) -> None:
    """Put an experiment file's directory on the import path (once)."""
    entry = str(directory.resolve())
    if entry not in sys.path:
        sys.path.insert(0, entry)


class CallableSpec(WorkloadSpec):
    """Call ``target(index, args)`` ``tasks`` times."""


    kind: Literal["callable"]
    tasks: Axis[TaskCount] = Field(default=(20,), description="Calls of the target per run.")
    target: Target = Field(description="Blocking function(index, args) doing one task.")
    async_target: Target | None = Field(
        default=None, description="Coroutine function(index, args) used by asyncio.")
    setup: Target | None = Field(default=None, description="function(args), once per worker.")
    teardown: Target | None = Field(default=None,
                                    description="function(args), once per worker at the end.")
    args: dict[str, Any] = Field(default_factory=dict,
                                 description="Passed to every call of the functions.")

    @field_validator("target", "async_target", "setup", "teardown")
    @classmethod
    def _importable(cls, path: str | None, info: ValidationInfo) -> str | None:
        if path is None:
            return None
        base = (info.context or {}).get("base_dir")
        if base is not None:
            add_import_path(Path(base))
        try:
            obj = resolve(path)
        except Exception as error:  # an import runs the module: anything may fail
            raise ValueError(f"cannot import {path!r}: {type(error).__name__}: {error}"
                             ) from None
        if not callable(obj):
            raise ValueError(f"{path!r} is a {type(obj).__name__}, not a function")
        if info.field_name == "async_target" and not inspect.iscoroutinefunction(obj):
            raise ValueError(f"{path!r} is not a coroutine function (async def)")
        return path

    def make_task(self, params: Params, resources: Resources) -> Task:
        return CallableTask(count=params["tasks"], target=self.target,
                            async_target=self.async_target, setup=self.setup,
                            teardown=self.teardown, args=dict(self.args))
