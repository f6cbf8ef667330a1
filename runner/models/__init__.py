"""Concurrency models, registered by name through ``runexp.models`` entry points, in the
order reports list them.

Adding a built-in model is one new module with a ``Model`` subclass and one entry
point in pyproject.toml (and one line in ``BUILTIN`` below, for source checkouts
that were never installed). Model modules import no pydantic (their options live
in ``options.py``), so the cell worker that runs them starts fast.

``MODELS`` (and ``BROKEN``, the plugins set aside) is built on first use: the cell
worker imports model modules (and so this package) but never needs the registry or
the entry-point scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runner.models.base import Model
    from runner.plugins import BrokenPlugin

    MODELS: dict[str, Model]
    #: name -> why it cannot be used, for each plugin set aside (runner.plugins).
    BROKEN: dict[str, BrokenPlugin]

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


#: What a model name may be: it is part of the cell ids (``fib/threads/p4``).
_NAME = r"[A-Za-z0-9_.-]+"
#: Names of the ``models:`` mapping's own methods (runner.config.experiment): each model
#: name is a field of that pydantic model, so none may be one of them or pydantic's.
_MAPPING_METHODS = ("selected",)


def _adopt(name: str, obj: Any) -> Model:
    import re

    from pydantic import BaseModel

    from runner.models.base import Model

    if not (isinstance(obj, type) and issubclass(obj, Model)):
        raise TypeError(f"{obj!r} is not a runner.models.base.Model subclass")
    if getattr(obj, "name", None) != name:
        raise TypeError(f"{obj.__name__} must set `name = {name!r}` (its entry point's name)")
    if not re.fullmatch(_NAME, name):
        raise TypeError(f"the model name {name!r} is not a name: use letters, digits, _ . "
                        "and -")
    if name.startswith(("_", "model_")) or hasattr(BaseModel, name) or name in _MAPPING_METHODS:
        raise TypeError(f"the model name {name!r} is reserved (a name of the pydantic model "
                        "of `models:`); choose another")
    return obj()


def __getattr__(name: str) -> Any:
    if name in ("MODELS", "BROKEN"):
        from runner.plugins import MODELS_GROUP, load_group

        registry, broken = load_group(MODELS_GROUP, _adopt, BUILTIN)
        globals().update(MODELS=registry, BROKEN=broken)
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["BROKEN", "BUILTIN", "DEFAULT_MODELS", "MODELS"]
