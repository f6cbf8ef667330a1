"""Registries filled from entry points: ``runexp.workloads`` and ``runexp.models``.

runexp registers its own workloads and models through the same entry points
(see pyproject.toml), so a third-party package is no different: it declares

    [project.entry-points."runexp.workloads"]
    mykind = "mypackage.workload:MySpec"     # a runner.workloads.spec.WorkloadSpec subclass

    [project.entry-points."runexp.models"]
    mymodel = "mypackage.model:MyModel"      # a runner.models.base.Model subclass

Run from a source checkout that was never installed, there are no entry points
at all; the built-ins are then loaded from ``builtin`` so runexp still works.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from typing import Any, TypeVar

from runner.errors import PluginError

WORKLOADS_GROUP = "runexp.workloads"
MODELS_GROUP = "runexp.models"
OWN_DISTRIBUTION = "runexp"

T = TypeVar("T")


def load_object(path: str) -> Any:
    """``package.module:Name`` -> the object."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def load_group(group: str, adopt: Callable[[str, Any], T], builtin: Mapping[str, str]
               ) -> dict[str, T]:
    """name -> registered object for every entry point of ``group``.

    ``adopt(name, obj)`` checks what an entry point loaded and returns what the
    registry holds (raising TypeError with the reason when it does not fit). runexp's
    own names come first, in ``builtin``'s order; plugins follow by name.
    """
    found = {ep.name: ep.value for ep in entry_points(group=group)
             if not (ep.dist is not None and ep.dist.name == OWN_DISTRIBUTION)}
    order = list(builtin)
    registry: dict[str, T] = {}
    for name, value in [*builtin.items(), *sorted(found.items())]:
        if name in registry:
            raise PluginError(f"plugin {name!r} ({group}: {value}) cannot be used: the name "
                              "is taken by runexp's own; choose another")
        try:
            registry[name] = adopt(name, load_object(value))
        except Exception as error:
            raise PluginError(f"plugin {name!r} ({group}: {value}) cannot be used: "
                              f"{type(error).__name__}: {error}") from None
    return dict(sorted(registry.items(), key=lambda item: (
        item[0] not in order, order.index(item[0]) if item[0] in order else 0, item[0])))
