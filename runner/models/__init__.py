"""Concurrency models, registered by name through ``runexp.models`` entry points,
in the order reports list them.

Adding a built-in model is one new module with a ``Model`` subclass and one
entry point in pyproject.toml (and in ``BUILTIN`` below, for source checkouts
that were never installed). Model modules import no pydantic (their options
live in ``options.py``), so the cell worker that runs them starts fast.
"""

from __future__ import annotations

from typing import Any

from runner.models.aio import AsyncioModel
from runner.models.base import Model, Options
from runner.models.interpreters import InterpretersModel
from runner.models.processes import ProcessesModel
from runner.models.sync import SyncModel
from runner.models.threads import ThreadsModel

BUILTIN: dict[str, Model] = {
    model.name: model
    for model in (SyncModel(), ThreadsModel(), AsyncioModel(), ProcessesModel(),
                  InterpretersModel())
}
#: What an experiment compares when its file names no models: the lesson's four.
DEFAULT_MODELS = ("sync", "threads", "asyncio", "processes")


def _adopt(obj: Any) -> Model:
    if not (isinstance(obj, type) and issubclass(obj, Model)):
        raise TypeError(f"{obj!r} is not a runner.models.base.Model subclass")
    return obj()


def __getattr__(name: str) -> Any:
    # MODELS is built on first use: the cell worker imports model modules (and so
    # this package) but never needs the registry or the entry-point scan.
    if name == "MODELS":
        from runner.plugins import MODELS_GROUP, load_group

        registry = load_group(MODELS_GROUP, _adopt, BUILTIN, list(BUILTIN))
        globals()["MODELS"] = registry
        return registry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["DEFAULT_MODELS", "MODELS", "Model", "Options"]
