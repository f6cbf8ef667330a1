"""callable: run the user's own function under every model.

This is the one deliberate way an experiment file runs code: the names in
``target``, ``async_target``, ``setup`` and ``teardown`` are imported (the
experiment file's directory is on the import path) when the file is
validated, so a missing module or a name that is not callable (with the
nearest name where one is close), a coroutine function where a blocking one is
called, or a function that cannot take the arguments runexp passes, is an error
with its line before anything runs.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from runner.workloads.callable_task import CallableTask
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
        context = info.context or {}
        if context.get("imports") is False:  # a run directory's copy: imported when it ran
            return path
        base = context.get("base_dir")
        if base is not None:
            add_import_path(Path(base))
        obj = _find(path, base)
        if not callable(obj):
            raise ValueError(f"{path!r} is a {type(obj).__name__}, not a function")
        field = info.field_name or "target"
        awaited = field == "async_target"
        if awaited and not inspect.iscoroutinefunction(obj):
            raise ValueError(f"{path!r} is not a coroutine function (async def)")
        if not awaited and inspect.iscoroutinefunction(obj):
            raise ValueError(_not_awaited(path, field))
        _check_call(path, obj, field)
        return path

    def make_task(self, params: Params, resources: Resources) -> Task:
        return CallableTask(count=params["tasks"], target=self.target,
                            async_target=self.async_target, setup=self.setup,
                            teardown=self.teardown, args=dict(self.args))


#: How runexp calls each field's function: the arguments a signature must accept.
CALLED_AS = {"target": "(index, args)", "async_target": "(index, args)",
             "setup": "(args)", "teardown": "(args)"}


def _find(path: str, base: object) -> Any:
    """The object ``path`` names, or a ValueError saying which part is missing (with
    the nearest public name of the module where one is close)."""
    module_name, _, attribute = path.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and (module_name + ".").startswith(error.name + "."):
            where = f"in {base} or on the import path" if base else "on the import path"
            raise ValueError(f"cannot import {path!r}: ModuleNotFoundError: no module "
                             f"named {error.name!r} {where}") from None
        raise ValueError(f"cannot import {path!r}: {_described(error)}") from None
    except Exception as error:  # an import runs the module: anything may fail
        raise ValueError(f"cannot import {path!r}: {_described(error)}") from None
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as error:
            near = difflib.get_close_matches(part, _public_callables(obj), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ValueError(f"cannot import {path!r}: {_described(error)}{hint}") from None
    return obj


def _described(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _public_callables(owner: Any) -> list[str]:
    names = getattr(owner, "__dict__", {})
    return [name for name, value in names.items()
            if not name.startswith("_") and callable(value)]


def _not_awaited(path: str, field: str) -> str:
    if field == "target":
        return (f"{path!r} is a coroutine function (async def): as `target` it would "
                "only make coroutines that nothing awaits; name it with `async_target` "
                "instead (asyncio awaits it), beside a blocking function as `target`")
    return (f"{path!r} is a coroutine function (async def), but `{field}` is called "
            "without being awaited: make it a plain function")


def _check_call(path: str, obj: Any, field: str) -> None:
    """Refuse a function that cannot take the arguments runexp passes (where its
    signature is known: some built-in functions have none)."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return
    arguments: tuple[Any, ...] = (0, {}) if field in ("target", "async_target") else ({},)
    try:
        signature.bind(*arguments)
    except TypeError:
        name = path.rpartition(":")[2]
        raise ValueError(f"{path!r} takes {signature}, but runexp calls it as "
                         f"{name}{CALLED_AS[field]}") from None
