"""Registries filled from entry points: ``runexp.workloads`` and ``runexp.models``.

runexp registers its own workloads and models through the same entry points
(see pyproject.toml), so a third-party package is no different: it declares

    [project.entry-points."runexp.workloads"]
    mykind = "mypackage.workload:MySpec"     # a runner.spec.WorkloadSpec subclass

    [project.entry-points."runexp.models"]
    mymodel = "mypackage.model:MyModel"      # a runner.models.base.Model subclass

Run from a source checkout that was never installed, there are no entry points
at all; the built-ins are then taken from ``fallback`` so runexp still works.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from runner.errors import UsageError

WORKLOADS_GROUP = "runexp.workloads"
MODELS_GROUP = "runexp.models"
OWN_DISTRIBUTION = "runexp"


class PluginError(UsageError):
    """An entry point that cannot be loaded or is not what its group expects."""


def load_group(group: str, adopt: Callable[[Any], Any], fallback: dict[str, Any],
               order: list[str]) -> dict[str, Any]:
    """name -> registered object for every entry point of ``group``.

    ``adopt`` checks what an entry point loaded and returns what the registry
    holds (raising TypeError with the reason when it does not fit). runexp's
    own names come first, in ``order``; plugins follow by name.
    """
    found = {ep.name: ep for ep in entry_points(group=group)}
    installed = any(ep.dist is not None and ep.dist.name == OWN_DISTRIBUTION
                    for ep in found.values())
    registry = {} if installed else dict(fallback)
    for name, ep in found.items():
        if name in registry:
            continue
        try:
            registry[name] = adopt(ep.load())
        except Exception as error:
            raise PluginError(f"plugin {name!r} ({group}: {ep.value}) cannot be used: "
                              f"{type(error).__name__}: {error}") from None
    return dict(sorted(registry.items(),
                       key=lambda item: (item[0] not in order,
                                         order.index(item[0]) if item[0] in order else 0,
                                         item[0])))
