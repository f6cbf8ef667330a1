"""Registries filled from entry points: ``runexp.workloads`` and ``runexp.models``.

runexp registers its own workloads and models through the same entry points
(see pyproject.toml), so a third-party package is no different: it declares

    [project.entry-points."runexp.workloads"]
    mykind = "mypackage.workload:MySpec"     # a runner.workloads.spec.WorkloadSpec subclass

    [project.entry-points."runexp.models"]
    mymodel = "mypackage.model:MyModel"      # a runner.models.base.Model subclass

Run from a source checkout that was never installed, there are no entry points
at all; the built-ins are then loaded from ``builtin`` so runexp still works.

A plugin that cannot be used (it does not import, is not what its group expects,
or takes a name that runexp or another installed package registers) is set aside
as a ``BrokenPlugin`` with a ``PluginWarning``: every command still works, and
only a file that names it is an error, which says why.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from importlib.metadata import EntryPoint, entry_points
from typing import Any, TypeVar

from runner.errors import PluginWarning

WORKLOADS_GROUP = "runexp.workloads"
MODELS_GROUP = "runexp.models"
OWN_DISTRIBUTION = "runexp"

T = TypeVar("T")


@dataclass(frozen=True)
class BrokenPlugin:
    """An entry point set aside, and why: naming it in a file is an error with this text."""

    name: str
    group: str
    value: str  # the entry point's ``module:Name`` (each one's, for a name taken twice)
    distribution: str  # ``name version`` of the package that declares it
    error: str  # ``Type: message`` of what loading it raised, or why the name is refused

    def __str__(self) -> str:
        return (f"plugin {self.name!r} ({self.group}: {self.value}) cannot be used: "
                f"{self.error} (installed by {self.distribution})")


def load_object(path: str) -> Any:
    """``package.module:Name`` -> the object."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def load_group(group: str, adopt: Callable[[str, Any], T], builtin: Mapping[str, str]
               ) -> tuple[dict[str, T], dict[str, BrokenPlugin]]:
    """The registry of ``group`` (name -> object) and the plugins set aside (name -> why).

    ``adopt(name, obj)`` checks what an entry point loaded and returns what the
    registry holds (raising TypeError with the reason when it does not fit). runexp's
    own names come first, in ``builtin``'s order; plugins follow by name. Each plugin
    set aside is also a ``PluginWarning``.
    """
    registry: dict[str, T] = {}
    broken: dict[str, BrokenPlugin] = {}
    for name, value in builtin.items():
        _register(registry, broken, BrokenPlugin(name, group, value, OWN_DISTRIBUTION, ""),
                  adopt)  # what it would be called, should it fail
    for name, points in sorted(_plugin_entry_points(group).items()):
        plugin = _described(name, group, points)
        if len(points) > 1:
            broken[name] = plugin
        elif name in registry:
            broken[name] = replace(plugin, error="the name is one of runexp's own; "
                                                 "choose another")
        else:
            _register(registry, broken, plugin, adopt)
    for plugin in broken.values():
        warnings.warn(str(plugin), PluginWarning, stacklevel=2)
    return registry, broken


def _plugin_entry_points(group: str) -> dict[str, list[EntryPoint]]:
    """Each name other packages register in ``group``, with every entry point that does."""
    found: dict[str, list[EntryPoint]] = {}
    for point in entry_points(group=group):
        if _distribution_name(point) != OWN_DISTRIBUTION:
            found.setdefault(point.name, []).append(point)
    return found


def _register(registry: dict[str, T], broken: dict[str, BrokenPlugin], plugin: BrokenPlugin,
              adopt: Callable[[str, Any], T]) -> None:
    # SystemExit too: a plugin that exits while imported must not end every command
    try:
        registry[plugin.name] = adopt(plugin.name, load_object(plugin.value))
    except (Exception, SystemExit) as error:
        broken[plugin.name] = replace(plugin, error=f"{type(error).__name__}: {error}")


def _described(name: str, group: str, points: list[EntryPoint]) -> BrokenPlugin:
    """What a plugin is, with the reason it is refused where two packages register it."""
    where = sorted((_distribution(point), point.value) for point in points)
    error = ("" if len(points) == 1 else f"{len(points)} installed packages register this "
             "name; uninstall one, or rename the entry point in one")
    return BrokenPlugin(name, group, ", ".join(value for _, value in where),
                        " and ".join(distribution for distribution, _ in where), error)


def _distribution_name(point: EntryPoint) -> str | None:
    return point.dist.name if point.dist is not None else None


def _distribution(point: EntryPoint) -> str:
    if point.dist is None:
        return "an unknown package"
    return f"{point.dist.name} {point.dist.version}"
