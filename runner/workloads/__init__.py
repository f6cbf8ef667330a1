"""Workload kinds, registered by their ``kind`` through ``runexp.workloads`` entry points.

Adding a built-in workload is one new module with a ``WorkloadSpec`` subclass
and one entry point in pyproject.toml (and in ``BUILTIN`` below, for source
checkouts that were never installed). Modules import their heavy libraries
(requests, aiohttp) only where a task runs, so validating a file stays fast.
"""

from __future__ import annotations

from typing import Any

from runner.plugins import WORKLOADS_GROUP, load_group
from runner.spec import WorkloadSpec
from runner.workloads.callable import CallableSpec
from runner.workloads.fib import FibSpec
from runner.workloads.file import FileSpec
from runner.workloads.hash import HashSpec
from runner.workloads.http import HttpSpec
from runner.workloads.mixed import MixedSpec
from runner.workloads.sleep import SleepSpec

BUILTIN: dict[str, type[WorkloadSpec]] = {
    "http": HttpSpec,
    "fib": FibSpec,
    "sleep": SleepSpec,
    "hash": HashSpec,
    "file": FileSpec,
    "mixed": MixedSpec,
    "callable": CallableSpec,
}


def _adopt(obj: Any) -> type[WorkloadSpec]:
    if not (isinstance(obj, type) and issubclass(obj, WorkloadSpec)):
        raise TypeError(f"{obj!r} is not a runner.spec.WorkloadSpec subclass")
    return obj


WORKLOADS: dict[str, type[WorkloadSpec]] = load_group(
    WORKLOADS_GROUP, _adopt, BUILTIN, list(BUILTIN))

__all__ = ["WORKLOADS"]
