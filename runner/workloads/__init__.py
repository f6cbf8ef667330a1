"""Workload kinds, registered by their ``kind`` through ``runexp.workloads`` entry points.

Each workload is two modules side by side: ``<kind>.py``, its experiment-file
spec (a ``WorkloadSpec`` subclass, pydantic), and ``<kind>_task.py``, the
picklable task the cell worker runs (no pydantic). Adding a built-in workload is
those two files and one entry point in pyproject.toml (and one line in
``BUILTIN`` below, for source checkouts that were never installed).

``WORKLOADS`` (and ``BROKEN``, the plugins set aside) is built on first use: the
cell worker imports task modules (and so this package) but must not pay for pydantic
or the entry-point scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runner.plugins import BrokenPlugin
    from runner.workloads.spec import WorkloadSpec

    WORKLOADS: dict[str, type[WorkloadSpec]]
    #: kind -> why it cannot be used, for each plugin set aside (runner.plugins).
    BROKEN: dict[str, BrokenPlugin]

#: kind -> ``module:class`` of runexp's own workloads, in the order reports list them.
BUILTIN = {
    "http": "runner.workloads.http:HttpSpec",
    "fib": "runner.workloads.fib:FibSpec",
    "sleep": "runner.workloads.sleep:SleepSpec",
    "hash": "runner.workloads.hash:HashSpec",
    "file": "runner.workloads.file:FileSpec",
    "mixed": "runner.workloads.mixed:MixedSpec",
    "callable": "runner.workloads.callable:CallableSpec",
}


def _adopt(kind: str, obj: Any) -> type[WorkloadSpec]:
    from runner.workloads.checks import check_spec_class
    from runner.workloads.spec import WorkloadSpec

    if not (isinstance(obj, type) and issubclass(obj, WorkloadSpec)):
        raise TypeError(f"{obj!r} is not a runner.workloads.spec.WorkloadSpec subclass")
    check_spec_class(obj, kind)
    return obj


def __getattr__(name: str) -> Any:
    if name in ("WORKLOADS", "BROKEN"):
        from runner.plugins import WORKLOADS_GROUP, load_group

        registry, broken = load_group(WORKLOADS_GROUP, _adopt, BUILTIN)
        globals().update(WORKLOADS=registry, BROKEN=broken)
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["BROKEN", "BUILTIN", "WORKLOADS"]
