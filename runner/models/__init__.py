"""Concurrency models, registered by name through ``runexp.models`` entry points, in the
order reports list them.

Adding a built-in model is one new module with a ``Model`` subclass and one entry
point in pyproject.toml (and one line in ``BUILTIN`` below, for source checkouts
that were never installed). Model modules import no pydantic (their options live
in ``options.py``), so the cell worker that runs them starts fast.

``MODELS`` is built on first use: the cell worker imports model modules (and so
this package) but never needs the registry or the entry-point scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runner.models.base import Model

    MODELS: dict[str, Model]

#: name -> ``module:class`` of runexp's own models, in the order reports list them.
BUILTIN = {
    "sync": "runner.models.sync:SyncModel",
    "threads": "runner.models.threads:ThreadsModel",
    "asyncio": "runner.models.aio:AsyncioModel",
    "processes": "runner.models.processes:ProcessesModel",
    "interpreters": "runner.models.subinterpreters:InterpretersModel",
}
#: What an experiment compares when its file names no models: the lesson's four.
DEFAULT_MODELS = ("sync", "threads", "asyncio", "processes")


def _adopt(name: str, obj: Any) -> Model:
    from runner.models.base import Model

    if not (isinstance(obj, type) and issubclass(obj, Model)):
        raise TypeError(f"{obj!r} is not a runner.models.base.Model subclass")
    if getattr(obj, "name", None) != name:
        raise TypeError(f"{obj.__name__} must set `name = {name!r}` (its entry point's name)")
    return obj()


def __getattr__(name: str) -> Any:
    if name == "MODELS":
        from runner.plugins import MODELS_GROUP, load_group

        registry = load_group(MODELS_GROUP, _adopt, BUILTIN)
        globals()["MODELS"] = registry
        return registry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["BUILTIN", "DEFAULT_MODELS", "MODELS"]
